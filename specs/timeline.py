"""A history as text: each operation's label, its column span, one lane per client, an ASCII timeline."""

from __future__ import annotations

from typing import Any, Hashable, Sequence

from specs.history import Operation, show

__all__ = ["labels", "layout", "lanes", "timeline", "client_name"]


def labels(operations: Sequence[Operation]) -> list[str]:
    """What to write in each operation's box: its key too, unless all share one."""
    with_key = len({op.key for op in operations}) > 1
    return [op.describe(with_key) for op in operations]


def layout(operations: Sequence[Operation]) -> list[tuple[int, int]]:
    """Column spans `(start, end)` per operation: time order kept, each span wide enough for its label.

    Invocations sort before completions at equal times (such operations overlap); an operation that never
    completed runs to the right edge.
    """
    def events(op: Operation) -> tuple[tuple[float, int], tuple[float, int]]:
        return (op.call, 0), (float("inf") if op.ret is None else op.ret, 1)

    texts = labels(operations)
    ends_at: dict[tuple[float, int], list[int]] = {}
    for index, op in enumerate(operations):
        ends_at.setdefault(events(op)[1], []).append(index)
    column: dict[tuple[float, int], int] = {}
    current = -1
    for point in sorted({point for op in operations for point in events(op)}):
        widths = [column[events(operations[i])[0]] + len(texts[i]) + 1 for i in ends_at.get(point, ())]
        current = max([current + 1] + widths)
        column[point] = current
    return [(column[events(op)[0]], column[events(op)[1]]) for op in operations]


def lanes(operations: Sequence[Operation]) -> list[tuple[Hashable, list[int]]]:
    """Rows of operation indices, one per client (more when one client's operations overlap), in client order."""
    spans = layout(operations)
    rows: dict[Hashable, list[list[int]]] = {}
    for index in sorted(range(len(operations)), key=lambda i: spans[i]):
        client_rows = rows.setdefault(operations[index].process, [])
        row = next((row for row in client_rows if spans[row[-1]][1] < spans[index][0]), None)
        if row is None:
            client_rows.append([index])
        else:
            row.append(index)
    return [(process, row) for process in sorted(rows, key=_client_order) for row in rows[process]]


def timeline(operations: Sequence[Operation]) -> list[str]:
    """Text lanes, one per client: `[label---]` boxes, `[label--->` for operations that never completed."""
    spans, texts = layout(operations), labels(operations)
    rows = lanes(operations)
    names = [client_name(process) for process, _ in rows]
    width = max(map(len, names), default=0)
    lines = []
    for name, (_, row) in zip(names, rows):
        chars = [" "] * (max((spans[i][1] for i in row), default=0) + 1)
        for index in row:
            start, end = spans[index]
            box = "[" + texts[index] + "-" * (end - start)
            chars[start:end + 1] = box[:end - start] + ("]" if operations[index].ret is not None else ">")
        lines.append(f"{name:>{width}} |{''.join(chars).rstrip()}")
    return lines


def client_name(process: Hashable) -> str:
    """A client as people name it: `A`, `0`, `:nemesis`."""
    return process if isinstance(process, str) else show(process)


def _client_order(process: Any) -> tuple[str, str]:
    return type(process).__name__, f"{process:>12}" if isinstance(process, int) else show(process)
