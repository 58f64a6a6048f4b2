"""The dining philosophers, Chandy and Misra's solution, translated from the TLA+ Examples'
``specifications/DiningPhilosophers/DiningPhilosophers.tla`` (Jeff Hemphill; tlaplus/Examples commit 32a32c7b).

The spec is PlusCal: one process per philosopher ``1 .. NP`` whose labels Loop, Eat and Think are the
translation's actions, ``Philosopher(self) == Loop(self) \\/ Think(self) \\/ Eat(self)``. Its fairness is
``\\A self \\in 1..NP : WF_vars(Philosopher(self))``, a condition on the disjunction per philosopher, so here
the three labels are ONE action ``Philosopher(self)`` that takes the step of the label ``pc[self]`` names
(exactly one of them is enabled at a time, as in the translation), and the fairness is
``WF("Philosopher", each=True)``. Variables are the spec's: ``forks`` (fork -> holder and clean), ``hungry`` and
``pc``; philosophers and forks are the integers 1 .. NP. Fork p is philosopher p's left fork, fork p+1 (1 for
p = NP) its right one.

TLC 2.20 on the Examples' DiningPhilosophers.cfg (NP = 5, INVARIANT TypeOK ExclusiveAccess, PROPERTY
NobodyStarves): no error, 67 distinct states (NP = 3: 19); Concord's counts are the same. Without fairness
NobodyStarves fails with a stuttering end. tests/test_liveness_tlc.py pins these verdicts to TLC's.
"""

from __future__ import annotations

from checker import WF, FrozenMap, Model, action, always_eventually, invariant, record

State = record("State", "forks hungry pc")
Fork = record("Fork", "holder clean")


class DiningPhilosophers(Model):
    """Chandy and Misra's dining philosophers: dirty forks are cleaned and handed to the neighbour who shares them."""

    fairness = (WF("Philosopher", each=True),)  # \A self \in 1..NP : WF_vars(Philosopher(self))

    def __init__(self, np: int = 5):
        if np < 2:
            raise ValueError("need at least two philosophers (np >= 2)")
        self.NP = np
        self.procs = tuple(range(1, np + 1))

    def left_fork(self, p: int) -> int:
        """The spec's LeftFork(p)."""
        return p

    def right_fork(self, p: int) -> int:
        """The spec's RightFork(p)."""
        return 1 if p == self.NP else p + 1

    def left_philosopher(self, p: int) -> int:
        """The spec's LeftPhilosopher(p): the neighbour sharing p's left fork."""
        return self.NP if p == 1 else p - 1

    def right_philosopher(self, p: int) -> int:
        """The spec's RightPhilosopher(p): the neighbour sharing p's right fork."""
        return 1 if p == self.NP else p + 1

    def can_eat(self, s, p: int) -> bool:
        """The spec's CanEat(p): p holds both its forks and both are clean."""
        left, right = s.forks[self.left_fork(p)], s.forks[self.right_fork(p)]
        return left.holder == p and right.holder == p and left.clean and right.clean

    def init(self):
        """Each fork dirty, held by the lower-numbered of its two philosophers; everyone hungry, at Loop."""
        forks = FrozenMap.of({f: Fork(holder=1 if f == 2 else f, clean=False) for f in self.procs})
        return State(forks=forks, hungry=FrozenMap.const(self.procs, True), pc=FrozenMap.const(self.procs, "Loop"))

    @action(p="procs")
    def Philosopher(self, s, p):
        """Philosopher p's step at its label: Loop (hand a dirty fork on; then go eat or think), Eat, or Think."""
        label = s.pc[p]
        if label == "Loop":
            forks = s.forks
            left, right = self.left_fork(p), self.right_fork(p)
            if forks[left].holder == p and not forks[left].clean:
                forks = forks.set(left, Fork(holder=self.left_philosopher(p), clean=True))
            elif forks[right].holder == p and not forks[right].clean:
                forks = forks.set(right, Fork(holder=self.right_philosopher(p), clean=True))
            if s.hungry[p]:
                nxt = "Eat" if self.can_eat(s, p) else "Loop"  # CanEat on the forks before the hand-over
            else:
                nxt = "Think"
            return s.set(forks=forks, pc=s.pc.set(p, nxt))
        if label == "Eat":
            left, right = self.left_fork(p), self.right_fork(p)
            forks = s.forks.set(left, s.forks[left].set(clean=False))
            forks = forks.set(right, forks[right].set(clean=False))
            return s.set(forks=forks, hungry=s.hungry.set(p, False), pc=s.pc.set(p, "Loop"))
        return s.set(hungry=s.hungry.set(p, True), pc=s.pc.set(p, "Loop"))  # Think

    @invariant
    def TypeOK(self, s):
        """Forks are held by philosophers; pc is a label."""
        holders = all(s.forks[f].holder in self.procs for f in self.procs)
        return holders and set(s.pc.values()) <= {"Loop", "Eat", "Think"}

    @invariant
    def ExclusiveAccess(self, s):
        """Two philosophers sharing a fork are never both at Eat."""
        return not any(s.pc[p] == "Eat" and s.pc[self.right_philosopher(p)] == "Eat" for p in self.procs)

    @always_eventually(p="procs")
    def NobodyStarves(self, s, p):
        """Every philosopher eventually gets to eat again: []<>(~hungry[p]), for each p."""
        return not s.hungry[p]

    @always_eventually
    def AllSatedAgain(self, s):
        """[]<>(every philosopher is sated at once): not in the spec, and not meant to hold."""
        return not any(s.hungry.values())
