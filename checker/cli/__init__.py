"""The ``concord`` command line: one module per subcommand (check, list/show, render, graph, lin, quorum).

Nothing imports this package: it sits on top of the engine, the specs, the models and the pictures.
"""

from .main import main, run

__all__ = ["main", "run"]
