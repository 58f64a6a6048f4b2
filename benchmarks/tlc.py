"""TLC on the TLA+ specs the benchmark models translate: the same scope, one worker, its counts and wall time.

The specs are not part of Concord: point TLA_EXAMPLES at a checkout of github.com/tlaplus/Examples and
TLC_JAR at tla2tools.jar (Java 11 or later on the PATH); the Paxos spec also needs TLA_LIBRARY, a
colon-separated list of directories holding tlaplus/tlapm's library/ and tlaplus/CommunityModules' modules/
(passed to TLC as -DTLA-Library). Each case copies its spec directory's modules
into a temporary directory, adds the configuration (and, where the spec needs one, a small module fixing
its constants) written below, and runs `java -cp $TLC_JAR tlc2.TLC -workers 1`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spec:
    """A TLC run: the directory (under the root its environment variable names), the module TLC checks, its
    configuration, extra modules of ours."""

    directory: str
    module: str
    cfg: str
    modules: tuple[tuple[str, str], ...] = ()
    root: str = "TLA_EXAMPLES"


PAXOS = """---- MODULE ConcordPaxos ----
EXTENDS Paxos
CONSTANTS a1, a2, a3, v1, v2
MCAcceptor == {a1, a2, a3}
MCValue == {v1, v2}
MCQuorum == {{a1, a2}, {a1, a3}, {a2, a3}}
MCBallot == 0..%d
====
"""

TWO_PHASE = """---- MODULE ConcordTwoPhase ----
EXTENDS TwoPhase
TCConsistent == TC!TCConsistent
====
"""

EWD998 = """---- MODULE ConcordEWD998 ----
EXTENDS EWD998
CONSTANTS MaxCounter, MaxPending, MaxQ
MCStateConstraint ==
  /\\ \\A i \\in Node : counter[i] <= MaxCounter /\\ pending[i] <= MaxPending
  /\\ token.q <= MaxQ
====
"""


def paxos(max_ballot: int) -> Spec:
    return Spec("specifications/Paxos", "ConcordPaxos", """SPECIFICATION Spec
CONSTANTS a1 = a1  a2 = a2  a3 = a3  v1 = v1  v2 = v2  None = None
  Acceptor <- MCAcceptor  Value <- MCValue  Quorum <- MCQuorum  Ballot <- MCBallot
  Ballot <-[Voting] MCBallot
""", (("ConcordPaxos", PAXOS % max_ballot),))


def two_phase(rms: int) -> Spec:
    names = ", ".join(f"r{i}" for i in range(1, rms + 1))
    return Spec("specifications/transaction_commit", "ConcordTwoPhase",
                f"CONSTANT RM = {{{names}}}\nINVARIANT TPTypeOK TCConsistent\nSPECIFICATION TPSpec\n",
                (("ConcordTwoPhase", TWO_PHASE),))


def lamport_mutex(n: int, max_clock: int) -> Spec:
    return Spec("specifications/lamport_mutex", "MCLamportMutex", f"""CONSTANTS N = {n}  MaxNat = {max_clock + 1}
  maxClock = {max_clock}  Nat <- NatOverride
INVARIANTS TypeOK BoundedNetwork Mutex
SPECIFICATION Spec
CONSTRAINT ClockConstraint
""")


def ewd840(n: int, liveness: bool | None = None) -> Spec:
    """EWD840.cfg's invariants; with liveness given, no invariant and the spec's Liveness property (or none)."""
    checks = "INVARIANTS TypeOK TerminationDetection Inv" if liveness is None else "PROPERTY Liveness" * liveness
    return Spec("specifications/ewd840", "EWD840", f"""CONSTANTS N = {n}
SPECIFICATION Spec
CHECK_DEADLOCK FALSE
{checks}
""")


def ewd998(n: int, max_counter: int, max_pending: int, max_q: int) -> Spec:
    return Spec("specifications/ewd998", "ConcordEWD998", f"""CONSTANTS N = {n}
  MaxCounter = {max_counter}  MaxPending = {max_pending}  MaxQ = {max_q}
CONSTRAINT MCStateConstraint
SPECIFICATION Spec
INVARIANTS TerminationDetection Inv TypeOK
CHECK_DEADLOCK FALSE
""", (("ConcordEWD998", EWD998),))


def fast_paxos() -> Spec:
    """The Examples' own FastPaxos.cfg: 4 replicas, 3 values, ballots 0..4, fast ballots {1, 3}, symmetry."""
    return Spec("specifications/SimplifiedFastPaxos", "FastPaxos", """CONSTANTS any = any  none = none
  r1 = r1  r2 = r2  r3 = r3  r4 = r4  Replicas = {r1, r2, r3, r4}  v1 = v1  v2 = v2  v3 = v3  Values = {v1, v2, v3}
  Ballots = {0, 1, 2, 3, 4}  FastBallots = {1, 3}
  Quorums = {{r1, r2, r3}, {r1, r2, r4}, {r1, r3, r4}, {r2, r3, r4}}
  FastQuorums = {{r1, r2, r3}, {r1, r2, r4}, {r1, r3, r4}, {r2, r3, r4}}
SPECIFICATION FastSpec
INVARIANTS FastTypeOK FastNontriviality
PROPERTY PaxosConsistency
SYMMETRY PaxosSymmetry
""")


RAFT = """---- MODULE ConcordRaft ----
EXTENDS raftnh
CONSTANTS MaxTerm, MaxLogLen, MaxMessages
BagSize == LET RECURSIVE Sum(_)
               Sum(S) == IF S = {} THEN 0 ELSE LET x == CHOOSE y \\in S : TRUE IN messages[x] + Sum(S \\ {x})
           IN Sum(DOMAIN messages)
Scope == /\\ \\A i \\in Server : currentTerm[i] <= MaxTerm
         /\\ \\A i \\in Server : Len(log[i]) <= MaxLogLen
         /\\ BagSize <= MaxMessages
====
"""


def raft(servers: int, values: int, max_term: int, max_log_len: int, max_messages: int) -> Spec:
    """Ongaro's raft.tla without its history variables, in the directory RAFT_TLA names, as raftnh.tla.

    Make raftnh.tla from github.com/ongardie/raft.tla (commit 6ecbdbc) by renaming its module and deleting
    the proof-only history: the variables elections, allLogs and voterLog (their declarations, their
    initialisation, every assignment and UNCHANGED mention, and their places in candidateVars, leaderVars
    and vars), the mlog field of both request records, and the allLogs conjunct of Next (which then is the
    disjunction alone). Scope is the bundled model's constraint: every term, every log length and the bag's
    total count bounded.
    """
    names = ", ".join(f"s{i}" for i in range(1, servers + 1))
    vals = ", ".join(f"v{i}" for i in range(1, values + 1))
    models = " ".join(f"{x} = {x}" for x in ("Follower", "Candidate", "Leader", "Nil", "RequestVoteRequest",
                                              "RequestVoteResponse", "AppendEntriesRequest", "AppendEntriesResponse"))
    return Spec(".", "ConcordRaft", f"""CONSTANTS Server = {{{names}}}  Value = {{{vals}}}  {models}
  MaxTerm = {max_term}  MaxLogLen = {max_log_len}  MaxMessages = {max_messages}
INIT Init
NEXT Next
CONSTRAINT Scope
""", (("ConcordRaft", RAFT),), root="RAFT_TLA")


def available() -> str:
    """Why TLC cannot run here, or "" when it can."""
    if not os.environ.get("TLC_JAR") or not Path(os.environ["TLC_JAR"]).is_file():
        return "set TLC_JAR to tla2tools.jar to time TLC too"
    if not os.environ.get("TLA_EXAMPLES") or not Path(os.environ["TLA_EXAMPLES"], "specifications").is_dir():
        return "set TLA_EXAMPLES to a checkout of github.com/tlaplus/Examples to time TLC too"
    if shutil.which("java") is None:
        return "java is not on the PATH"
    return ""


def run(spec: Spec, timeout: float = 3600) -> dict:
    """TLC's distinct states, generated states, depth and wall seconds on spec (one worker)."""
    if not os.environ.get(spec.root):
        raise RuntimeError(f"set {spec.root} to time TLC on {spec.module}")
    source = Path(os.environ[spec.root], spec.directory)
    with tempfile.TemporaryDirectory(prefix="concord-tlc-") as work:
        for module in source.glob("*.tla"):
            shutil.copy(module, work)
        for name, text in spec.modules:
            Path(work, f"{name}.tla").write_text(text)
        Path(work, "Concord.cfg").write_text(spec.cfg)
        started = time.perf_counter()
        library = [f"-DTLA-Library={os.environ['TLA_LIBRARY']}"] if os.environ.get("TLA_LIBRARY") else []
        done = subprocess.run(["java", *library, "-XX:+UseParallelGC", "-cp", os.environ["TLC_JAR"], "tlc2.TLC", "-workers", "1",
                               "-config", "Concord.cfg", "-metadir", str(Path(work, "states")), f"{spec.module}.tla"],
                              cwd=work, capture_output=True, text=True, timeout=timeout)
        seconds = time.perf_counter() - started
    found = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states found", done.stdout)
    depth = re.search(r"depth of the complete state graph search is (\d+)", done.stdout)
    if not found or not depth:
        tail = " | ".join(done.stdout.strip().splitlines()[-5:])
        raise RuntimeError(f"TLC on {spec.module} gave no counts (exit {done.returncode}): {tail}")
    return {"generated": int(found[1].replace(",", "")), "distinct": int(found[2].replace(",", "")),
            "depth": int(depth[1]), "seconds": seconds}
