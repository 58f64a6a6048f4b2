"""The command line, run as a user runs it: exit codes, one-line errors, JSON output."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
USER = os.path.join(HERE, "models", "user_model.py")


def concord(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_check_bundled_model_ok():
    p = concord("check", "twophase", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "Result: OK" in p.stdout and "288 distinct" in p.stdout


def test_check_violation_exit_1_with_trace():
    p = concord("check", "diehard")
    assert p.returncode == 1
    assert "Invariant NotSolved violated after 6 steps" in p.stdout and "big: 5 -> 4" in p.stdout


def test_set_constant_and_json_schema(tmp_path):
    out = tmp_path / "r.json"
    p = concord("check", "diehard", "--set", "goal=4", "--json", str(out), "--quiet")
    assert p.returncode == 1
    data = json.loads(out.read_text())
    assert data["verdict"] == "violation"
    assert {"distinct", "generated", "depth", "seconds"} <= set(data["stats"])
    assert data["coverage"]["FillBigJug"]["fired"] > 0
    v = data["violations"][0]
    assert (v["property"], v["kind"], v["length"]) == ("NotSolved", "invariant", 6)
    assert len(v["trace"]) == 7 and v["trace"][0]["action"] is None
    assert v["trace"][-1]["state"] == {"small": 3, "big": 4}


def test_user_model_from_a_file():
    p = concord("check", f"{USER}:TrafficLight", "--property", "NeverBlue", "--quiet")
    assert p.returncode == 0 and "3 distinct" in p.stdout
    p = concord("check", f"{USER}:TrafficLight", "--continue", "--quiet")
    assert p.returncode == 1 and "NeverYellow violated after 2 steps" in p.stdout


def test_list_and_show():
    p = concord("list")
    assert p.returncode == 0 and "diehard" in p.stdout and "twophase" in p.stdout
    p = concord("show", "twophase")
    assert p.returncode == 0 and "TMRcvPrepared(rm in RM)" in p.stdout and "TCConsistent" in p.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "nosuchmodel"], "unknown model 'nosuchmodel'"),
        (["check", "diehard", "--property", "Nope"], "has no property 'Nope'"),
        (["check", "diehard", "--set", "goal"], "--set takes NAME=VALUE"),
        (["check", "diehard", "--set", "gaol=4"], "has no constant 'gaol'"),
        (["check", "diehard", "--set", "goal=four"], "expected int"),
        (["check", "diehard", "--variant", "nope"], "has no variant 'nope'"),
        (["check", "diehard", "--max-states", "-3"], "expected a positive number"),
        (["check", "missing.py:Model"], "no such model file"),
        (["check", f"{USER}:Nope"], "has no class 'Nope'"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_one_line_error_exit_2(args, message):
    p = concord(*args)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("concord: error:") and message in lines[0], p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize(
    "cls, message", [("Raising", "action Explode raised ZeroDivisionError"), ("Unhashable", "is mutable (unhashable)")]
)
def test_model_errors_exit_2_naming_model_action_and_state(cls, message):
    p = concord("check", f"{USER}:{cls}", "--quiet")
    assert p.returncode == 2 and "Traceback" not in p.stdout + p.stderr
    assert message in p.stdout and f"{cls}()" in p.stdout and "in state Light(color=red)" in p.stdout


def interruptible() -> None:
    """In the child, before concord starts: Ctrl-C as in a terminal, even when the tests run as a background
    job (whose SIGINT is ignored, so Python would install no KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finished(proc, seconds: float = 60) -> tuple[str, str]:
    """The output of proc once it ends; killed (and the test failed) if it has not ended in time."""
    try:
        return proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise


@pytest.mark.parametrize("sig, said", [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")])
def test_an_interrupt_gives_a_partial_report_and_exit_3(sig, said, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    out_json = tmp_path / "r.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "checker", "check", "twophase", "--set", "rms=9", "--quiet", "--json", str(out_json)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=interruptible,
    )
    time.sleep(3)
    proc.send_signal(sig)
    out, err = finished(proc)
    assert proc.returncode == 3, err
    assert "PARTIAL" in out and f"interrupted ({said})" in out and "distinct" in out
    assert json.loads(out_json.read_text())["verdict"] == "partial"


def test_debug_shows_the_model_traceback():
    p = concord("check", f"{USER}:Raising", "--quiet", "--debug")
    assert p.returncode == 2 and "Traceback" in p.stderr and "ZeroDivisionError" in p.stderr


def test_progress_lines_on_stderr_during_long_runs():
    p = concord("check", "twophase", "--set", "rms=7", "--max-states", "150000")
    assert p.returncode == 3 and "PARTIAL" in p.stdout
    progress = [line for line in p.stderr.splitlines() if line.startswith("concord: ") and "states/s" in line]
    assert progress and "distinct" in progress[0] and "queue" in progress[0] and "depth" in progress[0]
    assert "states/s" not in concord("check", "twophase", "--set", "rms=7", "--max-states", "150000", "--quiet").stderr


SOUND = os.path.join(HERE, "models", "soundness.py")


def test_exact_gives_the_same_counts_and_says_so(tmp_path):
    plain, exact = concord("check", "diehard", "--quiet"), concord("check", "diehard", "--quiet", "--exact", "--json", str(tmp_path / "r.json"))
    assert plain.returncode == exact.returncode == 1
    assert "14 distinct, 73 generated" in plain.stdout and "14 distinct, 73 generated" in exact.stdout
    assert "Fingerprint collision probability" in plain.stdout and "no fingerprint collision is possible" in exact.stdout
    stats = json.loads((tmp_path / "r.json").read_text())["stats"]
    assert stats["exact"] is True and stats["collision_probability"] == 0


@pytest.mark.parametrize("args, message", [
    ([f"{SOUND}:NaNState"], "NaN cannot be part of a state"),
    ([f"{SOUND}:Flags", "--set", "nodes=(0, 1)", "--symmetry"], "symmetry would also rename"),
])
def test_states_and_ids_the_checker_cannot_trust_are_one_line_errors(args, message):
    p = concord("check", *args, "--quiet")
    assert p.returncode == 2 and "Traceback" not in p.stdout + p.stderr
    line = [x for x in p.stderr.splitlines() if x.startswith("concord: error:")]
    assert len(line) == 1 and message in line[0]
