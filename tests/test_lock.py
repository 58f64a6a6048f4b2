"""Locks (models/lock.py): a lease is not a lock when a process pauses, fencing tokens fix it, and Redlock's
majority fails when a server forgets its locks or its clock jumps.

Traces are BFS's, so their lengths are the shortest. Every count below is TLC's (2.20, one worker,
-deadlock) on TLA+ translations of these models action for action (kept outside the repository); TLC also
found the same verdicts, the same trace lengths and the same traces.
"""

from __future__ import annotations

import pytest

from checker import check
from models.lock import Lock, Redlock

NO_FENCING = ["Acquire(c=c1)", "Tick", "Tick", "Acquire(c=c2)", "Write(c=c2)", "Write(c=c1)"]


# model, variant -> TLC's (distinct, generated, depth) of the whole state space at the default constants
TLC = {
    (Lock, None): (400, 934, 10),
    (Lock, "no-fencing"): (424, 974, 10),
    (Lock, "check-then-write"): (1_432, 3_284, 14),
    (Redlock, None): (4_762, 15_492, 12),
    (Redlock, "clock-jump"): (35_368, 133_353, 13),
    (Redlock, "restart-amnesia"): (20_087, 83_063, 13),
}


@pytest.mark.parametrize("model, variant", TLC, ids=lambda x: getattr(x, "__name__", x))
def test_the_state_spaces_are_tlcs(model, variant):
    st = check((model.variants[variant] if variant else model)(), properties=[]).stats
    assert (st.distinct, st.generated, st.depth) == TLC[model, variant]


def labels(v) -> list[str]:
    return [step.label for step in v.trace[1:]]


def test_with_fencing_tokens_every_write_is_in_lease_order():
    """The default: the storage rejects a token lower than the highest it accepted. Both clients write (the
    witness, 5 steps), and a stale write is refused even at a larger scope."""
    r = check(Lock())
    assert r.verdict == "ok"
    assert len(r.witness("AllWrote").trace) - 1 == 5
    assert check(Lock(clients=3, max_time=4, max_grants=3, max_writes=3)).verdict == "ok"


def test_without_fencing_a_paused_client_writes_after_the_next_holder():
    """Kleppmann's picture: c1 gets the lease, pauses past its expiry (two ticks), c2 gets it and writes, then
    c1 wakes up believing it still holds the lock, and the storage takes its write."""
    r = check(Lock.variants["no-fencing"]())
    assert [(v.property, v.length) for v in r.violations] == [("SafeWrites", 6)]
    v = r.violations[0]
    assert labels(v) == NO_FENCING
    last = v.trace[-1].state
    assert [(w.client, w.token) for w in last.writes] == [("c2", 2), ("c1", 1)]
    assert last.held["c1"].until <= last.now  # c1's lease had expired when it wrote


def test_along_the_same_steps_fencing_refuses_the_stale_write():
    from test_raft import replay

    states = replay(Lock(), NO_FENCING)
    assert len(states) == 7
    assert [(w.client, w.token) for w in states[-1].writes] == [("c2", 2)]
    assert states[-1].held["c1"] is None  # refused, c1 learns it lost the lock


def test_checking_the_lease_before_writing_does_not_help():
    """The pause falls between the check and the write: c1 checks at time 1 (its lease runs to 2), then time
    passes, c2 acquires, checks and writes, and c1 writes on its stale check."""
    r = check(Lock.variants["check-then-write"]())
    assert [(v.property, v.length) for v in r.violations] == [("SafeWrites", 8)]
    assert labels(r.violations[0]) == ["Acquire(c=c1)", "Tick", "Check(c=c1)", "Tick", "Acquire(c=c2)", "Check(c=c2)",
                                       "Write(c=c2)", "Write(c=c1)"]


@pytest.mark.parametrize("variant", [None, "no-fencing", "check-then-write"])
def test_the_lease_service_itself_never_grants_two_unexpired_leases(variant):
    """The bug is in the writes, not in the service: MutualExclusion holds by real time in every variant."""
    model = Lock.variants[variant]() if variant else Lock()
    assert check(model, properties=["MutualExclusion"]).verdict == "ok"


def test_redlock_holds_in_its_default_form():
    """A majority of servers, validity until start + ttl and clocks that do not jump: one holder at a time,
    also with time for a second holder after the first one's lock expired."""
    r = check(Redlock())
    assert r.verdict == "ok" and r.witness("Held") is not None
    assert check(Redlock(max_time=4)).verdict == "ok"  # time for c2 to lock after c1's expiry


REDLOCK = {"clock-jump": "ClockJump(r=r1)", "restart-amnesia": "Restart(r=r1)"}


@pytest.mark.parametrize("variant", REDLOCK)
def test_redlock_gives_the_lock_twice_when_a_server_forgets(variant):
    """c1 holds r1 and r2; r1's lock vanishes (its clock jumps past the expiry, or it restarts with an empty
    table), so c2 gets r1 and r3, a majority too: two holders at once, after 9 steps."""
    r = check(Redlock.variants[variant]())
    assert [(v.property, v.length) for v in r.violations] == [("MutualExclusion", 9)]
    v = r.violations[0]
    assert labels(v)[5:] == ["Acquired(c=c1)", REDLOCK[variant], "LockServer(c=c2, r=r1)", "Acquired(c=c2)"]
    assert Redlock().leases(v.trace[-1].state).holders == {"c1", "c2"}


def test_bad_constants_are_refused():
    with pytest.raises(ValueError):
        Lock(ttl=0)
    with pytest.raises(ValueError):
        Redlock(servers=0)
