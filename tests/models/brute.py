"""Naive references for the checker's tests: plain searches with no fingerprints, no cleverness."""

from collections import deque

from checker.canonical import encode
from checker.compiled import compile_model


def distances(starts, succ) -> dict:
    """Breadth-first distances from the start nodes over an explicit successor map."""
    dist = {u: 0 for u in starts}
    queue = deque(starts)
    while queue:
        u = queue.popleft()
        for v in succ[u]:
            if v not in dist:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist


def reachable(model) -> list:
    """Every reachable state of a model (no constraint), found by a search keyed by exact encodings."""
    c = compile_model(model, properties=[])
    seen = {encode(s): s for s in c.inits}
    todo = list(seen.values())
    while todo:
        s = todo.pop()
        for _, _, t in c.successors(s):
            key = encode(t)
            if key not in seen:
                seen[key] = t
                todo.append(t)
    return list(seen.values())
