"""Checkpoints (checker/checkpoint.py): a BFS cut short (a limit, Ctrl-C, SIGTERM) and resumed, on one
process or several, ends with the verdict, counts, coverage and traces of a run never interrupted."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from test_cli import finished, interruptible
from test_expand import Walker, summary

from checker import check
from checker.checkpoint import CheckpointError
from models.paxos import Paxos
from models.raft import Raft
from models.twophase import TwoPhase

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))

CASES = {
    "twophase": (lambda: TwoPhase(rms=5), {}),
    "raft-witness": (lambda: Raft(servers=2, max_term=2, max_log_len=1, max_messages=1), {}),
    "walker-continue": (lambda: Walker(3), {"stop_at_first": False}),
    "paxos": (lambda: Paxos(), {}),
    "raft-violation": (lambda: Raft.variants["no-persist-term"](servers=2, max_term=2, max_log_len=0, max_messages=1),
                       {}),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("workers", [(1, 2), (2, 1)])
def test_cut_at_a_depth_then_resumed_gives_the_uninterrupted_run(name, workers, tmp_path):
    model_of, options = CASES[name]
    whole = summary(check(model_of(), **options))
    at = max(whole["depth"] // 2, 2)
    first = check(model_of(), max_depth=at, checkpoint=str(tmp_path), workers=workers[0], **options)
    if first.verdict == "violation" and first.partial is None:
        return  # the violation comes before the cut: nothing to resume, nothing written
    assert first.checkpoint == str(tmp_path) and "max-depth" in first.partial
    resumed = check(model_of(), resume=str(tmp_path), workers=workers[1], **options)
    assert summary(resumed) == whole


def test_resuming_another_models_checkpoint_is_refused(tmp_path):
    check(TwoPhase(rms=3), max_depth=3, checkpoint=str(tmp_path))
    with pytest.raises(CheckpointError, match="checkpoint of TwoPhase"):
        check(TwoPhase(rms=4), resume=str(tmp_path))
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        check(TwoPhase(rms=3), resume=str(tmp_path / "nowhere"))


def concord(*args, **kw):
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, env=ENV,
                          timeout=300, **kw)


@pytest.mark.parametrize("sig, workers", [(signal.SIGINT, "1"), (signal.SIGTERM, "2")])
def test_an_interrupted_run_resumes_to_the_counts_of_an_uninterrupted_one(sig, workers, tmp_path):
    """A real run, interrupted by a signal, writes its checkpoint; 'concord resume' ends it on the other
    number of workers, with TLC's count for this scope (296,448 distinct states, depth 23: benchmarks/run.py
    twophase-7) and the generated count and coverage of the run in one go. The run in one process spills
    (--memory 64: its frontier on disk past 32 MB, its seen set in a mapped file; it needs about 40)."""
    ck = tmp_path / "ck"
    spilling = ["--memory", "64"] if workers == "1" else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "checker", "check", "twophase", "--set", "rms=7", "--quiet", "--workers", workers,
         *spilling, "--checkpoint", str(ck), "--checkpoint-every", "1", "--json", str(tmp_path / "cut.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, preexec_fn=interruptible)
    waited = time.monotonic() + 60
    while not (ck / "meta.json").exists() and time.monotonic() < waited:  # the search is under way
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(sig)
    out, err = finished(proc, 120)
    assert proc.returncode == 3, err
    assert f"'concord resume {ck}' goes on" in err
    cut = json.loads((tmp_path / "cut.json").read_text())
    assert cut["verdict"] == "partial" and cut["stats"]["distinct"] < 296_448
    assert "interrupted" in cut["partial"] and (cut["stats"]["own_peak"] > 0) == bool(spilling)
    other = "2" if workers == "1" else "1"
    p = concord("resume", str(ck), "--quiet", "--workers", other, "--json", str(tmp_path / "resumed.json"))
    assert p.returncode == 0, p.stderr
    resumed = json.loads((tmp_path / "resumed.json").read_text())
    whole = uninterrupted()
    assert (resumed["stats"]["distinct"], resumed["stats"]["depth"]) == (296_448, 23)
    assert resumed["stats"]["generated"] == whole.stats.generated
    assert resumed["coverage"] == whole.coverage and resumed["verdict"] == "ok"


@functools.lru_cache(maxsize=None)
def uninterrupted():
    return check(TwoPhase(rms=7), workers=2)  # the counts of one process (tests/test_parallel.py)


def test_resume_of_a_directory_without_a_checkpoint_is_one_line_and_exit_2(tmp_path):
    p = concord("resume", str(tmp_path))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "holds no checkpoint" in p.stderr
