"""Tests of the history checkers: agreement with brute force, published examples, file formats and `concord lin`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from checker.cli.lin import main
from specs.consistency import check_eventual, check_linearizable, check_sequential, is_linearizable
from specs.edn import Keyword
from specs.history import History, Operation, parse_edn, parse_json

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
ILLEGAL = object()
VALUES = (0, 1, 2)
KEYS = ("x", "y")
PROCESSES = ("A", "B", "C")
FEW = settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- a reference: every order, tried one by one --------------------------------------------------------------

def apply(state: tuple, op: Operation, model: str, initial) -> object:
    """The reference semantics: `state` is the queue, or the (key, value) pairs written so far."""
    if model == "queue":
        if op.f == "enq":
            return state + (op.value,)
        if op.ret is None:
            return state[1:]
        if op.output is None:
            return state if not state else ILLEGAL
        return state[1:] if state and state[0] == op.output else ILLEGAL
    current = dict(state).get(op.key, initial)
    if op.f == "read":
        return state if op.ret is None or op.output == current else ILLEGAL
    if op.f == "cas" and current != op.value[0]:
        return state if op.ret is None else ILLEGAL
    written = op.value if op.f == "write" else op.value[1]
    return tuple(sorted({**dict(state), op.key: written}.items()))


def brute_force(history: History, model: str, initial=None, real_time: bool = True) -> bool:
    """Whether some order of all completed operations and any of the pending ones is legal and keeps the
    real-time order (or, for sequential consistency, each client's order)."""
    def precedes(a: Operation, b: Operation) -> bool:
        if real_time:
            return a.ret is not None and a.ret < b.call
        return a.process == b.process and a.call < b.call

    def extend(remaining: list[Operation], state: tuple) -> bool:
        if all(op.ret is None for op in remaining):
            return True
        for op in remaining:
            if any(precedes(other, op) for other in remaining if other is not op):
                continue
            rest = [other for other in remaining if other is not op]
            after = apply(state, op, model, initial)
            if after is not ILLEGAL and extend(rest, after):
                return True
            if op.ret is None and extend(rest, state):
                return True
        return False

    return extend(list(history.operations), ())


# --- generated histories --------------------------------------------------------------------------------------

def random_call(draw, model: str) -> tuple[str, object, object]:
    """An operation name, input and key for `model`."""
    key = draw(st.sampled_from(KEYS)) if model == "kv" else None
    if model == "queue":
        return draw(st.sampled_from(["enq", "deq"])), draw(st.sampled_from((1, 2, 3))), key
    f = draw(st.sampled_from(["read", "write", "cas"]))
    value = None if f == "read" else draw(st.sampled_from(VALUES)) if f == "write" else (
        draw(st.sampled_from(VALUES)), draw(st.sampled_from(VALUES)))
    return f, value, key


@st.composite
def random_histories(draw, model: str = "register", most: int = 6) -> History:
    """Any well-formed history: each client invokes, then sees ok (any output), fail, or nothing ever again."""
    history, invoked, gone = History(), {}, set()
    while True:
        active = [p for p in PROCESSES if p not in gone and (p in invoked or len(history.operations) < most)]
        if not active or draw(st.integers(0, 9)) == 0:
            return history
        process = draw(st.sampled_from(active))
        if process not in invoked:
            f, value, key = random_call(draw, model)
            invoked[process] = f
            history = history.invoke(process, f, value, key)
            continue
        outcome = draw(st.sampled_from(["ok", "ok", "ok", "fail", "info"]))
        f = invoked.pop(process)
        if outcome == "fail":
            history = history.fail(process)
        elif outcome == "info":
            gone.add(process)
        else:
            output = draw(st.sampled_from((None, *VALUES) if model != "queue" else (None, 1, 2, 3)))
            history = history.complete(process, output if f in ("read", "deq") else None)


def take_effect(state: tuple, f: str, value, key, model: str) -> tuple[tuple, object, bool]:
    """An atomic object at work: the new state, the output, and whether the operation succeeded."""
    if model == "queue":
        return (state + (value,), None, True) if f == "enq" else (state[1:], state[0] if state else None, True)
    current = dict(state).get(key)
    if f == "read":
        return state, current, True
    if f == "cas" and current != value[0]:
        return state, None, False
    return tuple(sorted({**dict(state), key: value if f == "write" else value[1]}.items())), None, True


@st.composite
def atomic_histories(draw, model: str = "register", most: int = 8, crashes: bool = True) -> History:
    """A history of clients of an atomic object: each operation takes effect at one instant between its
    invocation and its completion (a cas that does not match fails); a crash may come before or after it."""
    history, state, flight, gone = History(), (), {}, set()
    while True:
        active = [p for p in PROCESSES if p not in gone and (p in flight or len(history.operations) < most)]
        if not active or (not flight and draw(st.integers(0, 7)) == 0):
            return history
        process = draw(st.sampled_from(active))
        if process not in flight:
            f, value, key = random_call(draw, model)
            history = history.invoke(process, f, value, key)
            flight[process] = (f, value, key, False, None)
            continue
        f, value, key, applied, output = flight.pop(process)
        if crashes and draw(st.integers(0, 5)) == 0:
            gone.add(process)
        elif applied:
            history = history.complete(process, output)
        else:
            state, output, succeeded = take_effect(state, f, value, key, model)
            if succeeded:
                flight[process] = (f, value, key, True, output)
            else:
                history = history.fail(process)


# --- agreement with brute force -------------------------------------------------------------------------------

@FEW
@given(st.sampled_from(["register", "kv", "queue"]).flatmap(lambda model: st.tuples(st.just(model),
                                                                                    random_histories(model))))
def test_linearizability_agrees_with_brute_force(case):
    model, history = case
    assert check_linearizable(history, model).ok == brute_force(history, model)


@FEW
@given(st.sampled_from(["register", "kv", "queue"]).flatmap(lambda model: st.tuples(st.just(model),
                                                                                    random_histories(model))))
def test_sequential_consistency_agrees_with_brute_force(case):
    model, history = case
    assert check_sequential(history, model).ok == brute_force(history, model, real_time=False)


@FEW
@given(st.sampled_from(["register", "kv", "queue"]).flatmap(lambda model: st.tuples(st.just(model),
                                                                                    random_histories(model))))
def test_failing_core_fails_alone_and_comes_from_the_history(case):
    model, history = case
    result = check_linearizable(history, model)
    if not result.ok:
        assert set(result.core) <= set(history.operations)
        assert set(result.core) <= set(result.window) <= set(history.operations)
        assert not brute_force(History(result.core), model)


@FEW
@given(st.sampled_from(["register", "kv", "queue"]).flatmap(lambda model: st.tuples(st.just(model),
                                                                                    atomic_histories(model))))
def test_histories_of_an_atomic_object_are_linearizable(case):
    model, history = case
    assert check_linearizable(history, model).ok
    assert check_sequential(history, model).ok


@FEW
@given(atomic_histories("register", crashes=False), st.data())
def test_a_single_stale_read_after_an_acknowledged_write_is_not_linearizable(history, data):
    older = [None] + [op.value if op.f == "write" else op.value[1] for op in history.operations if op.f != "read"]
    stale = data.draw(st.sampled_from(older))
    history = history.invoke("A", "write", 9).complete("A").invoke("B", "read").complete("B", stale)
    result = check_linearizable(history)
    assert not result.ok
    assert history.operations[-1] in result.core
    assert any(op.f != "read" for op in result.core)
    assert not brute_force(History(result.core), "register")


def test_the_stale_read_core_is_the_write_the_overwrite_and_the_read():
    history = (History().invoke(0, "write", 1).complete(0).invoke(1, "write", 2).complete(1)
               .invoke(2, "read").complete(2, 2).invoke(0, "read").complete(0, 1))
    result = check_linearizable(history)
    assert [str(op) for op in result.core] == ["write 1", "write 2", "read -> 1"]
    assert check_sequential(history).ok


# --- published cases: Herlihy and Wing, "Linearizability", TOPLAS 1990 ----------------------------------------

def events(*steps: tuple) -> History:
    """A history from (process, "invoke", f[, value]) and (process, "ok"[, output]) steps."""
    history = History()
    for process, kind, *rest in steps:
        history = history.invoke(process, *rest) if kind == "invoke" else history.complete(process, *rest)
    return history


QUEUE_HISTORIES = {  # figure 1, as transcribed in lorin/tla-linearizability
    "H1": (events(("A", "invoke", "enq", "x"), ("B", "invoke", "enq", "y"), ("B", "ok"), ("A", "ok"),
                  ("B", "invoke", "deq"), ("B", "ok", "x"), ("A", "invoke", "deq"), ("A", "ok", "y"),
                  ("A", "invoke", "enq", "z")), True),
    "H2": (events(("A", "invoke", "enq", "x"), ("A", "ok"), ("B", "invoke", "enq", "y"), ("A", "invoke", "deq"),
                  ("B", "ok"), ("A", "ok", "y")), False),
    "H3": (events(("A", "invoke", "enq", "x"), ("B", "invoke", "deq"), ("B", "ok", "x")), True),
    "H4": (events(("A", "invoke", "enq", "x"), ("B", "invoke", "enq", "y"), ("A", "ok"), ("B", "ok"),
                  ("A", "invoke", "deq"), ("C", "invoke", "deq"), ("A", "ok", "y"), ("C", "ok", "y")), False),
}


def register_history(last_read: int) -> History:
    """Figure 2's register histories (as drawn in mwhittaker/linearizability): B's write of 1 spans A's read
    of 1 and C's write of 0; then B reads `last_read`."""
    return events(("A", "invoke", "write", 0), ("A", "ok"), ("B", "invoke", "write", 1), ("A", "invoke", "read"),
                  ("A", "ok", 1), ("C", "invoke", "write", 0), ("C", "ok"), ("B", "ok"), ("B", "invoke", "read"),
                  ("B", "ok", last_read))


@pytest.mark.parametrize("name", sorted(QUEUE_HISTORIES))
def test_herlihy_wing_queue_histories(name):
    history, acceptable = QUEUE_HISTORIES[name]
    result = check_linearizable(history, "queue")
    assert result.ok is acceptable
    assert result.ok is brute_force(history, "queue")
    if not acceptable:
        assert not brute_force(History(result.core), "queue")


def test_herlihy_wing_queue_h2_core_is_its_three_operations():
    result = check_linearizable(QUEUE_HISTORIES["H2"][0], "queue")
    assert [str(op) for op in result.core] == ['enq "x"', 'enq "y"', 'deq -> "y"']


@pytest.mark.parametrize(("last_read", "acceptable"), [(0, True), (1, False)])
def test_herlihy_wing_register_histories(last_read, acceptable):
    result = check_linearizable(register_history(last_read))
    assert result.ok is acceptable
    if not acceptable:
        assert [str(op) for op in result.core] == ["write 1", "read -> 1", "write 0", "read -> 1"]


def test_sequential_consistency_ignores_real_time_but_not_program_order():
    assert check_sequential(register_history(1)).ok
    reversed_reads = events(("A", "invoke", "write", 1), ("A", "ok"), ("A", "invoke", "write", 2), ("A", "ok"),
                            ("B", "invoke", "read"), ("B", "ok", 2), ("B", "invoke", "read"), ("B", "ok", 1))
    result = check_sequential(reversed_reads)
    assert not result.ok
    assert len(result.core) == 4


def test_sequential_consistency_is_not_compositional():
    dekker = events((0, "invoke", "write", 1, "x"), (1, "invoke", "write", 1, "y"), (0, "ok"), (1, "ok"),
                    (0, "invoke", "read", None, "y"), (1, "invoke", "read", None, "x"), (0, "ok", None),
                    (1, "ok", None))
    for key in KEYS:
        assert check_sequential([op for op in dekker.operations if op.key == key], "kv").ok
    assert not check_sequential(dekker, "kv").ok
    assert not check_linearizable(dekker, "kv").ok


def test_kv_keys_are_checked_independently_and_report_the_key():
    history = (History().invoke(0, "write", 1, key="x").complete(0).invoke(1, "write", 5, key="y").complete(1)
               .invoke(0, "write", 2, key="x").complete(0).invoke(1, "read", key="x").complete(1, 1))
    result = check_linearizable(history, "kv")
    assert not result.ok
    assert 'on key "x"' in result.reason
    assert {op.key for op in result.core} == {"x"}


def test_a_crashed_write_may_or_may_not_have_happened():
    crashed = History().invoke(0, "write", 1)
    assert check_linearizable(crashed.invoke(1, "read").complete(1, 1)).ok
    assert check_linearizable(crashed.invoke(1, "read").complete(1, None)).ok
    assert not check_linearizable(crashed.invoke(1, "read").complete(1, 2)).ok


def test_initial_value():
    history = History().invoke(0, "read").complete(0, 0)
    assert not check_linearizable(history).ok
    assert check_linearizable(history, initial=0).ok


def test_is_linearizable_is_cached_by_value():
    history = History().invoke(0, "write", 1).complete(0).invoke(1, "read").complete(1, 1)
    assert is_linearizable(history)
    hits = is_linearizable.cache_info().hits
    assert is_linearizable(History(history.operations, history.clock))
    assert is_linearizable.cache_info().hits == hits + 1


def test_recorder_refuses_a_second_operation_in_flight():
    with pytest.raises(ValueError):
        History().invoke(0, "read").invoke(0, "read")
    with pytest.raises(ValueError):
        History().complete(0)


# --- eventual consistency -------------------------------------------------------------------------------------

def writes_then_overwrite() -> History:
    return History().invoke(0, "write", 1).complete(0).invoke(1, "write", 2).complete(1)


def test_eventual_consistency_needs_converged_replicas():
    assert check_eventual({"a": 2, "b": 2, "c": 2}, writes_then_overwrite()).ok
    diverged = check_eventual({"a": 2, "b": 1})
    assert not diverged.ok and "a holds 2, b holds 1" in diverged.reason.replace('"', "")


def test_eventual_consistency_refuses_lost_updates_and_values_from_nowhere():
    lost = check_eventual({"a": 1, "b": 1}, writes_then_overwrite())
    assert not lost.ok and "lost update" in lost.reason
    assert not check_eventual({"a": 7, "b": 7}, writes_then_overwrite()).ok
    assert check_eventual({"a": None}, History()).ok


def test_eventual_consistency_of_a_kv_store():
    history = (History().invoke(0, "write", 1, key="x").complete(0)
               .invoke(1, "write", 3, key="y").complete(1))
    assert check_eventual({"a": {"x": 1, "y": 3}, "b": {"x": 1, "y": 3}}, history, "kv").ok
    result = check_eventual({"a": {"x": 1, "y": 3}, "b": {"x": 1}}, history, "kv")
    assert not result.ok and 'key "y"' in result.reason


# --- file formats ---------------------------------------------------------------------------------------------

EDN_LINES = """\
{:process 0, :type :invoke, :f :write, :value 3}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :write, :value 3}
{:process 1, :type :ok, :f :read, :value 3}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 2, :type :invoke, :f :cas, :value [3 4]}
{:process 3, :type :invoke, :f :write, :value 5}
{:process 2, :type :info, :f :cas, :value [3 4], :error :timeout}
{:process 3, :type :fail, :f :write, :value 5}
"""


def test_edn_lines_and_vector_read_the_same():
    lines = parse_edn(EDN_LINES)
    vector = parse_edn("[" + EDN_LINES + "]")
    assert lines == vector
    write, read, cas = lines.operations
    assert (write.f, write.value, write.call, write.ret, write.line) == ("write", 3, 0, 2, 1)
    assert (read.output, read.ret) == (3, 3)
    assert cas.value == (3, 4) and cas.pending


def test_edn_kv_values_are_key_value_pairs():
    history = parse_edn('{:process 0 :type :invoke :f :write :value [:x 1]}\n'
                       '{:process 0 :type :ok :f :write :value [:x 1]}\n'
                       '{:process 1 :type :invoke :f :read :value [:x nil]}\n'
                       '{:process 1 :type :ok :f :read :value [:x 1]}\n'
                       '{:process 1 :type :invoke :f :cas :value [:x [1 2]]}\n', keyed=True)
    assert [(op.key, op.f, op.value, op.output) for op in history.operations] == [
        (Keyword("x"), "write", 1, None), (Keyword("x"), "read", None, 1), (Keyword("x"), "cas", (1, 2), None)]


def test_json_events_and_operations():
    events_json = json.dumps([
        {"process": 0, "type": "invoke", "f": "write", "value": 1},
        {"process": 0, "type": "ok", "f": "write", "value": 1},
        {"process": 1, "type": "invoke", "f": "cas", "value": [1, 2]},
        {"process": 1, "type": "ok", "f": "cas", "value": [1, 2]}], indent=1)
    operations_json = json.dumps([
        {"process": 0, "f": "write", "value": 1, "call": 0, "return": 1},
        {"process": 1, "f": "cas", "value": [1, 2], "call": 2, "return": 3}])
    assert parse_json(events_json).operations == parse_json(operations_json).operations
    assert [op.line for op in parse_json(events_json).operations] == [2, 14]
    jsonl = "\n".join(json.dumps(event) for event in json.loads(events_json))
    assert parse_json(jsonl).operations == parse_json(events_json).operations


@pytest.mark.parametrize(("suffix", "text", "line", "message"), [
    (".edn", '{:process 0, :type :invoke, :f :write, :value 3}\n{:process 0, :type :ok', 2, "never closed"),
    (".edn", '{:process 0, :type :invoke, :f :write, :value 3}\n\n{:process 0 :type :ok :f :write :value @}', 3,
     "unexpected character"),
    (".edn", '{:process 0, :type :ok, :f :write, :value 3}', 1, "no operation in flight"),
    (".edn", '{:process 0, :type :invoke, :f :write}\n{:process 0, :type :invoke, :f :read}', 2, "before its write"),
    (".edn", '{:process 0, :type :invoke, :f :incr, :value 1}', 1, "unknown operation"),
    (".edn", '{:process 0, :type :invoke, :f :cas, :value 1}', 1, "[old new]"),
    (".edn", '{:process 0, :type :invoke, :f :read}\n(:a :b)', 2, "not supported"),
    (".edn", '{:process 0, :type :invoke, :f :read, :f :write}', 1, "repeats the key"),
    (".edn", '{:process 0, :type :invoke, :f :read "text}', 1, "never closed"),
    (".json", '[\n{"process": 0, "type": "invoke", "f": "write", "value": 1},\n{"process": 0 "type": "ok"}\n]', 3,
     "invalid JSON"),
    (".json", '[\n{"process": 0, "type": "invoke", "f": "write", "value": 1},\n{"process": 0, "f": "write"}\n]', 3,
     "missing 'type'"),
    (".json", '[\n {"process": 0, "f": "write", "value": 1, "call": 0, "return": 1},\n {"process": 0, "f": "read"}]', 3,
     "missing 'call'"),
    (".json", '[{"process": 0, "type": "invoke", "f": "write", "value": 1, "key": "x"}]', 1, "kv model"),
    (".json", '[{"process": 0, "type": "invoke", "f": "write", "value": {"a": 1}}]', 1, "maps are not supported"),
    (".json", '[1, 2]', 1, "expected an object"),
    (".json", '[{"process": 0, "type": "invoke", "f": "read"}', 1, "expected ',' or ']'"),
])
def test_bad_input_exits_2_with_the_line(tmp_path, capsys, suffix, text, line, message):
    path = tmp_path / f"history{suffix}"
    path.write_text(text)
    assert main([str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"concord: error: {path}:{line}: ") and message in error
    assert error.count("\n") == 1


def test_a_queue_operation_on_a_register_is_refused(tmp_path, capsys):
    path = tmp_path / "history.json"
    path.write_text('[{"process": 0, "type": "invoke", "f": "enq", "value": 1}]')
    assert main([str(path)]) == 2
    assert "register model has no enq" in capsys.readouterr().err
    assert main([str(path), "--model", "queue"]) == 0


def test_usage_errors_are_one_line(capsys):
    assert main(["--model", "stack", str(EXAMPLES / "ok.json")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("concord: error: argument --model") and error.count("\n") == 1


def test_initial_value_from_the_command_line(tmp_path):
    path = tmp_path / "reads-zero.edn"
    path.write_text("[{:process 0 :type :invoke :f :read} {:process 0 :type :ok :f :read :value 0}]")
    assert main([str(path)]) == 1
    assert main([str(path), "--initial", "0"]) == 0
    queue = tmp_path / "queue.json"
    queue.write_text('[{"process": 0, "f": "deq", "output": 7, "call": 0, "return": 1}]')
    assert main([str(queue), "--model", "queue", "--initial", "[7]"]) == 0


def test_missing_file_and_bad_initial_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "absent.edn")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main([str(EXAMPLES / "ok.json"), "--initial", "{:a"]) == 2
    assert capsys.readouterr().err.startswith("concord: error: --initial: ")


# --- the command line -----------------------------------------------------------------------------------------

def test_cli_accepts_a_linearizable_history(capsys):
    assert main([str(EXAMPLES / "ok.json")]) == 0
    assert capsys.readouterr().out.startswith("OK: linearizable")


def test_cli_prints_the_failing_window_and_writes_json_and_pictures(tmp_path, capsys):
    out = tmp_path / "verdict.json"
    code = main([str(EXAMPLES / "stale-read.edn"), "--json", str(out), "--render", str(tmp_path / "pictures")])
    assert code == 1
    printed = capsys.readouterr().out
    assert "FAIL: not linearizable" in printed and "read -> 1" in printed
    verdict = json.loads(out.read_text())
    assert verdict["ok"] is False and [op["f"] for op in verdict["core"]] == ["write", "write", "read"]
    dot = (tmp_path / "pictures" / "stale-read.dot").read_text()
    assert dot.count("#f7b2ac") == 3 and "client 0" in dot


def test_cli_checks_sequential_consistency_and_kv(capsys):
    assert main([str(EXAMPLES / "stale-read.edn"), "--consistency", "sequential"]) == 0
    assert main([str(EXAMPLES / "kv-stale.edn"), "--model", "kv"]) == 1
    assert 'on key :x' in capsys.readouterr().out
