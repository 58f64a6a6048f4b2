"""Pictures: sequence charts of traces, state graphs, the HTML review report, history windows and
(in ``checker.render.quorum``, which loads Z3) quorum witnesses. Graphviz draws them all.

This package reads the engine, the specs and the models; only the command line imports it.
"""

from .chart import Chart, chart
from .graph import MAX_STATES, TooManyStates, state_graph
from .history import render_window, window_graph
from .html import report_html, write_report
from .msc import sequence_chart
from .pictures import NO_DOT, svg_inline, violation_chart, write_charts, write_picture

__all__ = [
    "Chart",
    "chart",
    "sequence_chart",
    "violation_chart",
    "write_charts",
    "write_picture",
    "svg_inline",
    "state_graph",
    "TooManyStates",
    "MAX_STATES",
    "report_html",
    "write_report",
    "window_graph",
    "render_window",
    "NO_DOT",
]
