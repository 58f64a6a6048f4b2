"""checker/_store.c's FpSet (the packed set of seen fingerprints) against a Python set (hypothesis)."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.store import FpSet, seen_bytes, seen_set

native = pytest.mark.skipif(FpSet is None, reason="checker._store was not built (or CONCORD_PURE_PYTHON is set)")

LOW = 2**63
fingerprints = st.integers(-LOW, LOW - 1) | st.sampled_from([0, -1, 1, -LOW, LOW - 1]) | st.integers(-3, 3).map(lambda k: k << 40)


@native
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), fingerprints), max_size=3000), st.booleans())
def test_an_fpset_holds_what_a_set_holds(ops, in_a_file):
    """In the heap, or in a mapped file (--memory) that leaves nothing in its directory."""
    directory = tempfile.mkdtemp(prefix="concord-test-")
    packed, plain = FpSet(directory) if in_a_file else FpSet(), set()
    assert packed.directory == (directory if in_a_file else None) and os.listdir(directory) == []
    for add, fp in ops:
        if add:
            packed.add(fp)
            plain.add(fp)
        assert (fp in packed) == (fp in plain)
        assert len(packed) == len(plain)
    assert all(fp in packed for fp in plain)
    del packed
    assert os.listdir(directory) == []
    os.rmdir(directory)


@native
@pytest.mark.parametrize("in_a_file", [False, True])
def test_an_fpset_grows_past_its_first_tables_and_keeps_everything(in_a_file, tmp_path):
    packed = FpSet(str(tmp_path)) if in_a_file else FpSet()
    values = [(k * 0x9E3779B97F4A7C15) % 2**64 - LOW for k in range(1, 200_001)]
    for v in values:
        packed.add(v)
    assert len(packed) == 200_000 and all(v in packed for v in values[::97])
    assert sum((v ^ 1) in packed for v in values[:2000]) <= 2  # (values are spread: near-misses absent)
    assert packed.nbytes / len(packed) <= 8 / 0.375  # at least three eighths full after a doubling


@native
def test_an_fpset_refuses_what_is_not_a_64_bit_fingerprint():
    packed = FpSet()
    with pytest.raises(TypeError):
        packed.add(b"state")
    with pytest.raises(TypeError):
        1.0 in packed  # noqa: B015
    with pytest.raises(OverflowError):
        packed.add(LOW)


def test_exact_runs_keep_a_python_set_of_encodings():
    assert type(seen_set(True)) is set
    assert seen_bytes({b"ab", b"cd"}, [b"ab", b"cd"]) > 0
