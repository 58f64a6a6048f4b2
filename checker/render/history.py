"""Pictures of history windows: one lane per client, each operation a box from its invocation to its completion."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

import graphviz

from specs.history import Operation
from specs.timeline import client_name, labels, lanes, layout

from ..files import make_directory, write_atomic

__all__ = ["window_graph", "render_window"]

INCH_PER_CHAR = 0.085
LANE_INCHES = 0.55
CORE_STYLE = {"style": "filled,bold", "fillcolor": "#f7b2ac", "color": "#b03a2e"}
OTHER_STYLE = {"style": "filled", "fillcolor": "#ececec", "color": "#8c8c8c"}


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
    """Write `name.dot` into `directory`, and `name.svg` when graphviz's `dot` is installed; the paths written.
    Each file is written whole or not at all."""
    directory = Path(directory)
    make_directory(directory)
    graph = window_graph(window, core, title)
    written = [write_atomic(directory / f"{name}.dot", graph.source)]
    if shutil.which("dot"):
        written.append(write_atomic(directory / f"{name}.svg", graph.pipe(format="svg")))
    return written


def _tooltip(op: Operation) -> str:
    returned = "never returned" if op.ret is None else f"returned at {op.ret}"
    source = f", line {op.line}" if op.line else ""
    return f"client {client_name(op.process)}: {op} (called at {op.call}, {returned}{source})"
