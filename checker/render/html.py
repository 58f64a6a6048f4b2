"""A self-contained HTML review report of a result: verdicts, statistics, coverage, charts and state tables."""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

from ..compiled import Compiled, Step
from ..diff import fields, fmt
from ..files import make_directory, write_atomic
from ..model import parse_description
from ..result import Violation
from ..values import Bag
from .chart import message_lines, name_of, node_lanes, state_grid, value_lines
from .msc import sequence_chart
from .pictures import NO_DOT, svg_inline, violation_chart

__all__ = ["report_html", "write_report"]

CSS = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 2em 1.5em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
h3 { margin-top: 1.5em; } .sub { color: #666; margin-top: 0; }
.verdict { display: inline-block; padding: .15em .7em; border-radius: .3em; font-weight: 600; color: white; }
.ok { background: #2e7d32; } .violation, .error { background: #c62828; } .partial { background: #ef6c00; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.holds { color: #2e7d32; } .broken { color: #c62828; font-weight: 600; } .never { color: #c62828; }
table.steps td, table.steps th { font: 12px/1.35 Menlo, Consolas, monospace; white-space: nowrap; }
table.steps td.chg { background: #fff1a8; font-weight: 600; } table.steps tr.bad td { border-bottom: 2px solid #c62828; }
table.steps tr.bad td:first-child { background: #fbd5d5; color: #c62828; font-weight: 700; }
.dim { color: #999; } figure, .wide { margin: 1em 0; overflow-x: auto; } svg { max-width: 100%; height: auto; }
.cards { display: flex; flex-wrap: wrap; gap: 0 3em; align-items: flex-start; } .cards h2 { border: none; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; }
"""


def write_report(data: dict, compiled: Compiled, violations: list[Violation], path: Path) -> list[Path]:
    """Write the report of a result (its JSON form) with the traces of its violations; return [path]."""
    make_directory(path.parent)
    return [write_atomic(path, report_html(data, compiled, violations))]


def report_html(data: dict, compiled: Compiled, violations: list[Violation]) -> str:
    """The report as one HTML page: inline CSS and SVG, no scripts, nothing fetched."""
    body = [*_heading(data), '<div class="cards">', *_model(data), *_statistics(data), "</div>",
            *_properties(data), *_quorums(data)]
    for v in violations:
        body += _violation(compiled, v)
    if data.get("error"):
        body += ["<h2>Error in the model</h2>", f"<pre>{escape(data['error'])}</pre>"]
    title = escape(f"Concord: {data['model']}")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def _table(head: list[str], rows: list[list[str]]) -> str:
    """An HTML table (no header row if head is empty); cells are HTML already (text escaped), or a whole
    ``<td ...>`` where a cell needs a class."""
    th = f"<tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>" if head else ""
    trs = "".join("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{th}{trs}</table>"


def _heading(data: dict) -> list[str]:
    name = parse_description(data["model"])[0]
    verdict = data["verdict"]
    partial = f" ({escape(data['partial'])})" if data.get("partial") else ""
    return [f"<h1>Concord review: {escape(name)}</h1>", f'<p class="sub">{escape(data["model"])}</p>',
            f'<p><span class="verdict {escape(verdict)}">{escape(verdict.upper())}</span>{partial}</p>']


def _model(data: dict) -> list[str]:
    name, variant, constants = parse_description(data["model"])
    rows = [["model", escape(name)], *([["variant", escape(variant)]] if variant else []),
            *([escape(k), escape(fmt(v))] for k, v in constants.items()), ["search", escape(data["strategy"].upper())]]
    return ["<section><h2>Model and constants</h2>", _table([], rows), "</section>"]


def _properties(data: dict) -> list[str]:
    lengths = {v["property"]: v["length"] for v in data["violations"]}
    reached = {w["property"]: w["length"] for w in data.get("witnesses", [])}
    rows = []
    for p in data["properties"]:
        name = p["name"]
        if name in lengths and p["kind"] == "reachable" and not lengths[name]:
            verdict = '<span class="broken">never reached</span>'
        elif name in lengths:
            verdict = f'<span class="broken">violated after {lengths[name]} steps</span>'
        elif name in reached:
            verdict = f'<span class="holds">reached after {reached[name]} steps</span>'
        elif data["stats"]["queue"] == 0 and not data.get("partial") and not data.get("error"):  # every state was checked
            verdict = '<span class="holds">holds</span>'
        else:
            verdict = '<span class="dim">not violated before the search stopped</span>'
        rows.append([f"<b>{escape(name)}</b>", escape(p["kind"]), escape(p["doc"]), verdict])
    if "Deadlock" in lengths:
        rows.append(["<b>Deadlock</b>", "deadlock", "Some action is enabled in every reachable state.",
                     f'<span class="broken">violated after {lengths["Deadlock"]} steps</span>'])
    return ["<h2>Properties</h2>", _table(["property", "kind", "meaning", "verdict"], rows)]


def _statistics(data: dict) -> list[str]:
    st = data["stats"]
    rows = [["distinct states", f"{st['distinct']:,}"], ["states generated", f"{st['generated']:,}"],
            ["depth", f"{st['depth']}"], ["left on the queue", f"{st['queue']:,}"], ["time", f"{st['seconds']:.2f} s"],
            ["states per second", f"{st['states_per_second']:,.0f}"],
            ["peak memory", f"{st['peak_memory'] / 2**20:.0f} MiB"],
            ["bytes per stored state", f"{st['bytes_per_state']:.0f}"],
            ["bytes per state in all", f"{st.get('memory_per_state', 0):,.0f}"],
            ["fingerprint collision probability",
             "none: states stored whole (--exact)" if st.get("exact") else f"{st['collision_probability']:.1E}"]]
    coverage = [[escape(name), f'<td class="num">{c["fired"]:,}</td>', f'<td class="num">{c["distinct"]:,}</td>',
                 "" if c["fired"] else '<span class="never">never fired</span>'] for name, c in data["coverage"].items()]
    return ["<section><h2>Statistics</h2>", _table([], [[k, f'<td class="num">{v}</td>'] for k, v in rows]), "</section>",
            "<section><h2>Action coverage</h2>", _table(["action", "successors", "new states", ""], coverage),
            "</section>"]


def _quorums(data: dict) -> list[str]:
    """Z3's verdict on each quorum requirement the model declares, with the witness drawn when refuted."""
    if not data.get("quorums"):
        return []
    rows, pictures = [], []
    for q in data["quorums"]:
        witness = "<br>".join(f"{escape(w['label'])}: {{{escape(', '.join(w['servers']))}}}" for w in q["witness"] or [])
        cls = "holds" if q["verdict"] == "proved" else "broken"
        rows.append([f'<span class="{cls}">{escape(q["verdict"])}</span>', escape(q["requirement"]), witness or "—"])
        if q["witness"] and shutil.which("dot"):
            pictures.append(f"<figure>{svg_inline(_witness_graph(q))}</figure>")
    return ["<h2>Quorums (Z3)</h2>", _table(["verdict", "requirement", "quorums that miss"], rows), *pictures]


def _witness_graph(q: dict):
    from specs.quorum_z3 import Result

    from .quorum import (
        witness_graph,  # imports Z3: only for a report with a refuted quorum requirement
    )

    witness = tuple(frozenset(w["servers"]) for w in q["witness"])
    labels = tuple(w["label"] for w in q["witness"])
    return witness_graph(Result(q["verdict"], q["requirement"], witness, q["ms"] / 1000, labels, q["violated"] or "",
                                tuple(q["servers"]), q["n"]))


def _violation(compiled: Compiled, v: Violation) -> list[str]:
    if not v.trace:
        return [f"<h2>{escape(v.property)}: never reached</h2>", f"<p>{escape(v.doc)}</p>"]
    graph = sequence_chart(violation_chart(compiled, v), v.property)
    if shutil.which("dot"):
        picture = svg_inline(graph)
    else:
        picture = f"<p>{escape(NO_DOT)}; the chart's DOT:</p><pre>{escape(graph.source)}</pre>"
    steps = f"{v.length} step{'s' * (v.length != 1)}"
    head = f"<h2>{escape(v.property)} violated after {steps}</h2>"
    if v.kind == "liveness":  # a lasso: say where it goes back to, or that it stutters
        which = f" ({escape(v.instance)})" if v.instance else ""
        then = "then stutters forever" if v.loop_from is None else (
            f"then goes back to state {v.loop_from}: steps {v.loop_from + 1}-{v.length} repeat forever")
        head = f"<h2>{escape(v.property)}{which} violated: {steps}, {then}</h2>"
    return [head, f"<p>{escape(v.doc)}</p>", f"<figure>{picture}</figure>", "<h3>Step by step</h3>",
            _steps(compiled, v.trace)]


def _steps(compiled: Compiled, trace: list[Step]) -> str:
    """A row per step, a column per field (per node for per-node fields); what the step changed is highlighted."""
    first = dict(fields(trace[0].state))
    per_node, others = state_grid(trace[0].state, node_lanes(compiled.model, trace[0].state))
    columns = [(f, n) for f in per_node for n in first[f].keys()] + [(name, None) for name, _ in others]
    head = ["<th rowspan=2>#</th><th rowspan=2>step</th>"
            + "".join(f"<th colspan={len(first[f])}>{escape(f)}</th>" for f in per_node)
            + "".join(f"<th rowspan=2>{escape(name)}</th>" for name, _ in others),
            "".join(f"<th>{escape(name_of(n))}</th>" for f, n in columns if n is not None)]
    rows = []
    for i, step in enumerate(trace):
        before = dict(fields(trace[i - 1].state)) if i else None
        now = dict(fields(step.state))
        cells = [_cell(now, before, f, node) for f, node in columns]
        bad = ' class="bad"' if i == len(trace) - 1 else ""
        rows.append(f"<tr{bad}><td>{i}</td><td>{escape(step.label or 'Init')}</td>{''.join(cells)}</tr>")
    table = "".join(f"<tr>{h}</tr>" for h in head) + "".join(rows)
    return f'<div class="wide"><table class="steps">{table}</table></div>'


def _cell(now: dict, before: dict | None, field: str, node) -> str:
    """One field, or one node's entry of a per-node field; highlighted when the step changed it."""
    value = now[field] if node is None else now[field][node]
    old = None if before is None else before[field] if node is None else before[field][node]
    if isinstance(value, (frozenset, set, Bag)):
        shown = _collection(value, old)
    else:
        shown = "<br>".join(map(escape, value_lines(value)))
    changed = before is not None and (value != old or type(value) is not type(old))
    return f'<td class="chg">{shown}</td>' if changed else f"<td>{shown}</td>"


def _collection(value, old) -> str:
    """A set or Bag: in full on the first row (old None), then its size and what was added or removed."""
    if old is None:
        return "<br>".join(map(escape, message_lines(value))) or "{}"
    added = [m for m in message_lines(value) if m not in message_lines(old)]
    removed = [m for m in message_lines(old) if m not in message_lines(value)]
    lines = [f'<span class="dim">{len(value)}</span>', *(f"+ {escape(m)}" for m in added),
             *(f"− {escape(m)}" for m in removed)]
    return "<br>".join(lines)
