"""The Die Hard water jugs, as in the TLA+ DieHard spec: can the big jug hold exactly 4 gallons?"""

from checker import Model, action, invariant, record

Jugs = record("Jugs", "small big")


class DieHard(Model):
    """Fill, empty and pour between a 3-gallon and a 5-gallon jug (TLA+ DieHard)."""

    def __init__(self, small_capacity: int = 3, big_capacity: int = 5, goal: int = 4):
        if small_capacity < 1 or big_capacity < 1 or goal < 0:
            raise ValueError("capacities must be at least 1 gallon and the goal at least 0")
        self.small_capacity = small_capacity
        self.big_capacity = big_capacity
        self.goal = goal

    def init(self):
        return Jugs(small=0, big=0)

    @action
    def FillSmallJug(self, s):
        """Fill the small jug from the tap."""
        return s.set(small=self.small_capacity)

    @action
    def FillBigJug(self, s):
        """Fill the big jug from the tap."""
        return s.set(big=self.big_capacity)

    @action
    def EmptySmallJug(self, s):
        """Pour the small jug away."""
        return s.set(small=0)

    @action
    def EmptyBigJug(self, s):
        """Pour the big jug away."""
        return s.set(big=0)

    @action
    def SmallToBig(self, s):
        """Pour the small jug into the big one until one is empty or the other full."""
        poured = min(s.small, self.big_capacity - s.big)
        return Jugs(small=s.small - poured, big=s.big + poured)

    @action
    def BigToSmall(self, s):
        """Pour the big jug into the small one until one is empty or the other full."""
        poured = min(s.big, self.small_capacity - s.small)
        return Jugs(small=s.small + poured, big=s.big - poured)

    @invariant
    def NotSolved(self, s):
        """The big jug never holds the goal amount (its violation is the puzzle's solution)."""
        return s.big != self.goal
