"""Pictures on disk: a sequence chart per violation (DOT; SVG or PNG with Graphviz), also from saved JSON."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import graphviz

from .chart import Chart, chart
from .compiled import Compiled, Step
from .files import make_directory, write_atomic
from .jsonout import result_problem, state_json
from .model import Model
from .registry import UsageError, build, bundled, load_class
from .render_msc import sequence_chart
from .result import Violation

__all__ = ["NO_DOT", "violation_chart", "write_picture", "write_charts", "svg_inline", "load_result",
           "parse_description", "saved_model", "replay", "saved_violations"]

NO_DOT = "Graphviz's dot is not installed: DOT only, no SVG or PNG pictures (apt-get install graphviz)"
_DESCRIPTION = re.compile(r"(\w+)(?: \[([^\]]+)\])?\((.*)\)", re.S)


def violation_chart(compiled: Compiled, v: Violation) -> Chart:
    """The sequence chart of a violation's trace, titled with the model, and its last step marked."""
    headline = f"{v.property} violated after {v.length} step{'s' * (v.length != 1)}"
    violated = f"{v.property} violated" + (f": {v.doc}" if v.doc else "")
    return chart(compiled, v.trace, f"{compiled.name}\n{headline}", violated)


def write_picture(graph: graphviz.Digraph, base: Path, formats: tuple[str, ...] = ("svg",)) -> list[Path]:
    """Write base.dot, and base.svg (or other formats) when Graphviz's dot is installed; return the files
    written. Each file is written whole or not at all."""
    make_directory(base.parent)
    written = [write_atomic(base.with_name(base.name + ".dot"), graph.source)]
    if shutil.which("dot"):
        for fmt in formats:
            written.append(write_atomic(base.with_name(f"{base.name}.{fmt}"), graph.pipe(format=fmt)))
    return written



def write_charts(compiled: Compiled, violations: list[Violation], directory: Path,
                 formats: tuple[str, ...] = ("svg",)) -> list[Path]:
    """A sequence chart per violation that has a trace, named after its property."""
    written = []
    for v in violations:
        if v.trace:
            name = re.sub(r"[^\w.-]", "_", v.property)
            written += write_picture(sequence_chart(violation_chart(compiled, v), name), directory / name, formats)
    return written


def svg_inline(graph: graphviz.Digraph) -> str:
    """The graph as an <svg> element to put inside HTML: no XML prolog, no namespace URLs."""
    svg = graph.pipe(format="svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)


# -- results saved as JSON --------------------------------------------------------------------


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


def parse_description(text: str) -> tuple[str, str | None, dict]:
    """``Name [variant](k=v, ...)``, as Model.describe writes it, split into class name, variant and constants."""
    match = _DESCRIPTION.fullmatch(text)
    if not match:
        raise UsageError(f"cannot read the model {text!r}")
    try:
        call = ast.parse(f"f({match.group(3)})", mode="eval").body
        constants = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError):
        raise UsageError(f"cannot read the constants of {text!r}") from None
    return match.group(1), match.group(2), constants


def saved_model(data: dict, spec: str | None = None) -> Model:
    """The model a saved result was checked on: a bundled model, or spec (``file.py:Class``), with its constants."""
    name, variant, constants = parse_description(data["model"])
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
    return [Violation(v["property"], v["kind"], v["doc"], replay(compiled, v["trace"]) if v["trace"] else [])
            for v in data.get("violations", [])]
