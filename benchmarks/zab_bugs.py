"""Zab's bugs that lie beyond the test suite's time: no-truncate searched by BFS at its smallest scope, with
the time and the trace length found; --write stores the trace that tests/test_zab.py replays.

Run: python benchmarks/zab_bugs.py [--write]
"""

from __future__ import annotations

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from checker import check  # noqa: E402
from models.zab import Zab  # noqa: E402

SCOPE = (3, 1, 2, 3, 0)  # servers, max_timeout_failures, max_transactions, max_epoch, max_restarts
TRACE = os.path.join(ROOT, "tests", "traces", "zab-no-truncate.txt")


def main(argv: list[str]) -> None:
    started = time.perf_counter()
    r = check(Zab.variants["no-truncate"](*SCOPE), properties=["PrefixConsistency"], workers=2)
    v = r.violation("PrefixConsistency")
    print(f"no-truncate {SCOPE}: {r.verdict}, {r.stats.distinct:,} distinct, {time.perf_counter() - started:.1f} s, "
          f"PrefixConsistency broken in {v.length if v else '-'} steps")
    if v and "--write" in argv:
        with open(TRACE, "w") as f:
            f.writelines(step.label + "\n" for step in v.trace[1:])
        print(f"wrote {TRACE}")


if __name__ == "__main__":
    main(sys.argv[1:])
