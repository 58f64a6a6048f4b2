"""The documented JSON form of a result (schema in docs/json.md)."""

from __future__ import annotations

import json
from typing import Any

from .compiled import Step
from .result import Result, Violation
from .values import Bag, FrozenMap

__all__ = ["result_json", "state_json", "write_json", "SCHEMA_VERSION"]

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
    return {"property": v.property, "kind": v.kind, "doc": v.doc, "length": v.length, "trace": trace_json(v.trace)}


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
        "violations": [violation_json(v) for v in result.violations],
        "witnesses": [violation_json(w) for w in result.witnesses],
    }


def write_json(result: Result, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(result_json(result), f, indent=2)
        f.write("\n")
