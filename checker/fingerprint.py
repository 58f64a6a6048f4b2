"""64-bit state fingerprints: a type-aware structural hash, the same in every process and on every machine.

A fingerprint hashes a value's identity as ``checker.canonical`` defines it (kind, type name and
parts, sets and maps unordered), so values that differ only in type (``1``, ``True``, ``1.0``;
``Ping(1)``, ``Pong(1)``, ``(1,)``) get unrelated fingerprints. Every step is a bijection of 64-bit
words (splitmix64's finalizer) fed one word at a time, seeded by the value's kind, type name and
length: two different values share a fingerprint only by a chance collision of the final 64-bit
words, which is what TLC's collision estimate assumes. The fingerprint never uses Python's
``hash``, so it does not depend on ``PYTHONHASHSEED`` or on object addresses.

This module is the definition, in Python; ``checker/_fingerprint.c`` computes the same numbers a
few hundred times faster (it also remembers the fingerprints of recent sets, maps and bags by
identity, since successor states share most of them with their parent) and is used when it was
built (``pip install`` compiles it; ``CONCORD_PURE_PYTHON=1`` turns it off). The tests hold the two
equal on random values of every kind.
"""

from __future__ import annotations

import os
import sys

from .canonical import (
    BAG, BIGINT, BOOL, BYTES, DATACLASS, ELEMENT, ENUM, FLOAT, FROZENSET, INT, KINDS, MAP, NOMINAL_LEAF,
    NOMINAL_SET, NOMINAL_TUPLE, NONE, PAIR, RECORD, STR, TUPLE, described, float_bits, int_bytes, str_bytes,
)

__all__ = ["fingerprint", "fresh_fingerprint", "fingerprint_py", "native", "collision_probability", "stable_hashing",
           "STABLE_SEED"]

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix(x: int) -> int:
    """splitmix64's finalizer: a bijection of 64-bit words that spreads every input bit over the output."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


K = (0,) + tuple(mix((k * GOLDEN) & MASK) for k in range(1, len(KINDS) + 1))  # one seed per kind


def leaf(kind: int, word: int) -> int:
    """A scalar that fits one 64-bit word."""
    return mix(K[kind] ^ word)


def start(kind: int, tag: int, n: int) -> int:
    """The seed of a composite value: its kind, its type's name (0 for built-ins), its length."""
    return mix((mix(K[kind] ^ tag) + n) & MASK)


def blob(kind: int, data: bytes) -> int:
    """A byte string, fed as little-endian 8-byte words (the last one zero-padded)."""
    h = start(kind, 0, len(data))
    for i in range(0, len(data), 8):
        h = mix(h ^ int.from_bytes(data[i:i + 8], "little"))
    return h


def sequence(kind: int, tag: int, parts) -> int:
    """An ordered composite: tuples, records, dataclasses."""
    h = start(kind, tag, len(parts))
    for f in parts:
        h = mix(h ^ f)
    return h


def unordered(kind: int, tag: int, parts: list) -> int:
    """An unordered composite (sets, and maps and bags as sets of pairs): a sum of scrambled parts."""
    total = sum(mix(f ^ K[ELEMENT]) for f in parts) & MASK
    return mix(start(kind, tag, len(parts)) ^ total)


_tags: dict[str, int] = {}


def tag(name: str) -> int:
    """A type's name as it enters its values' fingerprints."""
    t = _tags.get(name)
    if t is None:
        t = _tags[name] = blob(STR, str_bytes(name))
    return t


def _fp(x) -> int:
    cls = type(x)
    if x is None:
        return leaf(NONE, 0)
    if cls is bool:
        return leaf(BOOL, int(x))
    if cls is int:
        return leaf(INT, x & MASK) if -(1 << 63) <= x < (1 << 63) else blob(BIGINT, int_bytes(x))
    if cls is float:
        return leaf(FLOAT, float_bits(x))
    if cls is str:
        return blob(STR, str_bytes(x))
    if cls is bytes:
        return blob(BYTES, x)
    if cls is tuple:
        return sequence(TUPLE, 0, [_fp(e) for e in x])
    if cls is frozenset:
        return unordered(FROZENSET, 0, [_fp(e) for e in x])
    kind, name, extra = described(cls)
    if kind == RECORD or kind == NOMINAL_TUPLE:
        return sequence(kind, tag(name), [_fp(e) for e in x])
    if kind == MAP or kind == BAG:
        return unordered(kind, 0, [sequence(PAIR, 0, (_fp(k), _fp(v))) for k, v in x.items()])
    if kind == ENUM:
        return sequence(ENUM, tag(name), (_fp(x._name_),))
    if kind == DATACLASS:
        return sequence(DATACLASS, tag(name), [_fp(getattr(x, f)) for f in extra])
    if kind == NOMINAL_SET:
        return unordered(NOMINAL_SET, tag(name), [_fp(e) for e in x])
    return sequence(NOMINAL_LEAF, tag(name), (_fp(extra(x)),))  # NOMINAL_LEAF


def fingerprint_py(x) -> int:
    """The fingerprint of x as a signed 64-bit int (the definition; slow)."""
    h = _fp(x)
    return h - (1 << 64) if h >> 63 else h


def _keeping_bases() -> tuple:
    """checker._values' C bases, whose instances keep their fingerprint once computed (none if not built)."""
    try:
        from ._values import MapBase, RecordBase
    except ImportError:
        return ()
    return (MapBase, RecordBase)


def _native():
    if os.environ.get("CONCORD_PURE_PYTHON"):
        return None
    try:
        from . import _fingerprint

        _fingerprint.configure(described, fingerprint_py, KINDS, _keeping_bases())
    except ImportError as e:
        if "cannot import name" not in str(e):  # built, but stale or broken: say so, carry on slowly
            print(f"concord: {e}", file=sys.stderr)
        return None
    return _fingerprint.fingerprint


native = _native()  # the compiled fingerprint, or None when the extension was not built
fingerprint = native or fingerprint_py


def fresh_fingerprint(x) -> int:
    """The fingerprint of x computed afresh, nothing remembered (to see whether x has changed)."""
    if native is not None:
        from . import _fingerprint

        return _fingerprint.fresh(x)
    return fingerprint(x)


# -- determinism of everything else ---------------------------------------------------------------

STABLE_SEED = "0"


def stable_hashing() -> bool:
    """True when string hashes are the same in every process (hash randomization is off)."""
    return not sys.flags.hash_randomization


def reexec_with_stable_hashing() -> None:
    """Restart this process with a fixed hash seed, so runs are repeatable.

    Fingerprints do not need it; but a model that iterates over a set of strings generates its
    successors in an order that follows string hashes, and the order decides which of several
    shortest traces is printed.
    """
    if stable_hashing() or os.environ.get("PYTHONHASHSEED") == STABLE_SEED:
        return
    env = dict(os.environ, PYTHONHASHSEED=STABLE_SEED)
    argv = [sys.executable, *(sys.orig_argv[1:] if hasattr(sys, "orig_argv") else sys.argv)]
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, argv, env)
    except OSError:  # cannot re-exec: carry on; only the choice among equally short traces may differ
        return


def collision_probability(distinct: int, generated: int, orbit: int = 1) -> float:
    """TLC's optimistic estimate of a fingerprint collision, n * (g - n) / 2^64.

    Under symmetry a state's fingerprint is the least of its orbit's (orbit renamings), and two
    orbits collide when any of their members' fingerprints do: the estimate grows by orbit^2.
    """
    return distinct * max(generated - distinct, 0) * orbit * orbit / 2.0**64
