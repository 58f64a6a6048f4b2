"""Models that go wrong in every way a user's model can: each must give a one-line error, never a traceback."""

import random
import sys
import time

from checker import Bag, Model, action, ids, invariant


class Endless(Model):
    """init yields initial states forever (slowly enough that a time limit of a second or less comes before
    the million initial states after which init is judged endless, on any machine)."""

    def init(self):
        i = 0
        while True:
            yield (i,)
            i += 1
            if not i % 100:
                time.sleep(0.001)

    @action
    def Stay(self, s):
        """Nothing happens."""
        return None


class Exits(Model):
    """An action calls sys.exit(0) at the third state."""

    def init(self):
        return (0,)

    @action
    def Go(self, s):
        """Count up, and leave the process at 2."""
        if s[0] == 2:
            sys.exit(0)
        return (s[0] + 1,)


class Mutates(Model):
    """An action reaches into a Bag and changes it in place."""

    def init(self):
        return (Bag(["m"]),)

    @action
    def Go(self, s):
        """Add a copy of m to the state's own bag."""
        s[0]._counts["m"] += 1
        return s


class Chaotic(Model):
    """An action whose successor carries a random number: the search and the replay of its trace disagree."""

    def init(self):
        return (0, 0.0)

    @action
    def Go(self, s):
        """Count up, drawing a number at random."""
        if s[0] < 5:
            return (s[0] + 1, random.random())

    @invariant
    def Small(self, s):
        """The count stays below 3."""
        return s[0] < 3


class Eleven(Model):
    """Eleven interchangeable nodes: 11! renamings per state."""

    symmetry = ("nodes",)

    def __init__(self):
        self.nodes = ids("n", 11)

    def init(self):
        return (0,)

    @action
    def Go(self, s):
        """Count up to 2."""
        if s[0] < 2:
            return (s[0] + 1,)


class Raises(Model):
    """An action divides by zero."""

    def init(self):
        return (0,)

    @action
    def Go(self, s):
        """Divide by zero."""
        return (1 / 0,)


class ReturnsInt(Model):
    """An action returns an int where a state should be."""

    def init(self):
        return (0,)

    @action
    def Go(self, s):
        """Return 5."""
        return 5


class Unstorable(Model):
    """An action puts a list into the state."""

    def init(self):
        return (0,)

    @action
    def Go(self, s):
        """Return a state holding a list."""
        return ([1],)


class Hog(Model):
    """Every state is a tuple of 200,000 counters: memory runs out after a few hundred states."""

    def init(self):
        return (0,) * 200_000

    @action(i=range(4))
    def Bump(self, s, i):
        """Count up the i-th counter."""
        return s[:i] + (s[i] + 1,) + s[i + 1:]
