"""Pictures of history windows: one lane per client, each operation a box from its invocation to its completion."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Hashable, Sequence

import graphviz

from specs.history import Operation, show

INCH_PER_CHAR = 0.085
LANE_INCHES = 0.55
CORE_STYLE = {"style": "filled,bold", "fillcolor": "#f7b2ac", "color": "#b03a2e"}
OTHER_STYLE = {"style": "filled", "fillcolor": "#ececec", "color": "#8c8c8c"}


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


def window_graph(window: Sequence[Operation], core: Sequence[Operation], title: str) -> graphviz.Graph:
    """A pinned-layout graph of `window`, the `core` operations highlighted, for graphviz's neato engine."""
    spans, texts = layout(window), labels(window)
    graph = graphviz.Graph("window", engine="neato")
    graph.attr(label=title, labelloc="t", fontname="Helvetica", fontsize="12")
    graph.attr("node", shape="box", fixedsize="true", height="0.32", fontname="Helvetica", fontsize="10")
    core_set = set(core)
    for lane_number, (process, row) in enumerate(lanes(window)):
        y = -lane_number * LANE_INCHES
        graph.node(f"lane{lane_number}", f"client {client_name(process)}", shape="plaintext", width="1",
                   pos=f"-0.8,{y}!")
        for index in row:
            start, end = spans[index]
            op = window[index]
            style = dict(CORE_STYLE if op in core_set else OTHER_STYLE)
            if op.ret is None:
                style["style"] += ",dashed"
            graph.node(f"op{index}", texts[index], width=f"{(end - start) * INCH_PER_CHAR:.3f}",
                       pos=f"{(start + end) / 2 * INCH_PER_CHAR:.3f},{y}!", tooltip=_tooltip(op), **style)
    return graph


def render_window(window: Sequence[Operation], core: Sequence[Operation], title: str, directory: str | Path,
                  name: str = "window") -> list[Path]:
    """Write `name.dot` into `directory`, and `name.svg` when graphviz's `dot` is installed; the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    graph = window_graph(window, core, title)
    written = [directory / f"{name}.dot"]
    written[0].write_text(graph.source, encoding="utf-8")
    if shutil.which("dot"):
        written.append(directory / f"{name}.svg")
        written[1].write_bytes(graph.pipe(format="svg"))
    return written


def client_name(process: Hashable) -> str:
    """A client as people name it: `A`, `0`, `:nemesis`."""
    return process if isinstance(process, str) else show(process)


def _tooltip(op: Operation) -> str:
    returned = "never returned" if op.ret is None else f"returned at {op.ret}"
    source = f", line {op.line}" if op.line else ""
    return f"client {client_name(op.process)}: {op} (called at {op.call}, {returned}{source})"


def _client_order(process: Any) -> tuple[str, str]:
    return type(process).__name__, f"{process:>12}" if isinstance(process, int) else show(process)
