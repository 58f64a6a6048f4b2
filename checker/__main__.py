"""``python -m checker``: the concord command line."""

from .cli import run

run()
