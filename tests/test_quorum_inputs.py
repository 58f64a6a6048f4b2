"""`concord quorum` on hostile input, through the real command line in a subprocess.

Bad input is one line on stderr and exit 2, never a traceback; a failed write leaves no partial file;
a closed pipe keeps the verdict's exit code; --timeout and Ctrl-C end in exit 3 with what was known.
"""

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.cli.quorum import (MAX_FILE_BYTES, MAX_MEMBERS, MAX_QUORUMS, MAX_SERVERS, UsageError,
                                requirement_from_bytes)
from specs.quorum import Requirement

ROOT = Path(__file__).resolve().parents[1]
ENV = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1"}
LIMIT = 60  # seconds: no run may take longer
HARD = ["reconfig", "--old", "100", "--new", "100", "--joint", "--disjoint"]  # a pigeon-hole proof: Z3 needs minutes


def concord(*argv, cwd, **options) -> subprocess.CompletedProcess:
    """`concord quorum ARGV` in a fresh interpreter, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "checker", "quorum", *map(str, argv)], capture_output=True,
                          text=True, env=ENV, cwd=cwd, timeout=LIMIT, **options)


def assert_one_error_line(p: subprocess.CompletedProcess) -> None:
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stderr.startswith("concord: error: ") and p.stderr.count("\n") == 1, p.stderr
    assert len(p.stderr) < 400, p.stderr  # a line, not a dump of the input
    assert "Traceback" not in p.stdout + p.stderr


def leftovers(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def system(**fields) -> bytes:
    return json.dumps(fields).encode()


HOSTILE = {
    "deep-unclosed": b"[" * 1000,
    "deep-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-in-quorums": b'{"quorums": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "deep-object": b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
    "binary": bytes(range(256)) * 4,
    "png": b"\x89PNG\r\n\x1a\n" + bytes(100),
    "utf-16": '{"quorums": [["a"]]}'.encode("utf-16"),
    "empty": b"",
    "blank": b" \n\t ",
    "raw-nul": b'{"quorums": [["a\x00"]]}',
    "top-list": b"[1, 2]",
    "top-string": b'"quorums"',
    "top-null": b"null",
    "no-family": system(servers=["s1"]),
    "quorums-empty": system(quorums=[]),
    "quorums-string": system(quorums="s1"),
    "quorums-object": system(quorums={"s1": 1}),
    "quorum-not-a-list": system(quorums=["s1", "s2"]),
    "server-number": system(quorums=[["s1", 2]]),
    "server-null": system(quorums=[[None]]),
    "server-bool": system(quorums=[[True]]),
    "server-nested": system(quorums=[[["s1"]]]),
    "server-empty-name": system(quorums=[[""]]),
    "server-newline": system(quorums=[["a\nb"]]),
    "server-nul": system(quorums=[["a\x00"]]),
    "server-long-name": system(quorums=[["s" * 101]]),
    "servers-string": system(servers="s1", quorums=[["s1"]]),
    "servers-twice": system(servers=["s1", "s1"], quorums=[["s1"]]),
    "stray-servers": system(servers=["s1"], quorums=[[f"x{i}" for i in range(400)]]),
    "phase2-empty": system(quorums=[["s1"]], phase2=[]),
    "phase2-and-f": system(quorums=[["s1"]], phase2=[["s1"]], f=0),
    "f-negative": system(quorums=[["s1"]], f=-1),
    "f-fraction": system(quorums=[["s1"]], f=1.5),
    "f-text": system(quorums=[["s1"]], f="1"),
    "f-bool": system(quorums=[["s1"]], f=True),
    "f-huge": system(quorums=[["s1"]], f=10**30),
    "extra-key": system(quorums=[["s1"]], extra=1),
    "long-key": system(quorums=[["s1"]], **{"k" * 100_000: 1}),
    "weights-empty": system(weights={}, threshold=1),
    "weights-list": system(weights=[["s1", 1]], threshold=1),
    "weight-fraction": system(weights={"s1": 1.5}, threshold=1),
    "weight-negative": system(weights={"s1": -1}, threshold=1),
    "weight-bool": system(weights={"s1": True}, threshold=1),
    "weight-text": system(weights={"s1": "1"}, threshold=1),
    "weights-too-heavy": system(weights={"s1": 10**9, "s2": 1}, threshold=1),
    "threshold-missing": system(weights={"s1": 1}),
    "threshold-zero": system(weights={"s1": 1}, threshold=0),
    "threshold-above-total": system(weights={"s1": 1}, threshold=2),
    "threshold-infinite": b'{"weights": {"s1": 1}, "threshold": 1e999}',
    "threshold-nan": b'{"weights": {"s1": 1}, "threshold": NaN}',
    "threshold-5000-digits": b'{"weights": {"s1": 1}, "threshold": ' + b"9" * 5000 + b"}",
    "weights-and-quorums": system(weights={"s1": 1}, threshold=1, quorums=[["s1"]]),
    "too-many-quorums": system(quorums=[["s1"]] * (MAX_QUORUMS + 1)),
    "too-many-servers": system(servers=[f"s{i}" for i in range(MAX_SERVERS + 1)], quorums=[["s1"]]),
    "too-many-named": system(quorums=[[f"s{i}" for i in range(MAX_SERVERS + 1)]]),
    "too-many-members": system(quorums=[[f"s{i}" for i in range(100)]] * (MAX_MEMBERS // 100 + 1)),
    "too-many-weights": system(weights={f"s{i}": 1 for i in range(MAX_SERVERS + 1)}, threshold=1),
    "too-large": b" " * (MAX_FILE_BYTES + 1),
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_one_line_errors(tmp_path, content):
    (tmp_path / "system.json").write_bytes(content)
    p = concord("system.json", cwd=tmp_path)
    assert_one_error_line(p)
    assert p.stdout == "" and "system.json" in p.stderr


@pytest.mark.parametrize("path", ["missing.json", "a\nb.json", ".", "/dev/null/x.json"])
def test_unreadable_paths_are_one_line_errors(tmp_path, path):
    p = concord("file", path, cwd=tmp_path)
    assert_one_error_line(p)
    assert p.stdout == ""


@pytest.mark.parametrize("argv", [
    *(["majority", "--n", "5", "--timeout", bad] for bad in ("nan", "NaN", "inf", "-inf", "0", "-1", "1e99",
                                                            "86400001", "abc", "")),
    *(["majority", "--n", bad] for bad in ("0", "-1", "1.5", "nan", "inf", "\u0663", str(MAX_SERVERS + 1), "9" * 30)),
    ["threshold", "--n", "5", "--k", "9" * 5000],
    ["threshold", "--n", "5", "--k", "n/0"],
    ["threshold", "--all-n", "--k", f"n+{MAX_SERVERS + 1}"],
    ["threshold", "--all-n", "--k", "n+1"],
    ["flexible", "--all-n", "--q1", f"{MAX_SERVERS + 1}n/{MAX_SERVERS + 2}", "--q2", "2"],
    ["grid", "--rows", "23", "--cols", "23"],
    ["reconfig", "--old", "1", "--new", "101"],
    ["reconfig", "--old", str(MAX_SERVERS), "--new", str(MAX_SERVERS), "--disjoint"],
    ["byzantine", "--n", "4", "--f", str(MAX_SERVERS + 1)],
    ["byzantine", "--n", "4", "--f", "-1"],
    ["majority", "--n", "5", "--json", ""],
    ["majority", "--n", "5", "--render", " "],
])
def test_bad_numbers_and_names_are_one_line_errors(tmp_path, argv):
    p = concord(*argv, cwd=tmp_path)
    assert_one_error_line(p)
    assert p.stdout == ""


def test_a_file_at_the_limits_is_checked(tmp_path):
    names = [f"s{i}" for i in range(MAX_SERVERS)]
    (tmp_path / "system.json").write_text(json.dumps({"servers": names, "quorums": [names[:250], names[250:]]}))
    p = concord("system.json", cwd=tmp_path)
    assert p.returncode == 1 and p.stdout.startswith("refuted") and p.stderr == ""


@pytest.mark.parametrize("where, reason", [("missing/out.json", "No such file or directory"),
                                           (".", "Is a directory")])
def test_a_json_file_that_cannot_be_written_is_one_line(tmp_path, where, reason):
    p = concord("threshold", "--n", "6", "--k", "3", "--json", where, cwd=tmp_path)
    assert_one_error_line(p)
    assert p.stderr == f"concord: error: cannot write {where}: {reason}\n"
    assert p.stdout.startswith("refuted") and leftovers(tmp_path) == []


def test_a_render_directory_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "pic").write_text("not a directory")
    p = concord("threshold", "--n", "6", "--k", "3", "--render", "pic", cwd=tmp_path)
    assert_one_error_line(p)
    assert p.stderr.startswith("concord: error: cannot write pic: ")


def small_files():
    resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))  # a write past 200 bytes fails: a full disk


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial_one(tmp_path):
    (tmp_path / "out.json").write_text("old\n")
    p = concord("threshold", "--n", "6", "--k", "3", "--json", "out.json", "--render", "pic", cwd=tmp_path,
                preexec_fn=small_files)
    assert_one_error_line(p)
    assert p.stderr == "concord: error: cannot write out.json: File too large\n"
    assert (tmp_path / "out.json").read_text() == "old\n" and leftovers(tmp_path) == []
    p = concord("threshold", "--n", "6", "--k", "3", "--render", "pic", cwd=tmp_path, preexec_fn=small_files)
    assert_one_error_line(p)
    assert os.listdir(tmp_path / "pic") == []


@pytest.mark.parametrize("argv, code", [(["majority", "--n", "5"], 0), (["threshold", "--n", "6", "--k", "3"], 1),
                                        ([*HARD, "--timeout", "200"], 3), (["--help"], 0)])
def test_a_closed_pipe_keeps_the_exit_code(tmp_path, argv, code):
    """`concord quorum ... | true`: the reader is gone before anything is printed."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        p = subprocess.run([sys.executable, "-m", "checker", "quorum", *argv], stdout=writer,
                           stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_path, timeout=LIMIT)
    finally:
        os.close(writer)
    assert (p.returncode, p.stderr) == (code, "")


def test_timeout_gives_unknown_and_exit_3(tmp_path):
    start = time.monotonic()
    p = concord(*HARD, "--timeout", "300", "--json", "out.json", cwd=tmp_path)
    took = time.monotonic() - start
    assert (p.returncode, p.stderr) == (3, ""), p.stderr
    assert p.stdout.startswith("unknown") and "why: the time limit of 300 ms ran out" in p.stdout
    assert "proved before it stopped: any two quorums of C_old share a server" in p.stdout
    assert json.loads((tmp_path / "out.json").read_text())["verdict"] == "unknown"
    assert took < LIMIT / 2  # loose: Z3 alone would take minutes
    p = concord("majority", "--all-n", "--timeout", "0.001", cwd=tmp_path)
    assert p.returncode == 3 and p.stdout.startswith("unknown")


def in_the_solver(process: subprocess.Popen) -> None:
    """Wait until Z3 runs: it runs in a worker thread, so the process has more than one."""
    tasks = Path(f"/proc/{process.pid}/task")
    deadline = time.monotonic() + LIMIT / 2
    while time.monotonic() < deadline and process.poll() is None:
        if not tasks.exists() or len(os.listdir(tasks)) > 1:
            return
        time.sleep(0.05)


@pytest.mark.parametrize("signum, why", [(signal.SIGINT, "why: interrupted"),
                                         (signal.SIGTERM, "why: interrupted (SIGTERM)")])
def test_ctrl_c_and_sigterm_exit_3_with_what_was_known(tmp_path, signum, why):
    process = subprocess.Popen([sys.executable, "-m", "checker", "quorum", *HARD, "--timeout", "600000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_path)
    try:
        in_the_solver(process)
        process.send_signal(signum)
        out, err = process.communicate(timeout=LIMIT)
    finally:
        process.kill()
    assert (process.returncode, err) == (3, "concord: interrupted\n")
    assert out.startswith("unknown") and why in out


# ----------------------------------------------------------------------------- the loader, fuzzed

KEYS = st.sampled_from(["quorums", "servers", "phase2", "f", "weights", "threshold", "x", ""])
JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 2**70) | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=3), inner,
                                                                                max_size=4),
                    max_leaves=30)


def loads_or_refuses(raw: bytes) -> None:
    """The loader gives a requirement or raises UsageError with one line, and nothing else."""
    try:
        assert isinstance(requirement_from_bytes(raw, "fuzz.json"), Requirement)
    except UsageError as error:
        assert str(error).startswith("fuzz.json") and "\n" not in str(error)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_loader_on_random_bytes(raw):
    loads_or_refuses(raw)


@settings(max_examples=300, deadline=None)
@given(JSON, st.sampled_from(["quorums", "phase2", "weights", "servers", "f", "threshold"]))
def test_loader_on_random_json(value, key):
    loads_or_refuses(json.dumps(value).encode())
    loads_or_refuses(json.dumps({"quorums": [["s1"]], key: value}).encode())


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 20_000), st.sampled_from(["[", '{"a":', '{"quorums":']), st.booleans())
def test_loader_on_random_nesting(depth, opener, closed):
    closer = {"[": "]", '{"a":': "}", '{"quorums":': "}"}[opener]
    text = opener * depth + "1" + (closer * depth if closed else "")
    loads_or_refuses(text.encode())
