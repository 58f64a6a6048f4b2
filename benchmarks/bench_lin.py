"""Benchmark of the history checkers on long random histories of a correct register and key-value store."""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from specs.consistency import check, is_linearizable, is_sequential  # noqa: E402
from specs.history import History, Operation  # noqa: E402


def correct_history(count: int, clients: int, keys: int, seed: int, crashes: float = 0.0) -> History:
    """`count` operations of `clients` clients on an atomic store: each takes effect inside its interval.

    Reads, writes and cas over a few small values, as Jepsen's cas-register test does: a cas that does not
    match fails and is dropped, as Jepsen drops `:fail`. A fraction `crashes` of writes and cas never return.
    """
    rng = random.Random(seed)
    free_at = [0.0] * clients
    planned = []
    for _ in range(count):
        client = min(range(clients), key=free_at.__getitem__)
        call = free_at[client] + rng.expovariate(1.0)
        effect = call + rng.expovariate(0.5)
        ret = effect + rng.expovariate(0.5)
        free_at[client] = ret
        planned.append((effect, client, call, ret, rng.choice(["read", "read", "write", "cas"]),
                        rng.randrange(keys), rng.randrange(5), rng.randrange(5)))
    store: dict[int | None, int] = {}
    operations = []
    for effect, client, call, ret, f, key, a, b in sorted(planned):
        key = key if keys > 1 else None
        crashed = rng.random() < crashes
        if f == "read":
            output = store.get(key)
            operations.append(Operation(client, "read", None, output, call, ret, key))
            continue
        if f == "cas" and store.get(key) != a:
            continue
        store[key] = b if f == "cas" else a
        value = (a, b) if f == "cas" else a
        operations.append(Operation(client, f, value, None, call, None if crashed else ret, key))
    operations.sort(key=lambda op: op.call)
    return History(tuple(operations), 2 * len(operations))


def with_stale_read(history: History, model: str, fraction: float) -> History:
    """`history` with one read, about `fraction` of the way through, returning a value it cannot see."""
    operations = list(history.operations)
    start = int(len(operations) * fraction)
    for position in range(start, len(operations)):
        op = operations[position]
        if op.f != "read":
            continue
        for value in range(5):
            if value != op.output:
                operations[position] = replace(op, output=value)
                candidate = History(tuple(operations), history.clock)
                if not is_linearizable(candidate, model):
                    return candidate
        operations[position] = op
    raise RuntimeError("no read could be made stale")


def run(label: str, history: History, model: str, consistency: str = "linearizable") -> None:
    """Print the seconds to decide, and to decide and shrink the failure to its core."""
    decide = is_linearizable if consistency == "linearizable" else is_sequential
    decide.cache_clear()
    started = time.perf_counter()
    verdict = decide(history, model)
    decided = time.perf_counter() - started
    started = time.perf_counter()
    result = check(history, consistency, model)
    explained = time.perf_counter() - started
    assert result.ok is verdict
    core = "" if verdict else f"{explained:9.3f} s   core of {len(result.core)}"
    print(f"{label:<44} {len(history.operations):>6} {'ok' if verdict else 'violation':>10} {decided:8.3f} s {core}",
          flush=True)


def write_edn(path: Path, count: int, clients: int, seed: int) -> None:
    """A sequential Jepsen EDN history (each operation completes before the next is invoked) of `count`
    operations by `clients` clients in turn on one correct register, written line by line."""
    rng = random.Random(seed)
    value = None
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            process = index % clients
            f = rng.choice(["read", "write", "write", "cas"])
            if f == "write":
                new = rng.randrange(5)
                shown, effect, value = new, new, new
            elif f == "cas":
                expected, new = rng.randrange(5), rng.randrange(5)
                shown, effect = f"[{expected} {new}]", "ok" if expected == value else "fail"
                value = new if expected == value else value
            else:
                shown, effect = "nil", value
            out.write(f"{{:type :invoke, :f :{f}, :value {shown if f != 'read' else 'nil'}, :process {process}}}\n")
            kind = ":fail" if effect == "fail" else ":ok"
            result = "nil" if value is None and f == "read" else (value if f == "read" else shown)
            out.write(f"{{:type {kind}, :f :{f}, :value {result}, :process {process}}}\n")


def big(count: int, clients: int) -> None:
    """Time `concord lin` on one long sequential history, in a fresh process: seconds and peak RSS."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "history.edn"
        write_edn(path, count, clients, seed=count)
        size = path.stat().st_size
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "checker", "lin", str(path)], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent.parent, env={**os.environ, "PYTHONHASHSEED": "0"})
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = done.stdout.splitlines()[0] if done.stdout else done.stderr.strip()
    print(f"{count:,} operations, {clients} clients, sequential, {size / 2**20:.1f} MB of EDN: "
          f"{seconds:.1f} s, peak RSS {peak:,.0f} MB, exit {done.returncode}: {verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", type=int, metavar="N",
                        help="only time `concord lin` on one sequential EDN history of N operations (e.g. 500000)")
    parser.add_argument("--clients", type=int, default=5)
    args = parser.parse_args()
    if args.big:
        return big(args.big, args.clients)
    print(f"{'case':<44} {'ops':>6} {'verdict':>10} {'decide':>10} {'with core':>11}")
    for count in (1_000, 10_000):
        for clients, keys in ((5, 1), (10, 1), (10, 8)):
            model = "kv" if keys > 1 else "register"
            history = correct_history(count, clients, keys, seed=count + clients + keys)
            shape = f"{count:>5} planned, {clients:>2} clients, {keys} key{'s' if keys > 1 else ''}"
            run(f"correct     {model:<8} {shape}", history, model)
            run(f"stale read  {model:<8} {shape}", with_stale_read(history, model, fraction=0.9), model)
    history = correct_history(1_000, 5, 1, seed=5, crashes=0.01)
    run("correct     register  1000 planned,  5 clients, 1% :info", history, "register")
    run("stale read  register  1000 planned,  5 clients, 1% :info", with_stale_read(history, "register", 0.9),
        "register")
    history = correct_history(1_000, 5, 1, seed=7)
    run("sequential  register  1000 planned,  5 clients, 1 key", history, "register", "sequential")


if __name__ == "__main__":
    main()
