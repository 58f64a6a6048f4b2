"""Find a model by bundled name or ``path/to/file.py:ClassName``, and build it from --set constants."""

from __future__ import annotations

import ast
import importlib.util
import os
import sys

from ..model import Model, ModelError

__all__ = ["bundled", "load_class", "build", "parse_constant", "UsageError"]


class UsageError(Exception):
    """The command line asks for something that does not exist or does not parse."""


def bundled() -> dict[str, type]:
    """The models that ship with Concord, by name."""
    from models import BUNDLED

    return dict(BUNDLED)


def load_class(spec: str) -> type:
    """A Model subclass from a bundled name or ``file.py:ClassName`` (``file.py`` alone if it has one)."""
    models = bundled()
    if spec in models:
        return models[spec]
    path, _, name = spec.partition(":")
    if not path.endswith(".py"):
        raise UsageError(f"unknown model {spec!r}; bundled models: {', '.join(models)} (or give path/to/file.py:ClassName)")
    if not os.path.isfile(path):
        raise UsageError(f"no such model file: {path}")
    module = _import_file(path)
    if name:
        cls = getattr(module, name, None)
        if cls is None:
            raise UsageError(f"{path} has no class {name!r}")
    else:
        found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Model) and v.__module__ == module.__name__]
        if len(found) != 1:
            raise UsageError(f"{path} defines {len(found)} models; name one with {path}:ClassName")
        cls = found[0]
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise UsageError(f"{spec} is not a concord Model subclass (class {name}(Model): ...)")
    return cls


def _import_file(path: str):
    name = "concord_user_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except ModelError as e:
        raise ModelError(f"{path}: {e}") from None
    except SyntaxError as e:
        raise UsageError(f"{path}:{e.lineno}: syntax error: {e.msg}") from None
    except Exception as e:
        raise UsageError(f"{path}: loading failed: {type(e).__name__}: {e}") from None
    finally:
        sys.path.remove(directory)
    return module


def parse_constant(cls: type, assignment: str) -> tuple[str, object]:
    """``NAME=VALUE`` checked against the model's constants; VALUE is a Python literal or a bare word."""
    name, eq, text = assignment.partition("=")
    name = name.strip()
    constants = cls.constants()
    if not eq or not name:
        raise UsageError(f"--set takes NAME=VALUE, got {assignment!r}")
    if name not in constants:
        raise UsageError(f"{cls.__name__} has no constant {name!r}; it has: {', '.join(constants) or 'none'}")
    text = text.strip()
    if len(text) > MAX_CONSTANT:
        raise UsageError(f"--set {name}: the value is {len(text):,} characters long; at most {MAX_CONSTANT:,}")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):  # not a literal (or absurdly nested): a bare word
        value = text
    default = constants[name]
    if default is not None and not _fits(value, default):
        raise UsageError(f"--set {name}: expected {type(default).__name__} like {default!r}, got {_short(text)}")
    return name, value


MAX_CONSTANT = 10_000  # characters in one --set value


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else f"{text[:57]!r}..."


def _fits(value, default) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and (isinstance(default, float) or isinstance(value, int))
    return isinstance(value, type(default)) or (isinstance(default, (list, tuple)) and isinstance(value, (list, tuple)))


def build(cls: type, assignments: list[str] = (), variant: str | None = None) -> Model:
    """An instance of cls (or of its named variant) with the given constants."""
    if variant:
        if variant not in cls.variants:
            known = ", ".join(cls.variants) or "none"
            raise UsageError(f"{cls.__name__} has no variant {variant!r}; variants: {known}")
        cls = cls.variants[variant]
    constants = dict(parse_constant(cls, a) for a in assignments)
    try:
        model = cls(**constants)
    except (ValueError, TypeError, AssertionError) as e:
        raise UsageError(f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in constants.items())}): {e}") from None
    if variant:
        model.variant = variant
    return model
