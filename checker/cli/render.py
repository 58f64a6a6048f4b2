"""``concord render``: draw the counterexamples of a result saved with ``check --json``, replayed on the model."""

from __future__ import annotations

import argparse
import json

from ..compiled import Compiled, Step, compile_model
from ..model import Model, parse_description
from ..result import Violation
from ._args import check_outputs, picture_arguments
from ._output import pictures
from .jsonout import result_problem, state_json
from .registry import UsageError, build, bundled, load_class

HELP = "draw the counterexamples of a result saved with check --json"


def arguments(r: argparse.ArgumentParser) -> None:
    r.add_argument("result", metavar="RESULT.json")
    r.add_argument("--model", metavar="MODEL", help="the model's path/to/file.py:ClassName, if it is not bundled")
    picture_arguments(r, out="--out")


def run(args) -> int:
    check_outputs(args)
    if not (args.render or args.report):
        raise UsageError("nothing to write: give --out DIR and/or --report FILE.html")
    data = load_result(args.result)
    compiled = compile_model(saved_model(data, args.model))
    pictures(args, compiled, data, saved_violations(data, compiled))
    return 0


def load_result(path: str) -> dict:
    """A result written by ``concord check --json``, its shape checked; anything else is a UsageError."""
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not text (UTF-8): not a concord result") from None
    except json.JSONDecodeError as e:
        raise UsageError(f"{path} is not JSON: {e}") from None
    except (RecursionError, MemoryError):
        raise UsageError(f"{path} is nested too deeply to be a concord result") from None
    except ValueError as e:  # e.g. an integer beyond Python's digit limit
        raise UsageError(f"{path} is not a concord result: {e}") from None
    problem = result_problem(data)
    if problem:
        raise UsageError(f"{path}: {problem}")
    return data


def saved_model(data: dict, spec: str | None = None) -> Model:
    """The model a saved result was checked on: a bundled model, or spec (``file.py:Class``), with its constants."""
    try:
        name, variant, constants = parse_description(data["model"])
    except ValueError as e:
        raise UsageError(str(e)) from None
    if spec:
        cls = load_class(spec)
    else:
        cls = next((c for c in bundled().values() if (c.variants.get(variant) if variant else c).__name__ == name), None)
        if cls is None:
            raise UsageError(f"{name} is not a bundled model; name its file with --model path/to/file.py:{name}")
    return build(cls, [f"{k}={v!r}" for k, v in constants.items()], variant)


def replay(compiled: Compiled, steps: list[dict]) -> list[Step]:
    """A saved trace re-executed on the model, so that every step has its real states again."""
    s = next((i for i in compiled.inits if state_json(i) == steps[0]["state"]), None)
    if s is None:
        raise UsageError(f"the saved trace does not start in an initial state of {compiled.name}")
    trace = [Step(None, None, s)]
    for k, saved in enumerate(steps[1:], 1):
        found = next(((ai, args, t) for ai, args, t in compiled.successors(s) if _same(compiled, ai, args, t, saved)), None)
        if found is None:
            raise UsageError(f"step {k}, {saved['action']}, does not replay on {compiled.name}: has the model changed?")
        ai, args, s = found
        trace.append(Step(compiled.actions[ai].name, compiled.args_dict(ai, args), s))
    return trace


def _same(compiled: Compiled, ai: int, args: tuple, t, saved: dict) -> bool:
    """Whether a step is the saved one: the same action, arguments and state."""
    return (compiled.actions[ai].name == saved["name"] and state_json(compiled.args_dict(ai, args)) == saved["args"]
            and state_json(t) == saved["state"])


def saved_violations(data: dict, compiled: Compiled) -> list[Violation]:
    """The violations of a saved result, their traces replayed."""
    out = []
    for v in data.get("violations", []):
        violation = Violation(v["property"], v["kind"], v["doc"], replay(compiled, v["trace"]) if v["trace"] else [])
        if v["kind"] == "liveness":  # a lasso: where it goes back to (an index into its trace, or None)
            loop = v.get("loop_from")
            if loop is not None and not (isinstance(loop, int) and 0 <= loop < len(violation.trace) - 1):
                raise UsageError(f"{v['property']}: its loop_from {loop!r} is not a state of its trace")
            violation.loop_from, violation.form = loop, v.get("form", "")
            violation.instance = v.get("instance", "")
        out.append(violation)
    return out
