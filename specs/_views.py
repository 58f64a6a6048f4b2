"""Properties that read a model's view of a state: the one way specs build their Property objects."""

from __future__ import annotations

from checker import Property

__all__ = ["of_view", "of_step"]


def of_view(kind: str, name: str, doc: str, check, mapping: str) -> Property:
    """A property of one state that reads only the model's view of it (its method `mapping`): check(view)."""

    def build(model):
        view = getattr(model, mapping)
        return lambda s: check(view(s))

    return Property(None, kind, name, doc, factory=build)


def of_step(name: str, doc: str, at, mapping: str) -> Property:
    """A transition property that reads only views: at(before) -> None (nothing to check) or check(after)."""

    def build(model):
        view = getattr(model, mapping)

        def holds(s, t):
            check = on(s)
            return True if check is None else check(t)

        def on(s):
            check = at(view(s))
            return None if check is None else lambda t: check(view(t))

        holds.at = on
        return holds

    return Property(None, "transition", name, doc, factory=build)
