"""Two-Phase Commit, as in Lamport's TLA+ TwoPhase spec (with TCommit's consistency invariant)."""

from checker import FrozenMap, Model, action, ids, invariant, record, transition

State = record("State", "rmState tmState tmPrepared msgs")

PREPARED = ("Prepared",)  # the message [type |-> "Prepared", rm |-> rm] is ("Prepared", rm)
COMMIT = ("Commit",)
ABORT = ("Abort",)


class TwoPhase(Model):
    """A transaction manager commits only if every resource manager prepared (TLA+ TwoPhase)."""

    symmetry = ("RM",)
    lanes = ("RM",)

    def __init__(self, rms: int = 3):
        if rms < 1:
            raise ValueError("need at least one resource manager (rms >= 1)")
        self.RM = ids("r", rms)

    def init(self):
        return State(
            rmState=FrozenMap.const(self.RM, "working"),
            tmState="init",
            tmPrepared=frozenset(),
            msgs=frozenset(),
        )

    def lane(self, action, args):
        """Sequence charts: the TM actions are the transaction manager's steps (the others, of resource manager rm)."""
        return "TM" if action.startswith("TM") else None

    # -- the transaction manager ---------------------------------------------------------------

    @action(rm="RM")
    def TMRcvPrepared(self, s, rm):
        """The TM receives a Prepared message from rm."""
        if s.tmState == "init" and ("Prepared", rm) in s.msgs:
            return s.set(tmPrepared=s.tmPrepared | {rm})

    @action
    def TMCommit(self, s):
        """The TM commits once every RM has prepared."""
        if s.tmState == "init" and len(s.tmPrepared) == len(self.RM):
            return s.set(tmState="committed", msgs=s.msgs | {COMMIT})

    @action
    def TMAbort(self, s):
        """The TM spontaneously aborts."""
        if s.tmState == "init":
            return s.set(tmState="aborted", msgs=s.msgs | {ABORT})

    # -- the resource managers -----------------------------------------------------------------

    @action(rm="RM")
    def RMPrepare(self, s, rm):
        """rm prepares and tells the TM."""
        if s.rmState[rm] == "working":
            return s.set(rmState=s.rmState.set(rm, "prepared"), msgs=s.msgs | {("Prepared", rm)})

    @action(rm="RM")
    def RMChooseToAbort(self, s, rm):
        """rm spontaneously aborts (without telling anyone)."""
        if s.rmState[rm] == "working":
            return s.set(rmState=s.rmState.set(rm, "aborted"))

    @action(rm="RM")
    def RMRcvCommitMsg(self, s, rm):
        """rm is told by the TM to commit."""
        if COMMIT in s.msgs:
            return s.set(rmState=s.rmState.set(rm, "committed"))

    @action(rm="RM")
    def RMRcvAbortMsg(self, s, rm):
        """rm is told by the TM to abort."""
        if ABORT in s.msgs:
            return s.set(rmState=s.rmState.set(rm, "aborted"))

    # -- properties ----------------------------------------------------------------------------

    @invariant
    def TCConsistent(self, s):
        """No RM has aborted while another has committed (TCommit's TCConsistent)."""
        states = set(s.rmState.values())
        return not ("aborted" in states and "committed" in states)

    @transition
    def DecisionsStick(self, s, t):
        """An RM that has committed or aborted never changes its mind."""
        return all(s.rmState[rm] == t.rmState[rm] for rm in self.RM if s.rmState[rm] in ("committed", "aborted"))
