"""A sequence chart in Graphviz DOT: one lane per node, time flowing down, messages as arrows."""

from __future__ import annotations

from html import escape

import graphviz

from ..diff import fields
from .chart import Chart, Row, message_kind, message_text, name_of, state_grid, value_lines

__all__ = ["sequence_chart", "COLOURS", "RED", "FONT", "BOLD"]

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#e377c2", "#7f7f7f")
RED = "#d62728"
LOOP = "#e08a00"  # a lasso's cycle
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
CHAR_INCHES = 0.075  # the average width of a 10-point character


def sequence_chart(chart: Chart, name: str = "chart") -> graphviz.Digraph:
    """The chart as a grid: a rank per step, a column per lane, the step numbers on the left and what
    changed on the right; each step is a box on its lane listing what it sent, in the colour of its arrows."""
    graph = graphviz.Digraph(name, graph_attr={
        "label": graphviz.escape(chart.title), "labelloc": "t", "fontname": BOLD, "fontsize": "14",
        "newrank": "true", "splines": "line", "nodesep": "0.08", "ranksep": "0.3", "outputorder": "edgesfirst"},
        node_attr={"fontname": FONT, "fontsize": "10"})
    kinds = list(dict.fromkeys(message_kind(m.value) for m in chart.messages))
    colour = {m.value: COLOURS[kinds.index(message_kind(m.value)) % len(COLOURS)] for m in chart.messages}
    keys = ["head", *map(str, range(len(chart.rows))), "end", "foot"]  # "end": room for the last dangling sends
    _ranks(graph, chart, colour)
    _columns(graph, keys, len(chart.lanes))
    _arrows(graph, chart, keys, colour)
    return graph


def _ranks(graph: graphviz.Digraph, chart: Chart, colour: dict) -> None:
    """The lane heads, a rank per step, an empty rank, the lane feet, and the final state below."""
    sent = [[(_sent_text(chart, m), colour[m.value]) for m in chart.messages if m.row == i] for i in range(len(chart.rows))]
    widths = [*(len(name_of(lane)) for lane in chart.lanes), *(len(r.event) for r in chart.rows),
              *(0.9 * len(f"→ {t}") for s in sent for t, _ in s)]  # messages are in 9-point type
    width = max(1.2, CHAR_INCHES * max(widths) + 0.3)
    last = len(chart.rows) - 1
    heads = [_lane_box(lane, width) for lane in chart.lanes]
    _rank(graph, "head", "", heads, _plain(""))
    looping = chart.loop_from is not None
    for i, row in enumerate(chart.rows):
        in_cycle = looping and i > chart.loop_from
        box = _event_box(row, sent[i], i == last and bool(chart.violated), in_cycle)
        cells = [box if row.lane == lane else _lane_point(width) for lane in chart.lanes]
        number = "Init" if i == 0 else f"{i} ↻" if in_cycle else str(i)
        _rank(graph, str(i), number, cells, _changes(chart, row, i == last))
    if looping:  # the lasso's last step goes back: an arrow up the step numbers
        graph.edge(f"num{last}:w", f"num{chart.loop_from}:w", color=LOOP, penwidth="2", constraint="false",
                   xlabel=f"back to {chart.loop_from}", fontcolor=LOOP, fontname=BOLD, fontsize="9")
    _rank(graph, "end", "", [_lane_point(width) for _ in chart.lanes], _plain(""))
    _rank(graph, "foot", "", heads, _plain(""))
    graph.node("final", **_html(_state_table(chart, f"state after step {last}", chart.final)))
    graph.edge("tabfoot:w", "final:w", style="invis", weight="100")


def _columns(graph: graphviz.Digraph, keys: list[str], lanes: int) -> None:
    """Heavy invisible edges down each column keep it straight; each lane is one line from head to foot."""
    for above, below in zip(keys, keys[1:]):
        graph.edge(f"num{above}", f"num{below}", style="invis", weight="100")
        graph.edge(f"tab{above}:w", f"tab{below}:w", style="invis", weight="100")  # the tables' left sides in line
        for j in range(lanes):
            graph.edge(_id(above, j), _id(below, j), style="invis", weight="100")
            graph.edge(_gap(above, j), _gap(below, j), style="invis", weight="100")
    for j in range(lanes):
        graph.edge(_id("head", j), _id("foot", j), dir="none", color="grey70", penwidth="1.5", constraint="false")


def _arrows(graph: graphviz.Digraph, chart: Chart, keys: list[str], colour: dict) -> None:
    """An arrow from each send to each step that received it; a send nobody received ends in a circle
    in the gap right of its lane, a row down."""
    for m in chart.messages:
        lane = chart.lanes.index(chart.sender(m))
        for r in m.receivers:
            graph.edge(_id(keys[m.row + 1], lane), _id(keys[r + 1], chart.lanes.index(chart.rows[r].lane)),
                       color=colour[m.value], constraint="false")
        if not m.receivers:
            graph.edge(_id(keys[m.row + 1], lane), _gap(keys[m.row + 2], lane), color=colour[m.value],
                       style="dashed", arrowhead="odot", constraint="false")


def _sent_text(chart: Chart, m) -> str:
    """A sent message as its box lists it: its text without the sender, and its channel if it has one."""
    text = message_text(m.value, chart.sender(m))
    return f"{text} on {m.channel}" if m.channel else text


def _id(key: str, lane: int) -> str:
    return f"n{key}_{lane}"


def _gap(key: str, lane: int) -> str:
    """The invisible point right of a lane, where messages nobody received end."""
    return f"g{key}_{lane}"


def _rank(graph: graphviz.Digraph, key: str, number: str, cells: list[dict], table: dict) -> None:
    """One rank: the step number, a node per lane and the table on the right, kept in that order."""
    with graph.subgraph(name=f"rank{key}", graph_attr={"rank": "same"}) as rank:
        rank.node(f"num{key}", number, shape="plaintext", fontcolor="grey40")
        for j, attrs in enumerate(cells):
            rank.node(_id(key, j), **attrs)
            rank.node(_gap(key, j), shape="point", style="invis", width="0.01")
        rank.node(f"tab{key}", **table)
        order = [f"num{key}", *(n for j in range(len(cells)) for n in (_id(key, j), _gap(key, j))), f"tab{key}"]
        for a, b in zip(order, order[1:]):
            rank.edge(a, b, style="invis")


def _lane_box(lane, width: float) -> dict:
    return {"label": graphviz.escape(name_of(lane)), "shape": "box", "style": "filled,bold", "fillcolor": "#eeeeee",
            "color": "grey40", "width": f"{width:.2f}", "fontname": BOLD}


def _lane_point(width: float) -> dict:
    """An invisible node the width of a lane, so that every column keeps its place."""
    return {"label": "", "shape": "none", "width": f"{width:.2f}", "height": "0.02", "fixedsize": "true"}


def _event_box(row: Row, sent: list[tuple[str, str]], violating: bool, in_cycle: bool = False) -> dict:
    lines = [escape(row.event), *(f'<font color="{c}" point-size="9">→ {escape(t)}</font>' for t, c in sent)]
    colour, fill = (RED, "#fbd5d5") if violating else (LOOP, "#fdebc8") if in_cycle else ("#4a6fa5", "#e3ecf8")
    return {"label": f"<{'<br/>'.join(lines)}>", "shape": "box", "style": "rounded,filled", "color": colour,
            "fillcolor": fill, "penwidth": "2" if violating else "1", "height": "0.3", "margin": "0.06,0.03"}


def _plain(text: str) -> dict:
    return {"label": text, "shape": "plaintext"}


def _html(table: str) -> dict:
    return {"label": f"<{table}>", "shape": "plaintext", "margin": "0"}


def _lines(lines) -> str:
    """HTML-like label lines, each left-aligned (Graphviz aligns a line by the break that ends it)."""
    return "".join(f'{line}<br align="left"/>' for line in lines)


def _changes(chart: Chart, row: Row, violating: bool) -> dict:
    """The initial state in full; after a step, what it changed, one line per change, node first.
    At the violating step, the property's name and meaning in red above."""
    alert = chart.violated if violating else ""
    if row.lane is None:
        return _html(_state_table(chart, "initial state", row.step.state, alert))
    lines = [f"<b>{escape(name_of(node))}</b>  {escape(text)}" if node is not None else escape(text)
             for node, text in row.changed]
    if alert:
        lines.insert(0, f'<font color="{RED}"><b>{escape(alert)}</b></font>')
        return _html(f'<table border="1" color="{RED}" cellborder="0" cellpadding="3">'
                     f'<tr><td align="left">{_lines(lines)}</td></tr></table>')
    if not lines:
        return _plain("")
    return _html(f'<table border="0" cellpadding="0"><tr><td align="left">{_lines(lines)}</td></tr></table>')


def _state_table(chart: Chart, title: str, state, alert: str = "") -> str:
    """A whole state: a row per node and a column per per-node field, then the other fields (messages one
    per line); an alert in red replaces the title."""
    per_node, others = state_grid(state, chart.nodes)
    columns = 1 + len(per_node)
    heading = f'<font color="{RED}"><b>{escape(alert)}</b></font>' if alert else f"<i>{escape(title)}</i>"
    rows = [f'<tr><td colspan="{columns}" align="left">{heading}</td></tr>']
    if per_node:
        rows.append("<tr><td></td>" + "".join(f'<td align="left"><b>{escape(f)}</b></td>' for f in per_node) + "</tr>")
        values = dict(fields(state))
        for node in chart.nodes:
            cells = "".join(f'<td align="left">{_lines(map(escape, value_lines(values[f].get(node, ""))))}</td>'
                            for f in per_node)
            rows.append(f'<tr><td align="left"><b>{escape(name_of(node))}</b></td>{cells}</tr>')
    for name, value in others:
        shown = _lines(map(escape, value_lines(value, name, chart.message_fields))) or "{}"
        rows.append(f'<tr><td align="left" valign="top"><b>{escape(name)}</b></td>'
                    f'<td colspan="{max(columns - 1, 1)}" align="left">{shown}</td></tr>')
    border = RED if alert else "grey60"
    return f'<table border="1" color="{border}" cellborder="0" cellspacing="0" cellpadding="2">{"".join(rows)}</table>'
