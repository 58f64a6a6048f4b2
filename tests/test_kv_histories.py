"""Histories in the shapes real systems record: the kv model's get, put and append (Porcupine's kv test files, the
6.824 labs), and Jepsen's plain-text `jepsen.util` logs; checked by hand, against brute force, and through
`concord lin`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from checker.cli.lin import main
from specs.consistency import check_linearizable, check_sequential
from specs.edn import Keyword, read_forms
from specs.history import (History, HistoryError, Operation, jepsen_log_events, jepsen_log_to_edn, load_history,
                           parse_edn, read_jepsen_log)
from test_consistency import brute_force

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
SOME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lines(*events: str) -> str:
    """A file's text: one line per event."""
    return "".join(event + "\n" for event in events)


def kv(process: int, kind: str, f: str, key: str, value: str | None) -> str:
    """One event as Porcupine's kv test files write it."""
    shown = "nil" if value is None else f'"{value}"'
    return f'{{:process {process}, :type :{kind}, :f :{f}, :key "{key}", :value {shown}}}'


# --- (a) Porcupine-style kv histories -------------------------------------------------------------------------

# Linearizable. Key "a": put "x" and append "y" overlap, so either goes first; the get after both returns "xy",
# so the put went first. Key "b": the first get sees the missing key as ""; append "1" completes, then append "2"
# overlaps the second get, which returns "12": "2" was appended before the get took effect. Key "c" is only read.
KV_OK = lines(
    kv(0, "invoke", "put", "a", "x"), kv(1, "invoke", "append", "a", "y"), kv(0, "ok", "put", "a", "x"),
    kv(1, "ok", "append", "a", "y"), kv(2, "invoke", "get", "a", None), kv(2, "ok", "get", "a", "xy"),
    kv(0, "invoke", "get", "b", None), kv(0, "ok", "get", "b", ""), kv(1, "invoke", "append", "b", "1"),
    kv(1, "ok", "append", "b", "1"), kv(2, "invoke", "append", "b", "2"), kv(0, "invoke", "get", "b", None),
    kv(0, "ok", "get", "b", "12"), kv(2, "ok", "append", "b", "2"), kv(1, "invoke", "get", "c", None),
    kv(1, "ok", "get", "c", ""))

# Not linearizable, on key "b" only: append "1" completes before append "2" is invoked, so every linearization
# appends "1" first and the value is "12"; the get, invoked after both completed, returns "21". Key "a" is as
# above (fine).
KV_BAD = lines(
    kv(0, "invoke", "put", "a", "x"), kv(1, "invoke", "append", "a", "y"), kv(0, "ok", "put", "a", "x"),
    kv(1, "ok", "append", "a", "y"), kv(2, "invoke", "get", "a", None), kv(2, "ok", "get", "a", "xy"),
    kv(1, "invoke", "append", "b", "1"), kv(1, "ok", "append", "b", "1"), kv(2, "invoke", "append", "b", "2"),
    kv(2, "ok", "append", "b", "2"), kv(0, "invoke", "get", "b", None), kv(0, "ok", "get", "b", "21"))


def test_porcupine_kv_history_reads_as_get_put_append():
    history = parse_edn(KV_OK, keyed=True)
    assert [op.describe() for op in history.operations[:3]] == ['["a"] put "x"', '["a"] append "y"',
                                                                 '["a"] get -> "xy"']
    assert history.operations[2].output == "xy" and history.operations[2].value is None
    assert [op.line for op in history.operations[:3]] == [1, 2, 5]


def test_porcupine_kv_verdicts_by_hand():
    assert check_linearizable(parse_edn(KV_OK, keyed=True), "kv").ok
    result = check_linearizable(parse_edn(KV_BAD, keyed=True), "kv")
    assert not result.ok and 'on key "b"' in result.reason
    assert [op.describe(False) for op in result.core] == ['append "1"', 'append "2"', 'get -> "21"']
    for text, verdict in ((KV_OK, True), (KV_BAD, False)):
        assert brute_text(parse_edn(text, keyed=True)) is verdict


def test_a_missing_key_reads_as_the_empty_string_and_nil_as_empty():
    empty = History().invoke(0, "get", key="k").complete(0, "")
    assert check_linearizable(empty, "kv").ok
    assert check_linearizable(History().invoke(0, "get", key="k").complete(0, None), "kv").ok
    assert not check_linearizable(History().invoke(0, "get", key="k").complete(0, "a"), "kv").ok
    appended = History().invoke(0, "append", "a", key="k").complete(0).invoke(1, "get", key="k").complete(1, "a")
    assert check_linearizable(appended, "kv").ok
    assert check_linearizable(appended, "kv", initial="").ok
    assert not check_linearizable(appended, "kv", initial="z").ok


def test_jepsen_style_pairs_work_for_get_put_append_too():
    history = parse_edn('{:process 0 :type :invoke :f :append :value [:k "a"]}\n'
                        '{:process 0 :type :ok :f :append :value [:k "a"]}\n'
                        '{:process 1 :type :invoke :f :get :value [:k nil]}\n'
                        '{:process 1 :type :ok :f :get :value [:k "a"]}\n', keyed=True)
    assert [(op.key, op.f, op.value, op.output) for op in history.operations] == [
        (Keyword("k"), "append", "a", None), (Keyword("k"), "get", None, "a")]
    assert check_linearizable(history, "kv").ok


@pytest.mark.parametrize(("history", "says"), [
    (History().invoke(0, "put", 3, key="k"), "work on strings"),
    (History().invoke(0, "append", None, key="k"), "append takes a string"),
    (History().invoke(0, "write", 1, key="k").complete(0).invoke(1, "get", key="k"), "work on strings"),
    (History().invoke(0, "get", key="k").complete(0, 7), "work on strings"),
])
def test_text_operations_refuse_values_that_are_not_strings(history, says):
    with pytest.raises(HistoryError, match=says):
        check_linearizable(history, "kv")


def test_the_register_model_refuses_get_put_append():
    with pytest.raises(HistoryError, match="register model has no put operation: get, put and append are kv"):
        check_linearizable(History().invoke(0, "put", "a"))


# --- (c) random histories against brute force -----------------------------------------------------------------

def apply_text(state: tuple, op: Operation) -> object:
    """The reference semantics of get, put and append: `state` holds the (key, value) pairs written so far."""
    current = dict(state).get(op.key, "")
    if op.f == "get":
        return state if op.ret is None or (op.output or "") == current else None
    written = op.value if op.f == "put" else current + op.value
    return tuple(sorted({**dict(state), op.key: written}.items()))


def brute_text(history: History, real_time: bool = True) -> bool:
    """Whether some order of all completed operations and any of the pending ones is legal and keeps real time
    (or, for sequential consistency, each client's order): every order is tried."""
    def precedes(a: Operation, b: Operation) -> bool:
        return a.ret is not None and a.ret < b.call if real_time else a.process == b.process and a.call < b.call

    def extend(remaining: list[Operation], state: tuple) -> bool:
        if all(op.ret is None for op in remaining):
            return True
        for op in remaining:
            if any(precedes(other, op) for other in remaining if other is not op):
                continue
            rest = [other for other in remaining if other is not op]
            after = apply_text(state, op)
            if after is not None and extend(rest, after):
                return True
            if op.ret is None and extend(rest, state):
                return True
        return False

    return extend(list(history.operations), ())


@st.composite
def text_histories(draw, most: int = 6) -> History:
    """Any well-formed get/put/append history on two keys: each client invokes, then sees ok (any output), fail,
    or nothing ever again."""
    history, invoked, gone = History(), set(), set()
    while True:
        active = [p for p in "ABC" if p not in gone and (p in invoked or len(history.operations) < most)]
        if not active or draw(st.integers(0, 9)) == 0:
            return history
        process = draw(st.sampled_from(active))
        if process not in invoked:
            f = draw(st.sampled_from(["get", "put", "append", "append"]))
            value = None if f == "get" else draw(st.sampled_from(["a", "b", ""]))
            history = history.invoke(process, f, value, key=draw(st.sampled_from("xy")))
            invoked.add(process)
            continue
        invoked.discard(process)
        outcome = draw(st.sampled_from(["ok", "ok", "ok", "fail", "info"]))
        if outcome == "fail":
            history = history.fail(process)
        elif outcome == "info":
            gone.add(process)
        else:
            f = [op for op in history.operations if op.process == process][-1].f
            output = draw(st.sampled_from(["", "a", "b", "ab", "ba", "aa"])) if f == "get" else None
            history = history.complete(process, output)


@st.composite
def atomic_text_histories(draw, most: int = 8) -> History:
    """Clients of an atomic store: each operation takes effect at one instant between its invocation and its
    completion; a client may crash before or after."""
    history, state, flight, gone = History(), {}, {}, set()
    while True:
        active = [p for p in "ABC" if p not in gone and (p in flight or len(history.operations) < most)]
        if not active or (not flight and draw(st.integers(0, 7)) == 0):
            return history
        process = draw(st.sampled_from(active))
        if process not in flight:
            f = draw(st.sampled_from(["get", "put", "append"]))
            value, key = (None if f == "get" else draw(st.sampled_from("abc"))), draw(st.sampled_from("xy"))
            history = history.invoke(process, f, value, key=key)
            flight[process] = (f, value, key, False, None)
            continue
        f, value, key, applied, output = flight.pop(process)
        if draw(st.integers(0, 5)) == 0:
            gone.add(process)
        elif applied:
            history = history.complete(process, output)
        else:
            current = state.get(key, "")
            state[key] = value if f == "put" else current + value if f == "append" else current
            flight[process] = (f, value, key, True, current if f == "get" else None)


@SOME
@given(text_histories())
def test_get_put_append_linearizability_agrees_with_brute_force(history):
    result = check_linearizable(history, "kv")
    assert result.ok == brute_text(history)
    if not result.ok:
        assert set(result.core) <= set(history.operations)
        assert not brute_text(History(result.core))


@SOME
@given(text_histories())
def test_get_put_append_sequential_consistency_agrees_with_brute_force(history):
    assert check_sequential(history, "kv").ok == brute_text(history, real_time=False)


@SOME
@given(atomic_text_histories())
def test_histories_of_an_atomic_store_are_linearizable(history):
    assert check_linearizable(history, "kv").ok
    assert check_sequential(history, "kv").ok


# --- (b) Jepsen's jepsen.util logs ----------------------------------------------------------------------------

# A cas-register run as Jepsen logs it (log4j's `INFO  jepsen.util - ` prefix, as in the etcd runs of Porcupine's
# and Horn and Kroening's test data), with other log lines and the nemesis. Client 0 writes 1; client 1's cas 1->2
# completes while client 2 reads 2; client 3's cas [1 3] fails (did not happen); client 4's write 4 times out
# (:info, it may or may not have happened, and Jepsen logs :timed-out in place of its value). Then client 0 reads
# 1: not linearizable, since the cas replaced 1 with 2 before the read began and nothing wrote 1 again (the
# pending write writes 4). Reading 4 instead is linearizable: the timed-out write took effect.
CAS_LOG = lines(
    "INFO  jepsen.core - Running test jepsen.cas-register",
    "INFO  jepsen.util - :nemesis\t:info\t:start\tnil",
    "INFO  jepsen.util - 0\t:invoke\t:write\t1",
    "INFO  jepsen.util - 0\t:ok\t:write\t1",
    "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]",
    "INFO  jepsen.util - 2\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 1\t:ok\t:cas\t[1 2]",
    "INFO  jepsen.util - 2\t:ok\t:read\t2",
    "INFO  jepsen.util - :nemesis\t:info\t:start\t{\"n1\" #{\"n2\" \"n3\"}}",
    "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 3]",
    "INFO  jepsen.util - 3\t:fail\t:cas\t[1 3]",
    "INFO  jepsen.util - 4\t:invoke\t:write\t4",
    "INFO  jepsen.util - 4\t:info\t:write\t:timed-out",
    "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 0\t:ok\t:read\t1",
    "WARN  jepsen.core - Test crashed: no",
)


def test_a_cas_register_log_by_hand_and_by_brute_force():
    history = read_jepsen_log(CAS_LOG)
    assert [op.describe() for op in history.operations] == [
        "write 1", "cas 1 -> 2", "read -> 2", "write 4", "read -> 1"]
    assert history.operations[3].pending and [op.line for op in history.operations] == [3, 5, 6, 12, 14]
    result = check_linearizable(history)
    assert not result.ok and not brute_force(history, "register")
    assert [op.describe() for op in result.core] == ["write 1", "cas 1 -> 2", "read -> 1"]
    for last, verdict in (("4", True), ("2", True), ("1", False), ("3", False)):
        variant = read_jepsen_log(CAS_LOG.replace("0\t:ok\t:read\t1", f"0\t:ok\t:read\t{last}"))
        assert check_linearizable(variant).ok is verdict is brute_force(variant, "register")


@pytest.mark.parametrize("prefix", [
    "INFO  jepsen.util - ",                                                  # log4j (Jepsen 0.0.x)
    "2021-02-26 23:39:01,300{GMT}\tINFO\t[jepsen worker 1] jepsen.util: ",   # logback (Jepsen 0.1.x)
    "INFO [2019-04-17 17:38:16,855] jepsen worker 0 - jepsen.util ",         # unilog (Jepsen 0.1.10 on)
    "",                                                                      # history.txt, print-history
])
@pytest.mark.parametrize("separator", ["\t", "  "])
def test_every_log_layout_reads_the_same(prefix, separator):
    log = "".join(prefix + line.split("jepsen.util - ", 1)[1].replace("\t", separator) + "\n"
                  for line in CAS_LOG.splitlines() if "jepsen.util - " in line)
    assert read_jepsen_log(log).operations == read_jepsen_log(CAS_LOG).operations


def test_what_follows_the_value_is_ignored_and_nemesis_lines_skipped():
    log = lines("INFO  jepsen.util - 5\t:invoke\t:write\t[1 2]",
                "INFO  jepsen.util - 5\t:fail\t:write\t[1 2]\t[11 \"not a leader\"]",
                "INFO  jepsen.util - 6  :invoke :read   nil",
                "INFO  jepsen.util - 6  :ok     :read   [1 2] indeterminate: timed out",
                "INFO  jepsen.util - :nemesis\t:info\t:start\t#{:bad}")
    history = read_jepsen_log(log)
    assert [(op.f, op.output, op.line) for op in history.operations] == [("read", (1, 2), 3)]


# --- (d) the converter's EDN reads back the same --------------------------------------------------------------

def test_the_converted_log_reads_back_the_same():
    edn = jepsen_log_to_edn(CAS_LOG)
    assert edn.splitlines()[0] == "{:process 0, :type :invoke, :f :write, :value 1}"
    assert len(edn.splitlines()) == 12  # the 14 operation lines less the nemesis's two
    assert parse_edn(edn).operations == read_jepsen_log(CAS_LOG).operations


def pr_str(value) -> str:
    """`value` as Clojure's pr-str prints it, for the values Jepsen logs."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    if isinstance(value, Keyword):
        return str(value)
    if isinstance(value, tuple):
        return "[" + " ".join(map(pr_str, value)) + "]"
    return str(value)


VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                                st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t\"\\"),
                                        max_size=6),
                                st.sampled_from([Keyword("a"), Keyword("timed-out")])),
                      lambda items: st.lists(items, max_size=3).map(tuple), max_leaves=6)


@SOME
@given(st.lists(st.tuples(st.sampled_from(["read", "write", "cas", "put", "append", "get"]), VALUES,
                          st.sampled_from(["ok", "fail", "info", None]), VALUES), max_size=5),
       st.sampled_from(["INFO  jepsen.util - ", ""]), st.sampled_from(["\t", " "]))
def test_converted_random_logs_read_back_the_same(calls, prefix, separator):
    log = []
    for process, (f, value, outcome, output) in enumerate(calls):
        log.append(separator.join([str(process), ":invoke", f":{f}", pr_str(value)]))
        if outcome:
            log.append(separator.join([str(process), f":{outcome}", f":{f}", pr_str(output)]))
    text = "".join(prefix + line + "\n" for line in log)
    edn = jepsen_log_to_edn(text)
    assert [{key.name: value for key, value in form.items()} for _, form in read_forms(edn)] == [
        event for _, event in jepsen_log_events(text)]
    for keyed in (False, True):
        try:
            expected = read_jepsen_log(text, keyed).operations
        except HistoryError as error:
            with pytest.raises(HistoryError) as caught:
                parse_edn(edn, keyed)
            assert str(caught.value) == str(error)
            continue
        assert parse_edn(edn, keyed).operations == expected


# --- (e) through `concord lin` --------------------------------------------------------------------------------

def lin(*args):
    return subprocess.run([sys.executable, "-m", "checker", "lin", *args], capture_output=True, text=True,
                          timeout=60, env=ENV)


def test_cli_checks_a_jepsen_log_and_a_porcupine_kv_file(tmp_path):
    (tmp_path / "jepsen.log").write_text(CAS_LOG)
    p = lin(str(tmp_path / "jepsen.log"))
    assert p.returncode == 1 and p.stdout.startswith("FAIL: not linearizable (register model, 5 operations)")
    assert "read -> 1" in p.stdout and not p.stderr
    (tmp_path / "ok.log").write_text(CAS_LOG.replace("0\t:ok\t:read\t1", "0\t:ok\t:read\t4"))
    p = lin(str(tmp_path / "ok.log"))
    assert (p.returncode, p.stdout) == (0, "OK: linearizable (register model, 5 operations)\n")
    (tmp_path / "c02-ok.txt").write_text(KV_OK)
    (tmp_path / "c02-bad.txt").write_text(KV_BAD)
    assert lin(str(tmp_path / "c02-ok.txt"), "--model", "kv").stdout == "OK: linearizable (kv model, 8 operations)\n"
    p = lin(str(tmp_path / "c02-bad.txt"), "--model", "kv")
    assert p.returncode == 1 and 'these 3 operations on key "b" cannot be linearized' in p.stdout


def test_the_reader_tells_a_log_by_its_content(tmp_path):
    for name in ("history", "history.out", "run.txt"):
        (tmp_path / name).write_text(CAS_LOG)
        assert len(load_history(tmp_path / name).operations) == 5
    (tmp_path / "porcupine").write_text(KV_OK)
    assert len(load_history(tmp_path / "porcupine", keyed=True).operations) == 8
    (tmp_path / "events.txt").write_text('[{"process": 0, "type": "invoke", "f": "read"}]')
    assert load_history(tmp_path / "events.txt").operations[0].f == "read"


@pytest.mark.parametrize(("name", "text", "args", "line", "says"), [
    ("bad.log", "INFO  jepsen.util - 3\t:invoke\tcas\t[3 0]\n", [], 1, "expected an operation such as :read"),
    ("bad.log", "INFO  jepsen.util - 3\t:invoke\t:cas\n", [], 1, "missing the value"),
    ("bad.log", "noise\nINFO  jepsen.util - 3\t:invoke\t:cas\t[3 0\n", [], 2, "cannot read the value"),
    ("bad.log", "INFO  jepsen.util - 3\t:invoke\t:incr\t1\n", [], 1, "unknown operation 'incr'"),
    ("bad.log", "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t3\n", [], 2,
     "no operation in flight"),
    ("bad.log", "INFO  jepsen.core - nothing here\n", [], None, "no operation lines"),
    ("kv.txt", KV_OK, [], 1, "check them with the kv model"),
    ("kv.txt", '{:process 0, :type :invoke, :f :put, :value "x"}\n', [], 1,
     "register model has no put operation: get, put and append are kv operations"),
    ("kv.txt", '{:process 0, :type :invoke, :f :append, :key "k", :value 3}\n', ["--model", "kv"], 1,
     "append takes a string"),
    ("kv.txt", KV_OK, ["--model", "kv", "--initial", "0"], None, "initial value 0 is not one"),
])
def test_malformed_input_is_a_one_line_error(tmp_path, capsys, name, text, args, line, says):
    path = tmp_path / name
    path.write_text(text)
    assert main([str(path), *args]) == 2
    error = capsys.readouterr().err
    where = f"{path}:{line}: " if line else f"{path}: "
    assert error.startswith(f"concord: error: {where}") and says in error and error.count("\n") == 1, error


def test_a_malformed_log_through_the_real_command_has_no_traceback(tmp_path):
    (tmp_path / "bad.log").write_text("INFO  jepsen.util - 3\t:invoke\t:cas\t[3 0\n")
    p = lin(str(tmp_path / "bad.log"))
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.splitlines()) == 1


LOG_PIECES = ["INFO  jepsen.util - ", "3", ":nemesis", "\t", " ", ":invoke", ":ok", ":info", ":cas", ":get", "[", "]",
              "nil", '"', "#{", "\n", "1", ":f", "{", "}"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(LOG_PIECES), max_size=30).map("".join))
def test_the_log_reader_raises_only_history_errors(text):
    try:
        read_jepsen_log(text, keyed=False)
        read_jepsen_log(text, keyed=True)
        jepsen_log_to_edn(text)
    except HistoryError:
        pass
