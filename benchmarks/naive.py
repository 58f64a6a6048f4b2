"""The baseline the engine is measured against: a plain BFS that keeps whole states in a dict."""

from __future__ import annotations

import resource
import time

from checker.compiled import compile_model
from checker.result import Result

__all__ = ["naive_check"]


def naive_check(model, properties=None) -> Result:
    """BFS with no engineering: whole states as dict keys, parents as dict values, properties via the same predicates."""
    c = compile_model(model, properties)
    start = time.monotonic()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    parent = {s: None for s in c.inits}
    level = list(parent)
    generated, depth = len(level), 1
    result = Result(c.name, "naive")
    while level:
        following = []
        for s in level:
            for _, _, t in c.successors(s):
                generated += 1
                for _, pred in c.transitions:
                    if t != s and not pred(s, t):
                        result.verdict = "violation"
                if t not in parent:
                    parent[t] = s
                    for _, pred in c.invariants:
                        if not pred(t):
                            result.verdict = "violation"
                    following.append(t)
        level = following
        depth += bool(level)
    st = result.stats
    st.distinct, st.generated, st.depth = len(parent), generated, depth
    st.seconds = time.monotonic() - start
    st.peak_memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    st.stored_bytes = (st.peak_memory - rss0 * 1024)
    return result
