"""Bad input through the real command line: one line on stderr, the documented exit code, no traceback,
no partial file, bounded time. (lin and quorum inputs: tests/test_lin_inputs.py, tests/test_quorum_inputs.py.)"""

import json
import os
import resource
import signal
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BAD = os.path.join(HERE, "models", "bad_models.py")
ENV = dict(os.environ, PYTHONPATH=ROOT)


def concord(*args, timeout=60, **kw):
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, timeout=timeout,
                          env=ENV, **kw)


def one_line_error(p, code=2, says=""):
    """The contract for errors: exactly one line on stderr, the code, no traceback anywhere."""
    assert "Traceback" not in (p.stdout or "") + p.stderr, p.stderr
    lines = p.stderr.splitlines()
    assert p.returncode == code and len(lines) == 1 and lines[0].startswith("concord: error: "), (p.returncode, p.stderr)
    assert says in lines[0], lines[0]


@pytest.mark.parametrize("args, says", [
    (["check", f"{BAD}:Endless"], "more than 1,000,000 initial states: is it endless?"),
    (["check", f"{BAD}:Exits"], "action Go called sys.exit(0)"),
    (["check", f"{BAD}:Mutates"], "changed the state it was given"),
    (["check", f"{BAD}:Chaotic"], "deterministic"),
    (["check", f"{BAD}:Eleven", "--symmetry"], "39,916,800 renamings"),
    (["check", "twophase", "--set", "rms=-1"], "at least one resource manager"),
    (["check", "diehard", "--set", "small_capacity=-3"], "capacities must be at least 1"),
    (["check", "kvstore", "--set", "servers=0"], "at least 1"),
    (["check", "diehard", "--set", "goal=" + "-" * 10_000 + "1"], "characters long"),
    (["check", "diehard", "--set", "goal=" + "-" * 9_000 + "1"], "expected int"),
    (["check", "diehard", "--set", "goal=" + "9" * 5_000], "expected int"),
    (["check", "diehard", "--set", "goal=" + "[" * 5_000], "expected int"),
    (["check", "diehard", "--time-limit", "0"], "positive number of seconds"),
    (["check", "diehard", "--time-limit", "nan"], "positive number of seconds"),
    (["check", "diehard", "--time-limit", "-1"], "positive number of seconds"),
    (["check", "diehard", "--memory", "inf"], "positive number of megabytes"),
    (["check", "diehard", "--json", ""], "--json: give a file name"),
    (["graph", f"{BAD}:Raises", "--out", "/tmp/concord-never.svg"], "raised ZeroDivisionError"),
    (["graph", f"{BAD}:ReturnsInt", "--out", "/tmp/concord-never.svg"], "returned a int (5), not a state"),
    (["graph", f"{BAD}:Unstorable", "--out", "/tmp/concord-never.svg"], "mutable (unhashable)"),
])
def test_bad_models_and_arguments_are_one_line_errors(args, says):
    quiet = ["--quiet"] if args[0] == "check" else []
    one_line_error(concord(*args, *quiet), says=says)
    assert not os.path.exists("/tmp/concord-never.svg")


def test_the_same_file_for_two_outputs_is_refused(tmp_path):
    one_line_error(concord("check", "diehard", "--quiet", "--json", str(tmp_path / "x"), "--report", str(tmp_path / "x")),
                   says="name the same path")
    assert not (tmp_path / "x").exists()


def test_an_endless_init_is_bounded_by_the_limits():
    p = concord("check", f"{BAD}:Endless", "--quiet", "--max-states", "1000")
    assert p.returncode == 3 and "PARTIAL" in p.stdout and "more than 1,000 initial states" in p.stdout
    p = concord("check", f"{BAD}:Endless", "--quiet", "--time-limit", "0.3")
    assert p.returncode == 3 and "PARTIAL" in p.stdout


def test_the_time_limit_holds_even_when_each_step_is_slow():
    p = concord("check", "twophase", "--set", "rms=1000000", "--time-limit", "2", "--quiet", timeout=60)
    assert p.returncode == 3 and "stopped at --time-limit 2s" in p.stdout


@pytest.mark.parametrize("content", [
    b"\xff\xfe\x00binary",
    b"[" * 100_000,
    b'{"schema": 1}',
    b'{"schema": 1, "model": "DieHard(small_capacity=3)", "strategy": "bfs", "verdict": "ok", "stats": {"depth": "<script>"}}',
    b"1" * 5000,
    b"",
])
def test_render_refuses_what_is_not_a_result(tmp_path, content):
    (tmp_path / "r.json").write_bytes(content)
    one_line_error(concord("render", str(tmp_path / "r.json"), "--report", str(tmp_path / "r.html")))
    assert not (tmp_path / "r.html").exists()


def test_a_result_file_with_markup_in_its_fields_is_refused_or_escaped(tmp_path):
    concord("check", "diehard", "--quiet", "--json", str(tmp_path / "r.json"))
    data = json.loads((tmp_path / "r.json").read_text())
    data["stats"]["depth"] = "<script>alert(1)</script>"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    one_line_error(concord("render", str(tmp_path / "bad.json"), "--report", str(tmp_path / "bad.html")), says="depth")
    data = json.loads((tmp_path / "r.json").read_text())
    data["partial"] = "<script>alert(1)</script>"
    (tmp_path / "ok.json").write_text(json.dumps(data))
    p = concord("render", str(tmp_path / "ok.json"), "--report", str(tmp_path / "ok.html"))
    assert p.returncode == 0, p.stderr
    assert "<script>" not in (tmp_path / "ok.html").read_text()


def test_a_closed_pipe_keeps_the_verdict_and_still_writes_the_files(tmp_path):
    report = tmp_path / "r.html"
    p = subprocess.run(f"{sys.executable} -m checker check diehard --report {report} | head -1", shell=True,
                       capture_output=True, text=True, timeout=60, env=ENV, executable="/bin/bash")
    assert "Traceback" not in p.stderr and report.exists() and report.stat().st_size > 1000
    p = subprocess.run(f"{sys.executable} -m checker check diehard --report {report}2 | true; exit ${{PIPESTATUS[0]}}",
                       shell=True, capture_output=True, text=True, timeout=60, env=ENV, executable="/bin/bash")
    assert p.returncode == 1 and "Traceback" not in p.stderr


def test_a_full_disk_on_standard_output_is_one_line():
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "checker", "list"], stdout=full, stderr=subprocess.PIPE, text=True,
                           timeout=60, env=ENV)
    one_line_error(p, says="cannot write standard output")


def _file_size_limit(limit):
    def limit_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit fails (EFBIG) instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_writes


@pytest.mark.parametrize("output", ["--json", "--report"])
def test_a_failed_write_leaves_no_file_that_looks_complete(tmp_path, output):
    target = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "checker", "check", "diehard", "--quiet", output, str(target)],
                       capture_output=True, text=True, timeout=60, env=ENV, preexec_fn=_file_size_limit(500))
    one_line_error(p, says=f"cannot write {target}")
    assert not target.exists() and not list(tmp_path.iterdir())


def test_running_out_of_memory_says_so():
    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20))
    p = subprocess.run([sys.executable, "-m", "checker", "check", f"{BAD}:Hog", "--quiet"],
                       capture_output=True, text=True, timeout=120, env=ENV, preexec_fn=limit_memory)
    assert "Traceback" not in p.stdout + p.stderr
    assert p.returncode in (2, 3) and "out of memory" in p.stdout + p.stderr


def test_the_memory_limit_stops_a_run():
    p = concord("check", f"{BAD}:Hog", "--memory", "100", "--quiet", timeout=120)
    assert p.returncode == 3 and "stopped at --memory 100 MB" in p.stdout


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.recursive(st.one_of(st.none(), st.integers(), st.text(max_size=5)),
                                                          lambda c: st.one_of(st.lists(c, max_size=3),
                                                                              st.dictionaries(st.text(max_size=8), c, max_size=3)),
                                                          max_leaves=20).map(lambda x: json.dumps(x).encode())))
def test_the_result_loader_refuses_anything_else_with_one_error(tmp_path_factory, content):
    from checker.cli.registry import UsageError
    from checker.cli.render import load_result

    path = tmp_path_factory.mktemp("fuzz") / "r.json"
    path.write_bytes(content)
    with pytest.raises(UsageError):
        load_result(str(path))
