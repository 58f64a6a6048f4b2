"""A user's own model, loaded from a file by path."""

from checker import Model, action, invariant, record

Light = record("Light", "color")
NEXT = {"green": "yellow", "yellow": "red", "red": "green"}


class TrafficLight(Model):
    """A traffic light that cycles green, yellow, red."""

    def __init__(self, start: str = "red"):
        self.start = start

    def init(self):
        return Light(self.start)

    @action
    def Next(self, s):
        """Change to the next color."""
        return Light(NEXT[s.color])

    @invariant
    def NeverBlue(self, s):
        """The light is never blue."""
        return s.color != "blue"

    @invariant
    def NeverYellow(self, s):
        """The light is never yellow (false: for testing)."""
        return s.color != "yellow"


class Raising(Model):
    """A model whose only action raises."""

    def init(self):
        return Light("red")

    @action
    def Explode(self, s):
        """Divide by zero."""
        return 1 / 0


class Unhashable(Model):
    """A model whose action returns a state holding a list."""

    def init(self):
        return Light("red")

    @action
    def Listify(self, s):
        """Put a list in the state."""
        return Light(["red"])
