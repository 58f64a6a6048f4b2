"""The frontier spilled to disk under --memory (checker/frontier.py): the same run, state for state, with
chunks of a few states written and read back in order; nothing left on disk afterwards."""

from __future__ import annotations

import os
import tempfile

import pytest
from test_expand import CASES, Faulty, summary

import checker.bfs as bfs
import checker.frontier as frontier
from checker import check
from checker.store import FpSet
from models.raft import Raft

LOTS = 64 * 2**30  # a --memory never reached: only the spilling is tested here


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch, tmp_path):
    monkeypatch.setattr(frontier, "CHUNK", 7)
    monkeypatch.setattr(frontier.Spill, "pressing", lambda self: True)  # as if memory were short from the start
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield
    assert os.listdir(tmp_path) == []  # every chunk and the directory removed


@pytest.mark.parametrize("name", [n for n in CASES if "exact" not in n])
def test_a_spilled_frontier_gives_the_same_run(name):
    model_of, options = CASES[name]
    assert summary(check(model_of(), memory=LOTS, **options)) == summary(check(model_of(), **options))


def test_raft_spilled_on_disk_reports_bytes_per_state_there():
    model_of = lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1)  # noqa: E731
    r = check(model_of(), memory=LOTS)
    assert summary(r) == summary(check(model_of()))
    assert r.stats.disk_bytes_per_state > 0 and r.stats.disk_peak > 0


def test_an_error_inside_the_model_names_the_same_state_when_spilled():

    spilled = check(Faulty(3), properties=[], memory=LOTS)
    assert spilled.verdict == "error" and summary(spilled) == summary(check(Faulty(3), properties=[]))
    assert spilled.error == check(Faulty(3), properties=[]).error


def test_a_checkpoint_of_a_spilled_level_resumes(tmp_path_factory):
    where = str(tmp_path_factory.mktemp("ck"))
    model_of = lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1)  # noqa: E731
    whole = summary(check(model_of()))
    check(model_of(), memory=LOTS, max_depth=12, checkpoint=where)
    assert summary(check(model_of(), memory=LOTS, resume=where)) == whole


def test_chunks_stay_in_memory_while_memory_is_plenty(monkeypatch):
    monkeypatch.setattr(frontier.Spill, "pressing", lambda self: False)
    model_of = lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1)  # noqa: E731
    r = check(model_of(), memory=LOTS)
    assert summary(r) == summary(check(model_of())) and r.stats.disk_peak == 0


def test_states_beyond_the_constraint_are_forgotten_under_memory_and_checked_again(monkeypatch):
    """Under --memory the set of states beyond the constraint is held to a share of it; forgetting them changes
    no verdict and no count, but their own count becomes a lower bound, and says so."""
    monkeypatch.setattr(bfs, "outside_most", lambda memory: 10)
    model_of = lambda: Raft.variants["no-persist-term"](servers=2, max_term=2, max_log_len=1, max_messages=1)  # noqa: E731
    whole = check(model_of(), stop_at_first=False)
    r = check(model_of(), memory=LOTS, stop_at_first=False)
    assert {**summary(r), "outside": None} == {**summary(whole), "outside": None} and r.violations
    assert whole.outside > 100 and not whole.outside_at_least
    assert r.outside_at_least and 10 <= r.outside < whole.outside


def test_the_memory_for_states_beyond_the_constraint_is_an_eighth_of_the_limit():
    for mb in (1, 64, 273, 4096):
        most = bfs.outside_most(mb * 2**20)
        slots = most * 4 // 3
        assert 12 * slots <= max(mb * 2**20 // 8, 12 * 1024) < 24 * slots or slots == 1024


def test_the_seen_set_is_a_mapped_file_under_memory_and_the_run_the_same():
    model_of = lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1)  # noqa: E731
    r = check(model_of(), memory=LOTS)
    assert summary(r) == summary(check(model_of()))
    if FpSet is not None:
        assert 0 < r.stats.own_peak <= r.stats.peak_memory
