"""Small models that exercise one engine feature each (constraints, deadlock, errors, symmetry)."""

from checker import FrozenMap, Model, action, constraint, ids, invariant, reachable, record, transition

Counter = record("Counter", "x")


class Count(Model):
    """A counter that goes up by one or two, bounded by a constraint."""

    def __init__(self, bound: int = 3, bad: int = 99):
        self.bound = bound
        self.bad = bad

    def init(self):
        return Counter(0)

    @action(by=(1, 2))
    def Inc(self, s, by):
        """Add by to x."""
        return Counter(s.x + by)

    @constraint
    def Bounded(self, s):
        return s.x <= self.bound

    @invariant
    def NotBad(self, s):
        """x never equals bad."""
        return s.x != self.bad

    @transition
    def Grows(self, s, t):
        """x only grows."""
        return t.x > s.x

    @reachable
    def ReachesBound(self, s):
        """x reaches the bound."""
        return s.x == self.bound


class Stops(Model):
    """Counts to 2 and stops: state 2 has no successor."""

    def init(self):
        return Counter(0)

    @action
    def Inc(self, s):
        """Add one below 2."""
        if s.x < 2:
            return Counter(s.x + 1)


class Broken(Model):
    """Each action goes wrong in its own way once x reaches 1."""

    def __init__(self, how: str = "raise"):
        self.how = how

    def init(self):
        return Counter(0)

    @action
    def Inc(self, s):
        """Add one."""
        return Counter(s.x + 1)

    @action(k=(7,))
    def Fail(self, s, k):
        """Misbehave at x == 1."""
        if s.x != 1:
            return None
        if self.how == "raise":
            raise ValueError("boom")
        if self.how == "unhashable":
            return Counter([k])
        if self.how == "wrongtype":
            return {"x": k}

    @invariant
    def Small(self, s):
        """x stays small (and raises for the 'invariant' kind of breakage)."""
        if self.how == "invariant" and s.x == 2:
            raise KeyError("no such thing")
        return s.x < 10


class Tokens(Model):
    """Processes pass around at most k tokens; symmetric in the process ids."""

    symmetry = ("procs",)

    def __init__(self, n: int = 3, k: int = 2):
        self.procs = ids("p", n)
        self.k = k

    def init(self):
        return FrozenMap.const(self.procs, 0)

    @action(i="procs")
    def Take(self, s, i):
        """i takes a token if fewer than k are held."""
        if sum(s.values()) < self.k:
            return s.set(i, s[i] + 1)

    @action(i="procs", j="procs")
    def Pass(self, s, i, j):
        """i passes a token to j."""
        if i != j and s[i] > 0:
            return s.update({i: s[i] - 1, j: s[j] + 1})

    @invariant
    def NobodyHoardsAll(self, s):
        """No process holds k tokens at once."""
        return max(s.values()) < self.k
