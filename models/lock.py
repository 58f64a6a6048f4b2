"""A lease-based lock service, its clients, and the storage they write to while they believe they hold the lock.

Time is discrete: ``Tick`` advances the one real clock, which the lock service reads to judge expiry. A
client believes it holds the lock from its grant until it releases it; it does not look at the clock
unless a rule says so. A process pause needs no action of its own: a client may take its next step at any
later time, so every pause of every length is one of the interleavings (Kleppmann, "How to do distributed
locking", 2016). Each grant carries a fencing token, one more than the last; the storage (the default,
``fencing``) rejects a write whose token is lower than the highest it has accepted. The scope: at most
``max_time`` ticks, ``max_grants`` grants, ``max_writes`` accepted writes.
"""

from __future__ import annotations

from checker import WF, FrozenMap, Model, action, derived, ids, record
from specs import mutex

State = record("State", "now lease granted held writes")
Lease = record("Lease", "client token expires")  # the service's record of its current lease
Grant = record("Grant", "token until")  # what a client holds: its token, and the expiry it was granted


class Lock(Model):
    """One lock service granting leases with a TTL, clients, and a storage that checks fencing tokens."""

    lanes = ("clients",)

    def __init__(self, clients: int = 2, ttl: int = 2, max_time: int = 3, max_grants: int = 2, max_writes: int = 2):
        if clients < 1 or ttl < 1 or max_time < 0 or max_grants < 0 or max_writes < 0:
            raise ValueError("clients and ttl must be at least 1, and the limits at least 0")
        self.clients = ids("c", clients)
        self.ttl, self.max_time, self.max_grants, self.max_writes = ttl, max_time, max_grants, max_writes

    def init(self):
        return State(now=0, lease=None, granted=0, held=FrozenMap.const(self.clients, None), writes=())

    def free(self, s) -> bool:
        """The service has no lease, or its lease has expired by the service's clock."""
        return s.lease is None or s.now >= s.lease.expires

    @action(c="clients")
    def Acquire(self, s, c):
        """Client c asks for the lock and the service grants it a lease with the next fencing token."""
        if s.held[c] is None and self.free(s) and s.granted < self.max_grants:
            token, until = s.granted + 1, s.now + self.ttl
            return s.set(lease=Lease(c, token, until), granted=token, held=s.held.set(c, Grant(token, until)))

    @action(c="clients")
    def Renew(self, s, c):
        """Client c extends its lease, which the service still holds for it unexpired."""
        g, until = s.held[c], s.now + self.ttl
        if g is not None and s.lease is not None and s.lease.token == g.token and s.now < s.lease.expires < until:
            return s.set(lease=s.lease.set(expires=until), held=s.held.set(c, g.set(until=until)))

    @action(c="clients")
    def Release(self, s, c):
        """Client c gives the lock back (the service frees it if the lease is still c's)."""
        g = s.held[c]
        if g is not None:
            lease = None if s.lease is not None and s.lease.token == g.token else s.lease
            return s.set(lease=lease, held=s.held.set(c, None))

    @action
    def Tick(self, s):
        """Real time advances by one."""
        if s.now < self.max_time:
            return s.set(now=s.now + 1)

    def may_write(self, s, c) -> bool:
        """Client c believes it holds the lock (the default client does not look at the clock)."""
        return s.held[c] is not None

    def accepts(self, s, token: int) -> bool:
        """The storage accepts a write whose token is not lower than the highest it has accepted."""
        return all(token >= w.token for w in s.writes)

    @action(c="clients")
    def Write(self, s, c):
        """Client c, believing it holds the lock, writes to the storage with its token."""
        if self.may_write(s, c) and len(s.writes) < self.max_writes:
            g = s.held[c]
            if self.accepts(s, g.token):
                return self.written(s.set(writes=s.writes + (mutex.Write(c, g.token),)), c)
            return self.written(s.set(held=s.held.set(c, None)), c)  # rejected: c learns it lost the lock

    def written(self, s, c):
        """The state after c's write (a rule may change what the client keeps)."""
        return s

    @derived
    def leases(self, s) -> mutex.MutexState:
        """specs.mutex's view: who holds a lease unexpired by real time, and the storage's accepted writes."""
        holders = frozenset(c for c, g in s.held.items() if g is not None and s.now < g.until)
        return mutex.MutexState(holders, s.writes, self.clients)

    MutualExclusion = mutex.MutualExclusion()
    SafeWrites = mutex.SafeWrites()
    AllWrote = mutex.AllWrote()


class NoFencing(Lock):
    """Bug: the storage accepts any write (Kleppmann 2016): a client paused past its lease writes after the
    next holder has."""

    def accepts(self, s, token: int) -> bool:
        return True


Checked = record("Checked", "now lease granted held writes checked")


class CheckThenWrite(NoFencing):
    """Bug: without fencing, the client checks its lease just before writing; the pause falls between the
    check and the write."""

    def init(self):
        return Checked(*super().init(), checked=FrozenMap.const(self.clients, 0))

    @action(c="clients")
    def Check(self, s, c):
        """Client c reads the clock and finds its lease unexpired (it notes the token it checked)."""
        g = s.held[c]
        if g is not None and s.checked[c] != g.token and s.now < g.until:
            return s.set(checked=s.checked.set(c, g.token))

    def may_write(self, s, c) -> bool:
        return s.held[c] is not None and s.checked[c] == s.held[c].token

    def written(self, s, c):
        return s.set(checked=s.checked.set(c, 0))


Lock.variants = {"no-fencing": NoFencing, "check-then-write": CheckThenWrite}


WaitState = record("WaitState", "holder queue")  # queue: the waiting clients, in the order they asked


class LockWait(Model):
    """Clients waiting for one lock: who gets it when it is free, and does everyone who asks get it?

    No time and no tokens (the Lock model has them): a client asks, waits, takes the lock when it is free,
    and gives it back. The service's scheduling is the fairness: weak fairness on each grant lets one client
    starve while another takes the lock again and again; strong fairness, or granting in request order (the
    ``fifo`` variant), does not.
    """

    lanes = ("clients",)

    def __init__(self, clients: int = 2):
        if clients < 1:
            raise ValueError("need at least one client")
        self.clients = ids("c", clients)

    def init(self):
        return WaitState(holder=None, queue=())

    @action(c="clients")
    def Request(self, s, c):
        """Client c asks for the lock."""
        if c not in s.queue and s.holder != c:
            return s.set(queue=s.queue + (c,))

    def next_ones(self, s) -> frozenset:
        """The waiting clients the service may grant the lock to: any of them."""
        return frozenset(s.queue)

    @action(c="clients")
    def Acquire(self, s, c):
        """The service grants the free lock to waiting client c."""
        if s.holder is None and c in self.next_ones(s):
            return s.set(holder=c, queue=tuple(x for x in s.queue if x != c))

    @action(c="clients")
    def Release(self, s, c):
        """Client c gives the lock back."""
        if s.holder == c:
            return s.set(holder=None)

    def waiting(self, s) -> frozenset:
        """The clients that asked and do not hold the lock yet."""
        return frozenset(s.queue)

    @derived
    def leases(self, s) -> mutex.MutexState:
        """specs.mutex's view: the holder (no storage here)."""
        return mutex.MutexState(frozenset() if s.holder is None else frozenset({s.holder}), (), self.clients)

    fairness = (WF("Acquire", each=True), WF("Release", each=True))

    MutualExclusion = mutex.MutualExclusion()
    NoStarvation = mutex.NoStarvation()


class FifoLock(LockWait):
    """The service grants the lock in the order it was asked for."""

    def next_ones(self, s) -> frozenset:
        return frozenset(s.queue[:1])


LockWait.variants = {"fifo": FifoLock}


RedState = record("RedState", "now table offset attempt valid started")
Entry = record("Entry", "client expires")  # a server's lock: its holder, and the expiry by the server's clock
Attempt = record("Attempt", "start got")  # a client's acquisition under way: when it began, the servers it has


class Redlock(Model):
    """Redlock: a client holds the lock when it set it on a majority of independent servers within its validity.

    Each server grants its own lease (SET NX PX): free, or expired by the server's own clock. A client notes
    the time it starts, locks servers one at a time, and holds the lock, valid until start + ttl, once a
    majority has granted it before that time; otherwise it unlocks them all. Server clocks run at the real
    clock's rate here (no drift, so the algorithm's drift margin is 0); the variants change that.
    """

    lanes = ("clients", "servers")

    def __init__(self, clients: int = 2, servers: int = 3, ttl: int = 2, max_time: int = 2, max_attempts: int = 1):
        if clients < 1 or servers < 1 or ttl < 1 or max_time < 0 or max_attempts < 0:
            raise ValueError("clients, servers and ttl must be at least 1, and the limits at least 0")
        self.clients, self.servers = ids("c", clients), ids("r", servers)
        self.ttl, self.max_time, self.max_attempts = ttl, max_time, max_attempts
        self.majority = servers // 2 + 1

    def init(self):
        clients, servers = self.clients, self.servers
        return RedState(now=0, table=FrozenMap.const(servers, None), offset=FrozenMap.const(servers, 0),
                        attempt=FrozenMap.const(clients, None), valid=FrozenMap.const(clients, None),
                        started=FrozenMap.const(clients, 0))

    def clock(self, s, r) -> int:
        """Server r's clock."""
        return s.now + s.offset[r]

    @action(c="clients")
    def Start(self, s, c):
        """Client c notes the time and starts acquiring the lock."""
        if s.attempt[c] is None and s.valid[c] is None and s.started[c] < self.max_attempts:
            return s.set(attempt=s.attempt.set(c, Attempt(s.now, frozenset())),
                         started=s.started.set(c, s.started[c] + 1))

    @action(c="clients", r="servers")
    def LockServer(self, s, c, r):
        """Server r sets the lock for c: it has none, or its lock has expired by r's clock (a refusal changes
        nothing, so it is not a step)."""
        a, entry = s.attempt[c], s.table[r]
        if a is not None and r not in a.got and (entry is None or self.clock(s, r) >= entry.expires):
            return s.set(table=s.table.set(r, Entry(c, self.clock(s, r) + self.ttl)),
                         attempt=s.attempt.set(c, a.set(got=a.got | {r})))

    @action(c="clients")
    def Acquired(self, s, c):
        """Client c has a majority within its validity: it holds the lock until start + ttl."""
        a = s.attempt[c]
        if a is not None and len(a.got) >= self.majority and s.now < a.start + self.ttl:
            return s.set(attempt=s.attempt.set(c, None), valid=s.valid.set(c, a.start + self.ttl))

    def unlocked(self, s, c):
        """Every server whose lock is c's unlocks it (Redis's check-and-delete script)."""
        return FrozenMap.of({r: None if e is not None and e.client == c else e for r, e in s.table.items()})

    @action(c="clients")
    def GiveUp(self, s, c):
        """Client c failed (no majority in time, or it stops trying) and unlocks every server."""
        if s.attempt[c] is not None:
            return s.set(attempt=s.attempt.set(c, None), table=self.unlocked(s, c))

    @action(c="clients")
    def Release(self, s, c):
        """Client c releases the lock it holds on every server."""
        if s.valid[c] is not None:
            return s.set(valid=s.valid.set(c, None), table=self.unlocked(s, c))

    @action
    def Tick(self, s):
        """Real time advances by one, and every server's clock with it."""
        if s.now < self.max_time:
            return s.set(now=s.now + 1)

    @derived
    def leases(self, s) -> mutex.MutexState:
        """specs.mutex's view: the clients whose lock is valid by real time (no storage here)."""
        holders = frozenset(c for c, until in s.valid.items() if until is not None and s.now < until)
        return mutex.MutexState(holders, (), self.clients)

    MutualExclusion = mutex.MutualExclusion()
    Held = mutex.Held()


JumpState = record("JumpState", "now table offset attempt valid started jumped")


class ClockJump(Redlock):
    """Bug: a server's clock jumps forward by ttl (an NTP step, an operator): its lock expires early."""

    def init(self):
        return JumpState(*super().init(), jumped=False)

    @action(r="servers")
    def ClockJump(self, s, r):
        """Server r's clock jumps forward by ttl (once in the run)."""
        if not s.jumped:
            return s.set(offset=s.offset.set(r, s.offset[r] + self.ttl), jumped=True)


AmnesiaState = record("AmnesiaState", "now table offset attempt valid started restarted")


class RestartAmnesia(Redlock):
    """Bug: a server restarts without persisting its locks (and without waiting out the ttl)."""

    def init(self):
        return AmnesiaState(*super().init(), restarted=False)

    @action(r="servers")
    def Restart(self, s, r):
        """Server r crashes and restarts with an empty table (once in the run)."""
        if not s.restarted:
            return s.set(table=s.table.set(r, None), restarted=True)


Redlock.variants = {"clock-jump": ClockJump, "restart-amnesia": RestartAmnesia}
