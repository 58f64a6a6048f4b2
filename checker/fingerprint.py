"""64-bit state fingerprints and the collision estimate TLC prints."""

from __future__ import annotations

import os
import sys

__all__ = ["fingerprint", "collision_probability", "stable_hashing", "STABLE_SEED"]

STABLE_SEED = "0"


# A state's 64-bit fingerprint is CPython's structural hash of its value, computed in C (0.08 us for a
# Paxos state, where serializing and hashing bytes takes ten times longer). Tuples, frozensets, ints
# and bools hash the same in every process; strings do once the hash seed is fixed, which the
# ``concord`` command arranges (reexec_with_stable_hashing); None does from Python 3.12 on. Counts and
# traces never depend on fingerprint values, only on equality.
fingerprint = hash


def stable_hashing() -> bool:
    """True when string hashes are the same in every process (hash randomization is off)."""
    return not sys.flags.hash_randomization


def reexec_with_stable_hashing() -> None:
    """Restart this process with a fixed hash seed so fingerprints are reproducible across runs."""
    if stable_hashing() or os.environ.get("PYTHONHASHSEED") == STABLE_SEED:
        return
    env = dict(os.environ, PYTHONHASHSEED=STABLE_SEED)
    argv = [sys.executable, *(sys.orig_argv[1:] if hasattr(sys, "orig_argv") else sys.argv)]
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, argv, env)
    except OSError:  # cannot re-exec: carry on with per-process fingerprints
        return


def collision_probability(distinct: int, generated: int) -> float:
    """TLC's optimistic estimate of a fingerprint collision: n * (g - n) / 2^64."""
    return distinct * max(generated - distinct, 0) / 2.0**64
