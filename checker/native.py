"""The compiled twins of engine parts: loaded when built, unless CONCORD_PURE_PYTHON is set."""

from __future__ import annotations

import importlib
import os

__all__ = ["optional"]


def optional(module: str, name: str):
    """checker.<module>.<name> from a C extension, or None when it was not built (or CONCORD_PURE_PYTHON is set)."""
    if os.environ.get("CONCORD_PURE_PYTHON"):
        return None
    try:
        return getattr(importlib.import_module(f"checker.{module}"), name)
    except (ImportError, AttributeError):
        return None
