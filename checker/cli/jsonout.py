"""The documented JSON form of a result (schema in docs/json.md)."""

from __future__ import annotations

import json
from typing import Any

from ..compiled import Step
from ..files import write_atomic
from ..result import Result, Violation
from ..values import Bag, FrozenMap

__all__ = ["result_json", "state_json", "write_json", "result_problem", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1


def state_json(value: Any) -> Any:
    """A state as JSON: records and maps as objects, tuples as lists, sets sorted, bags as lists."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, FrozenMap):
        return {str(k): state_json(v) for k, v in value.items()}
    names = getattr(type(value), "_fields", None)
    if names:
        return {n: state_json(v) for n, v in zip(names, tuple.__iter__(value))}
    if isinstance(value, (tuple, list)):
        return [state_json(v) for v in value]
    if isinstance(value, Bag):
        return [state_json(v) for v in value for _ in range(value.count(v))]
    if isinstance(value, (frozenset, set)):
        return sorted((state_json(v) for v in value), key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(value, dict):
        return {str(k): state_json(v) for k, v in value.items()}
    return repr(value)


def trace_json(trace: list[Step]) -> list[dict]:
    return [{"action": s.label, "name": s.action, "args": state_json(s.args or {}), "state": state_json(s.state)} for s in trace]


def violation_json(v: Violation) -> dict:
    out = {"property": v.property, "kind": v.kind, "doc": v.doc, "length": v.length, "trace": trace_json(v.trace)}
    if v.kind == "liveness":  # a lasso: the trace, then back to loop_from forever (None: it stutters at its end)
        out.update(loop_from=v.loop_from, form=v.form, instance=v.instance)
    return out


def result_json(result: Result) -> dict:
    """The whole result as a JSON-ready dict."""
    return {
        "schema": SCHEMA_VERSION,
        "model": result.model,
        "strategy": result.strategy,
        "verdict": result.verdict,
        "partial": result.partial,
        "error": result.error,
        "error_trace": trace_json(result.error_trace),
        "stats": result.stats.as_dict(),
        "coverage": result.coverage,
        "properties": [
            {"name": p.name, "kind": p.kind, "doc": p.doc, "violated": result.violation(p.name) is not None}
            for p in result.properties
        ],
        "quorums": [q.to_json() for q in result.quorums],
        "scope": {"constraints": result.constraints, "outside": result.outside,
                  "outside_at_least": result.outside_at_least},
        "violations": [violation_json(v) for v in result.violations],
        "witnesses": [violation_json(w) for w in result.witnesses],
        "liveness": result.liveness,
        "fairness": [str(f) for f in result.fairness],
    }


def write_json(result: Result, path: str) -> None:
    """The result as JSON in path, written whole or not at all."""
    write_atomic(path, json.dumps(result_json(result), indent=2) + "\n")


# -- reading one back: the shape docs/json.md promises, checked before anything uses it ----------

_NUMBER = (int, float)
_STATS = {"distinct": int, "generated": int, "depth": int, "queue": int, "seconds": _NUMBER,
          "states_per_second": _NUMBER, "peak_memory": int, "bytes_per_state": _NUMBER, "collision_probability": _NUMBER}
_VIOLATION = {"property": str, "kind": str, "doc": str, "length": int, "trace": list}
_STEP = {"action": (str, type(None)), "name": (str, type(None)), "args": dict}
_QUORUM = {"verdict": str, "requirement": str, "violated": (str, type(None)), "witness": (list, type(None)),
           "n": (int, type(None)), "servers": list, "ms": _NUMBER}


def result_problem(data) -> str | None:
    """What makes data not a result that ``concord check --json`` writes (None: nothing)."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        return "not a concord result (concord check --json FILE writes one)"
    for key, kind in (("model", str), ("strategy", str), ("verdict", str), ("stats", dict), ("coverage", dict),
                      ("properties", list), ("violations", list)):
        if not isinstance(data.get(key), kind):
            return f"its {key!r} is missing or not a {kind.__name__}"
    for key in ("partial", "error"):
        if not isinstance(data.get(key), (str, type(None))):
            return f"its {key!r} is not text"
    if data["verdict"] not in ("ok", "violation", "partial", "error"):
        return f"its verdict {data['verdict'][:40]!r} is none of ok, violation, partial, error"
    problem = _fields("stats", data["stats"], _STATS)
    for name, c in data["coverage"].items():
        problem = problem or _fields(f"coverage {name!r}", c, {"fired": int, "distinct": int})
    for p in data["properties"]:
        problem = problem or _fields("a property", p, {"name": str, "kind": str, "doc": str, "violated": bool})
    for key in ("violations", "witnesses"):
        for v in data.get(key, []):
            problem = problem or _fields(f"one of its {key}", v, _VIOLATION)
            for step in v.get("trace", []) if isinstance(v, dict) and isinstance(v.get("trace"), list) else ():
                problem = problem or _fields(f"a step of {v['property']!r}", step, _STEP) or (
                    None if "state" in step else f"a step of {v['property']!r} has no state")
    for q in data.get("quorums", []):
        problem = problem or _fields("a quorum verdict", q, _QUORUM)
    if "scope" in data:  # (results written before it was added have none)
        problem = problem or _fields("its scope", data["scope"], {"constraints": list, "outside": int})
    return problem


def _fields(what: str, value, kinds: dict) -> str | None:
    if not isinstance(value, dict):
        return f"{what} is not an object"
    for key, kind in kinds.items():
        if not isinstance(value.get(key), kind) or (kind is int and isinstance(value.get(key), bool)):
            return f"{what}: {key!r} is missing or of the wrong type"
    return None
