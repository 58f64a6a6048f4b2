"""``check(model, ...)``: run a search and turn what it found into a Result."""

from __future__ import annotations

import gc
import resource
import sys
import time
from itertools import islice

from .bfs import bfs
from .checkpoint import CheckpointError, restore
from .compiled import MAX_INITS, TooManyInits, compile_model
from .derived import expanding
from .diff import fmt
from .dfs import dfs
from .live import UNSUPPORTED, judge, plan
from .liveness import vacuous
from .fingerprint import fresh_fingerprint
from .model import Model, ModelError
from .parallel import Cluster, parallel_bfs, parallel_simulate
from .result import Result, Violation
from .search import Options, Search, Stop
from .simulate import shorten, simulate
from .store import omission
from .trace import TraceError, diagnose, rebuild, verify

__all__ = ["check"]

STRATEGIES = {"bfs": bfs, "dfs": dfs, "simulate": simulate}


def check(
    model: Model,
    *,
    properties: list[str] | None = None,
    strategy: str = "bfs",
    symmetry: bool = False,
    exact: bool = False,
    deadlock: bool = False,
    stop_at_first: bool = True,
    max_states: int | None = None,
    max_depth: int | None = None,
    time_limit: float | None = None,
    memory: int | None = None,
    progress: bool = False,
    traces: int | None = None,
    seed: int = 0,
    workers: int = 1,
    checkpoint: str | None = None,
    checkpoint_every: float = 300.0,
    resume: str | None = None,
    origin: dict | None = None,
    bitstate: int | None = None,
    cluster: str | None = None,
    fairness: list | None = None,
) -> Result:
    """Explore every reachable state of model and check its properties.

    ``symmetry=True`` stores one state per orbit of the ids the model declares interchangeable;
    ``exact=True`` stores whole states (their canonical encodings) instead of 64-bit fingerprints.
    ``time_limit`` (seconds) and ``memory`` (bytes of peak resident memory) end the run early, as
    ``max_states`` and ``max_depth`` do: the result is then marked partial. ``strategy="simulate"``
    takes random walks instead (checker/simulate.py): ``max_depth`` steps each (100 unless given), at most
    ``traces`` of them, drawn from ``seed``; its traces are shortened, and without a violation it is partial.
    ``workers`` > 1 runs BFS on that many processes (checker/parallel), with the counts and traces of one;
    or the simulation, each process walking from its own seed. ``checkpoint`` (BFS): a directory where the
    search is written every ``checkpoint_every`` seconds and when it is cut short (a limit, Ctrl-C);
    ``resume`` goes on from such a directory, with the same model, to the counts of an uninterrupted run
    (``origin``: how to build the model again, kept for ``concord resume``). ``bitstate=b`` stores each
    state as 3 bits of a table of 2^b bits (SPIN's supertrace), for spaces beyond any store: some states
    may be missed, so such a run is never complete; the estimate of how many is in its partial reason.
    ``cluster`` runs the workers as Ray actors (checker/parallel/cluster.py): ``"local:N"`` starts a Ray
    cluster of N CPUs here, anything else is a running cluster's address; ``workers`` (if > 1) or else one
    per CPU of the cluster. Raises ClusterError when Ray is missing or the cluster cannot be reached.
    Temporal properties (checker.temporal) are judged on the state graph BFS records in one process, under
    ``fairness`` (WF/SF conditions; None: the model's own); with several workers, a cluster, symmetry,
    bitstate, checkpoints, DFS or simulation they are left out (the result says so), or, when asked for by
    name, a ValueError.
    Raises ModelError for a badly defined model; an error inside the model during the search is
    reported in the result (verdict ``"error"``) with the trace that led to it.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if (checkpoint or resume) and strategy != "bfs":
        raise ValueError("checkpoints are written by BFS only")
    if bitstate and (exact or strategy == "simulate"):
        raise ValueError("bitstate replaces the store of fingerprints: not with exact or simulate")
    if cluster and (exact or strategy == "dfs"):
        raise ValueError(f"{'exact' if exact else 'dfs'} runs in one process, not on a cluster")
    deadline = time.monotonic() + time_limit if time_limit else None
    modes = {"symmetry": symmetry, "bitstate": bitstate, "checkpoint": checkpoint or resume, "dfs": strategy == "dfs",
             "simulate": strategy == "simulate", "cluster": cluster, "workers": workers > 1}
    without = next((UNSUPPORTED[k] for k, on in modes.items() if on), None)
    left_out = []
    if without:
        temporal = [p.name for p in type(model).properties() if p.kind == "liveness"]
        asked = [n for n in properties or () if n in temporal]
        if asked:
            raise ValueError(f"{asked[0]} is a liveness property: it is judged by BFS in one process, "
                             f"not with {without}")
        if temporal and properties is None:
            properties = [p.name for p in type(model).properties() if p.kind != "liveness"]
            left_out = temporal
    try:
        compiled = compile_model(model, properties, symmetry, exact, deadline, max_states or MAX_INITS)
    except TooManyInits as cut:
        if not (cut.by_time or max_states):
            raise ModelError(f"{cut}: is it endless? (--max-states bounds it)") from None
        return _cut_short(model, strategy, str(cut))
    _probe_mutation(compiled, deadline)
    opts = Options(stop_at_first, deadlock, max_states, max_depth, time_limit, progress, memory, traces, seed,
                   checkpoint, checkpoint_every, origin, bitstate)
    search = Search(compiled, opts, strategy)
    live = plan(compiled, fairness)
    if live is not None:
        search.graph = live.recorder([act.name for act in compiled.actions])
    start = restore(resume, search) if resume else None
    search.result.stats.earlier = search.generated
    result = search.result
    result.properties = compiled.properties
    result.quorums = _check_quorums(model, progress)
    search.rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Z3's memory is not the search's
    backend = Cluster(cluster, type(model)) if cluster else None
    if backend is not None:
        workers = workers if workers > 1 else backend.cpus
        result.stats.cluster = cluster
    complete = False
    collecting = gc.isenabled()
    gc.disable()  # states are immutable values: reference counting frees them, no cycles to find
    try:
        if strategy == "bfs":
            parallel_bfs(search, workers, start=start, backend=backend)
        elif strategy == "simulate" and workers > 1:
            parallel_simulate(search, workers, backend)
        else:
            STRATEGIES[strategy](search)
        complete = not result.partial
    except Stop:
        pass
    except KeyboardInterrupt as stop:
        result.partial = f"interrupted ({'SIGTERM' if str(stop) == 'SIGTERM' else 'Ctrl-C'})"
    except CheckpointError as e:
        result.error = f"{compiled.name}: {e}"
    except MemoryError:
        search.expanding = None
        result.partial = "out of memory: bound the run (--max-states, --max-depth, --memory) or use --dfs"
    except SystemExit as exc:  # sys.exit() inside the model: an error of the model, not the end of the run
        _record_error(search, _Exited(f"called sys.exit({exc.code!r})"))
    except Exception as exc:
        _record_error(search, exc)
    finally:
        if backend is not None:
            backend.close()
        expanding(None)  # let go of the last state expanded
        if collecting:
            gc.freeze()  # what the search left alive is acyclic: spare the collector a pass over it
            gc.enable()
    search.finish()
    if bitstate and not result.partial:
        complete = False
        result.partial = _omissions(search.seen)
    if search.checkpointed is not None:
        result.checkpoint = checkpoint
    if left_out:
        result.liveness = f"not judged with {without}: {', '.join(left_out)}"
    elif live is not None:
        _judge(search, live, complete)
    _collect(search, complete)
    if strategy == "simulate":
        _shortened(compiled, result, deadline)
    return result


def _judge(search: Search, live, complete: bool) -> None:
    """The temporal properties on the recorded graph, when the search explored it all; else why not."""
    result = search.result
    result.fairness = live.fairness
    names = ", ".join(dict.fromkeys(i.prop.name for i in live.instances))
    if not complete:
        why = "the search stopped at a violation" if search.violated else "the search was cut short"
        result.liveness = f"not judged ({why}): {names}"
        return
    graph = search.graph.graph()
    began = time.monotonic()
    if search.opts.progress:
        print(f"concord: judging liveness ({names}) on {len(graph.steps):,} states and "
              f"{len(search.graph.targets):,} steps", file=sys.stderr, flush=True)
    try:
        result.violations += judge(search.c, live, graph, search.fps)
        found = any(v.kind == "liveness" for v in result.violations)  # a lasso found is a fair behaviour
        empty = not found and not result.error and vacuous(graph, live.fairness)
    except TraceError as e:
        result.error, empty = f"{search.c.name}: no lasso can be shown: {e}", False
    except KeyboardInterrupt:  # the safety verdicts stand; the liveness ones were not all reached
        result.partial = "interrupted (Ctrl-C) while judging liveness"
        result.liveness = f"not judged (interrupted): {names}"
        return
    steps = len(search.graph.targets)
    result.liveness = (f"judged on {len(graph.steps):,} states and {steps:,} steps in "
                       f"{time.monotonic() - began:.2f} s; the graph took {search.graph.bytes() / 2**20:,.1f} MB")
    if empty:
        result.liveness += ("; beware: no fair behaviour stays within the scope (each leaves it or is unfair), "
                            "so every liveness property holds vacuously")
    search.graph = None


def _omissions(seen) -> str:
    """Why a bitstate run proves nothing, in figures."""
    fill, now, missed = omission(seen)
    return (f"bitstate: 2^{seen.b} bits, {seen.k} a state, {fill:.2%} set; about {missed:,.1f} new states were "
            f"taken for states seen (an estimate), and with them whatever only they lead to; a new state is now "
            f"taken for one seen with probability {now:.1E}; not exhaustive")


PROBED = 4  # initial states on which every action is first run to see that it leaves its input alone


def _probe_mutation(c, deadline: float | None) -> None:
    """Run every action on the first initial states and check that none changes the state it is given.

    The checker's value types cannot change; a model that reaches into one (a Bag's counts, a frozen
    dataclass forced with object.__setattr__) would otherwise be taken for a stutter or corrupt states
    already stored. A model error here is left for the search to diagnose.
    """
    for s in c.inits[:PROBED]:
        try:
            before = fresh_fingerprint(s)
            for ai, fn, static, dynamic in c.calls:
                for args in islice(c.arg_tuples(static, dynamic, s), PROBED):
                    if deadline is not None and time.monotonic() >= deadline:
                        return
                    fn(s, *args)
                    if fresh_fingerprint(s) != before:
                        raise ModelError(f"{c.name}: action {c.label(ai, args)} changed the state it was given; "
                                         "states must never change: return a new state")
        except ModelError:
            raise
        except Exception:
            return


class _Exited(Exception):
    """The model called sys.exit()."""


def _cut_short(model: Model, strategy: str, why: str) -> Result:
    """The result of a run stopped before its first state was stored."""
    result = Result(model.describe(), strategy)
    result.partial = f"stopped: {why}"
    result.verdict = "partial"
    result.stats.peak_memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


def _check_quorums(model: Model, progress: bool) -> list:
    """The verdicts on the quorum requirements a model declares, before any state is explored: each
    requirement proves itself (specs.quorum's requirements with Z3); the engine only asks."""
    declared = getattr(model, "quorum_requirements", None)
    if declared is None:
        return []
    results = [requirement.prove() for requirement in declared()]
    if progress:
        for r in results:
            print(f"concord: quorums {r.verdict} by Z3 in {r.ms:.1f} ms: {r.requirement}", file=sys.stderr, flush=True)
    return results


def _record_error(search: Search, exc: Exception) -> None:
    c = search.c
    index, state = search.expanding or (-1, None)
    search.result.exception = exc
    search.result.error = f"{c.name}: {diagnose(c, state, exc)}"
    if state is not None:
        search.result.error += f"\n  in state {fmt(state)}"
        try:
            trace = search.traces[None] if None in search.traces else rebuild(search, index, None, None, state)
            verify(c, trace, None, None)
            search.result.error_trace = trace
        except Exception:  # the model fails while replaying, too: keep the message alone
            pass


def _collect(search: Search, complete: bool) -> None:
    """Rebuild one trace per violated property and per found witness, replay each; set the verdict."""
    result = search.result
    c = search.c
    docs = {p.name: p.doc for p in c.properties}
    docs["Deadlock"] = "Some action is enabled in every reachable state."
    try:
        for name, (kind, parent, ai, args, t) in search.violated.items():
            trace = search.traces[name] if name in search.traces else rebuild(search, parent, ai, args, t)
            _verified(c, trace, kind, name)
            result.violations.append(Violation(name, kind, docs.get(name, ""), trace))
        for name, (parent, ai, args, t) in search.found.items():
            trace = search.traces[name] if name in search.traces else rebuild(search, parent, ai, args, t)
            _verified(c, trace, "reachable", name)
            result.witnesses.append(Violation(name, "reachable", docs.get(name, ""), trace))
    except TraceError as e:
        result.error = f"{c.name}: no trace can be shown: {e}"
    if complete:
        for name, _ in search.pending_reachables:
            result.violations.append(Violation(name, "reachable", docs.get(name, ""), []))
    if result.error:
        result.verdict = "error"
    elif result.violations:
        result.verdict = "violation"
    elif result.partial:
        result.verdict = "partial"
    else:
        result.verdict = "ok"


def _shortened(c, result: Result, deadline: float | None) -> None:
    """Simulation's traces, shortened (checker/simulate.py's shorten) and replayed again."""
    for v in result.violations:
        if v.trace:
            seconds = 60.0 if deadline is None else max(deadline - time.monotonic(), 5.0)
            trace = shorten(c, v.trace, v.kind, v.property, seconds)
            try:
                verify(c, trace, v.kind, v.property)
            except TraceError:  # cannot happen unless the model is not deterministic: keep the trace found
                continue
            v.trace = trace


def _verified(c, trace, kind: str, name: str) -> None:
    """Every printed trace is replayed: its steps are the model's and its end shows the property broken."""
    try:
        verify(c, trace, kind, name)
    except TraceError as e:
        raise TraceError(f"the trace found for {name} does not replay: {e}") from None
