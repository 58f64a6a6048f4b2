"""The text report: summary, statistics, coverage and each trace as per-step diffs."""

from __future__ import annotations

from ..compiled import Step
from ..diff import changes, fields, fmt
from ..result import Result, Violation

__all__ = ["summary", "format_trace", "format_result"]

HEADLINES = {
    "ok": "OK: no property violated",
    "violation": "VIOLATION",
    "partial": "PARTIAL: no violation found so far",
    "error": "ERROR in the model",
}


def format_trace(trace: list[Step]) -> list[str]:
    """Numbered steps: the initial state in full, then the action label and what changed."""
    lines = []
    prev = None
    for i, step in enumerate(trace):
        if prev is None:
            lines.append(f"  {i:>3}  Init")
            lines.extend(f"         {name} = {fmt(value)}" for name, value in fields(step.state))
        else:
            lines.append(f"  {i:>3}  {step.label}")
            diff = changes(prev.state, step.state)
            lines.extend(f"         {c}" for c in diff) if diff else lines.append("         (no change)")
        prev = step
    return lines


FORMS = {"eventually": "<>P", "leads_to": "P ~> Q", "always_eventually": "[]<>P", "eventually_always": "<>[]P"}


def _lasso(v: Violation) -> list[str]:
    """A liveness counterexample: the behaviour, then where it repeats forever or stutters forever."""
    which = f" for {v.instance}" if v.instance else ""
    head = f"Liveness {v.property} ({FORMS.get(v.form, v.form)}){which} violated"
    n = v.length
    if v.loop_from is None:
        shape = f"a behaviour of {n} step{'s' * (n != 1)} that then stutters in state {n} forever"
        end = f"  stutters here forever: no fair action is enabled in state {n}; {v.property} fails."
    else:
        shape = (f"a behaviour of {n} step{'s' * (n != 1)} whose last step goes back to state {v.loop_from}, "
                 f"and steps {v.loop_from + 1}-{n} repeat forever")
        end = f"  back to state {v.loop_from}: steps {v.loop_from + 1}-{n} repeat forever; {v.property} fails."
    return [f"{head}: {v.doc}" if v.doc else head, f"  by {shape}", *format_trace(v.trace), end]


def _violation(v: Violation) -> list[str]:
    if v.kind == "liveness":
        return _lasso(v)
    if v.kind == "reachable" and not v.trace:
        return [f"Reachable {v.property} was never reached: {v.doc}"]
    head = f"{v.kind.capitalize()} {v.property} violated after {v.length} step{'s' * (v.length != 1)}"
    return [f"{head}: {v.doc}" if v.doc else head, *format_trace(v.trace), f"  {v.property} fails here."]


def summary(result: Result) -> list[str]:
    """The statistics block, TLC's names where TLC has one."""
    st = result.stats
    lines = [
        f"States: {st.distinct:,} distinct, {st.generated:,} generated, depth {st.depth}, {st.queue:,} left on queue",
        f"Time: {st.seconds:.2f} s, {st.states_per_second:,.0f} states/s"
        f"{_where(st)}, peak memory {st.peak_memory / 2**20:.0f} MiB, "
        f"{st.bytes_per_state:.0f} bytes per stored state ({st.memory_per_state:,.0f} per state in all, the frontier "
        "and caches included)",
        "States stored whole (--exact): no fingerprint collision is possible"
        if st.exact
        else f"Fingerprint collision probability (optimistic): {st.collision_probability:.1E}",
    ]
    if st.disk_peak:
        lines.append(f"Frontier spilled to disk (--memory): {st.disk_bytes_per_state:,.0f} bytes per state there, "
                     f"{st.disk_peak / 2**20:,.1f} MiB at most")
    if st.own_peak:
        lines.append(f"Seen set in a memory-mapped file (--memory): the process's own memory peaked at "
                     f"{st.own_peak / 2**20:,.0f} MiB (peak memory above counts the file's pages it held)")
    if result.constraints:
        names = ", ".join(result.constraints)
        lines.append(f"Scope: bounded by the constraint{'s' * (len(result.constraints) > 1)} {names}; "
                     f"{'at least ' * result.outside_at_least}{result.outside:,} distinct "
                     f"successor{'s' * (result.outside != 1)} beyond "
                     f"{'them' if len(result.constraints) > 1 else 'it'} checked, not explored")
    return lines


def quorums(result: Result) -> list[str]:
    """Z3's verdict on each quorum requirement, with the two quorums that miss when refuted."""
    lines = []
    for q in result.quorums:
        lines.append(f"Quorums {q.verdict.upper() if q.verdict != 'proved' else q.verdict} by Z3 ({q.ms:.1f} ms): {q.requirement}")
        if q.witness:
            if q.violated and q.violated != q.requirement:
                lines.append(f"  violated: {q.violated}")
            lines += [f"  {label}: {{{', '.join(sorted(members))}}}" for label, members in zip(q.labels, q.witness)]
            lines.append("  These quorums cannot keep the protocol safe; the search looks for a trace that shows it.")
    return lines


def coverage(result: Result) -> list[str]:
    width = max((len(n) for n in result.coverage), default=0)
    lines = ["Coverage (successors generated / new distinct states):"]
    for name, c in result.coverage.items():
        flag = "   <- never fired" if not c["fired"] else ""
        lines.append(f"  {name:<{width}}  {c['fired']:>10,}  {c['distinct']:>10,}{flag}")
    return lines


def format_result(result: Result, with_coverage: bool = True) -> str:
    """The whole report as printed by ``concord check``."""
    headline = HEADLINES[result.verdict]
    if result.verdict == "ok" and result.liveness and result.liveness.startswith("not"):
        headline = "OK: no safety property violated; liveness not judged"
    elif result.verdict == "ok" and result.liveness and "vacuously" in result.liveness:
        headline += " (liveness only vacuously: no fair behaviour stays within the scope)"
    if result.partial:
        headline += f" (partial: {result.partial})"
    lines = [f"Model: {result.model}  [{result.strategy}]", f"Result: {headline}"]
    lines += quorums(result)
    lines += summary(result)
    if with_coverage:
        lines += coverage(result)
    if result.properties:
        checked = ", ".join(p.name for p in result.properties)
        lines.append(f"Properties checked: {checked}")
    if result.liveness:
        fair = ", ".join(map(str, result.fairness)) or "none"
        lines.append(f"Liveness: {result.liveness}" + ("" if result.liveness.startswith("not") else
                                                         f"; fairness: {fair}"))
    for w in result.witnesses:
        lines.append(f"Reachable {w.property} witnessed after {w.length} steps.")
    for v in result.violations:
        lines.append("")
        lines += _violation(v)
    if result.error:
        lines.append("")
        if result.error_trace:
            lines.append("Trace to the failing state:")
            lines += format_trace(result.error_trace)
        lines.append(f"error: {result.error}")
    return "\n".join(lines)


def _where(st) -> str:
    """Where the states were explored, when not in this one process."""
    if st.workers <= 1:
        return ""
    if st.cluster:
        return f" on {st.workers} Ray actors ({st.cluster}; their memory as it grew)"
    return f" on {st.workers} worker processes"
