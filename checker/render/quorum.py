"""Graphviz pictures of witness quorums: servers as nodes, each quorum a coloured hub wired to its members."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import graphviz

from specs.quorum import show
from specs.quorum_z3 import Result

from ..files import make_directory, write_atomic

LINES = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd")
FILLS = ("#f7b6b6", "#aec7e8", "#b5e3b5", "#d5c4e8")


def witness_graph(result: Result) -> graphviz.Graph:
    """Quorum hubs on top, servers below: a server's fill shows (in wedges) every witness quorum holding it;
    a double circle marks a server common to all of them, a dashed one a server in none."""
    size = f", N = {result.n}" if result.n is not None else ""
    graph = graphviz.Graph("witness", graph_attr={"label": f"{result.verdict}: {result.violated}{size}",
                                                  "labelloc": "t", "fontname": "Helvetica"},
                           node_attr={"fontname": "Helvetica"})
    with graph.subgraph(name="quorums", graph_attr={"rank": "same"}) as hubs:
        for i, (label, quorum) in enumerate(zip(result.labels, result.witness)):
            hubs.node(f"quorum{i}", f"{chr(65 + i)}: {graphviz.escape(label)}\n{graphviz.escape(show(quorum))}",
                      shape="box", style="filled,rounded", fillcolor=FILLS[i], color=LINES[i], penwidth="2")
    # Node ids of our own: a server name may hold ':' (a port to dot) or a backslash.
    node = {server: f"server{k}" for k, server in enumerate(result.servers)}
    with graph.subgraph(name="servers", graph_attr={"rank": "same"}) as row:
        for server in result.servers:
            inside = [i for i, quorum in enumerate(result.witness) if server in quorum]
            if not inside:
                row.node(node[server], graphviz.escape(server), shape="circle", style="dashed", color="grey50",
                         fontcolor="grey50")
                continue
            row.node(node[server], graphviz.escape(server),
                     shape="doublecircle" if len(inside) == len(result.witness) else "circle",
                     style="wedged" if len(inside) > 1 else "filled", fillcolor=":".join(FILLS[i] for i in inside))
    for i, quorum in enumerate(result.witness):
        for server in sorted(quorum, key=result.servers.index):
            graph.edge(f"quorum{i}", node[server], color=LINES[i], penwidth="2")
    return graph


def render(result: Result, directory: Path) -> list[Path]:
    """Write witness.dot, and witness.svg when Graphviz's `dot` is installed; return the files written.

    Each file is written whole or not at all; a failure raises OSError naming the file.
    """
    if result.witness is None:
        return []
    make_directory(directory)
    graph = witness_graph(result)
    written = [write_atomic(directory / "witness.dot", graph.source)]
    if shutil.which("dot"):
        target = directory / "witness.svg"
        try:
            svg = graph.pipe(format="svg")
        except (graphviz.ExecutableNotFound, graphviz.CalledProcessError) as error:
            raise OSError(errno.EIO, f"Graphviz's dot failed ({type(error).__name__})", str(target)) from None
        written.append(write_atomic(target, svg))
    return written
