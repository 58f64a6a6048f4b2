"""Bitstate hashing (--bitstate, SPIN's supertrace): the C table against its Python definition, the counts
it gives (all states when the table is large, fewer and an honest estimate of how many when it is not),
the same on several workers, never a verdict of ok."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import check
from checker.store import BitState, omission
from models.paxos import Paxos
from models.twophase import TwoPhase

native = pytest.importorskip("checker._store")

words = st.integers(-2**63, 2**63 - 1)


@settings(max_examples=60, deadline=None)
@given(st.integers(6, 12), st.integers(1, 5), st.lists(st.one_of(words, st.integers(-3, 3)), max_size=400))
def test_the_c_table_is_its_python_definition(b, k, fps):
    c, p = native.BitState(b, k), BitState(b, k)
    for fp in fps:
        assert (fp in c) == (fp in p)
        c.add(fp)
        p.add(fp)
    assert (len(c), c.filled, c.nbytes) == (len(p), p.filled, p.nbytes)


def test_a_large_table_misses_nothing_yet_proves_nothing():
    r = check(TwoPhase(rms=6), bitstate=30)
    assert r.stats.distinct == 50_816  # TLC's count for this scope (benchmarks/run.py twophase-6)
    assert r.verdict == "partial" and r.partial.startswith("bitstate: 2^30 bits, 3 a state")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_small_table_misses_some_states_and_says_about_how_many(workers):
    """2^20 bits for 50,816 states: 33 are taken for states seen (the hashing is fixed, so is the count);
    the estimate says about 33."""
    r = check(TwoPhase(rms=6), bitstate=20, workers=workers)
    assert r.stats.distinct == 50_783
    missed = float(re.search(r"about ([\d,.]+) new states", r.partial).group(1).replace(",", ""))
    assert 25 < missed < 45


def test_the_estimate_grows_as_the_table_fills():
    estimates = []
    for b in (12, 10, 8):
        t = native.BitState(b)
        for fp in range(1, 400):
            t.add(fp * 0x9E3779B97F4A7C15 % 2**63)
        estimates.append(omission(t))
    assert [e[0] for e in estimates] == sorted(e[0] for e in estimates)  # fuller
    assert [e[2] for e in estimates] == sorted(e[2] for e in estimates)  # more missed


def test_a_violation_is_still_found_with_its_shortest_trace():
    exact = check(Paxos.variants["no-promise"]())
    r = check(Paxos.variants["no-promise"](), bitstate=24)
    assert r.verdict == "violation" and r.violations[0].length == exact.violations[0].length
