"""Zab's bugs that lie beyond the test suite's time: no-truncate searched by BFS at its smallest scope, every
property checked (the first to break) and PrefixConsistency alone, with the times and trace lengths found;
--write stores both traces, which tests/test_zab.py replays. Then the spec at the same scope, every property
checked, against TLC's count there.

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
TRACES = os.path.join(ROOT, "tests", "traces")
FILES = {None: "zab-no-truncate-first.txt", "PrefixConsistency": "zab-no-truncate.txt"}
TLC = (671_092, 1_579_930, 43)  # TLC 2.20 on the spec without pc at SCOPE (256 s, one worker)


def main(argv: list[str]) -> None:
    for prop, name in FILES.items():
        started = time.perf_counter()
        r = check(Zab.variants["no-truncate"](*SCOPE), properties=[prop] if prop else None, workers=2)
        v = r.violations[0] if r.violations else None
        print(f"no-truncate {SCOPE}, {prop or 'every property'}: {r.verdict}, {r.stats.distinct:,} distinct, "
              f"{time.perf_counter() - started:.1f} s, {v.property if v else '-'} broken in {v.length if v else '-'} steps")
        if v and "--write" in argv:
            path = os.path.join(TRACES, name)
            with open(path, "w") as f:
                f.writelines(step.label + "\n" for step in v.trace[1:])
            print(f"wrote {path}")
    started = time.perf_counter()
    r = check(Zab(*SCOPE), stop_at_first=False, workers=2)
    st = r.stats
    print(f"the spec {SCOPE}: {r.verdict}, {st.distinct:,} distinct, {st.generated:,} generated, depth {st.depth} "
          f"(TLC: {TLC[0]:,}, {TLC[1]:,}, {TLC[2]}), {time.perf_counter() - started:.1f} s, "
          f"{st.bytes_per_state:.0f} B/state, peak RSS {st.peak_memory / 2**20:.0f} MB; violated: "
          f"{[v.property for v in r.violations] or 'none'}")


if __name__ == "__main__":
    main(sys.argv[1:])
