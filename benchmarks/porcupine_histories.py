"""Porcupine's published histories checked by Concord against Porcupine's own verdicts: its six kv files
(get/put/append, test_data/kv) and the 102 Jepsen etcd logs (test_data/jepsen, from Horn and Kroening's
linearizability-checker). The data is not in this repository: give a checkout's test_data/ folder.

Run: python benchmarks/porcupine_histories.py PATH/TO/porcupine/test_data
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from specs.consistency import check_linearizable  # noqa: E402
from specs.history import load_history  # noqa: E402

PORCUPINE_KV = {"c01-ok": True, "c01-bad": False, "c10-ok": True, "c10-bad": False, "c50-ok": True,
                "c50-bad": False}
"""Porcupine's verdicts on its test_data/kv files (TestKv* in its porcupine_test.go)."""

ETCD_LINEARIZABLE = {2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102}
"""Of the 102 Jepsen etcd logs (etcd_000.log to etcd_102.log, no 095), those Porcupine's TestEtcdJepsen* find
linearizable; the others are not."""


def main(data: Path) -> int:
    cases = [(data / "kv" / f"{name}.txt", "kv", True, ok) for name, ok in PORCUPINE_KV.items()]
    cases += [(data / "jepsen" / f"etcd_{n:03d}.log", "register", False, n in ETCD_LINEARIZABLE)
              for n in range(103) if n != 95]
    wrong, slowest = [], 0.0
    for path, model, keyed, expected in cases:
        started = time.perf_counter()
        ok = check_linearizable(load_history(path, keyed=keyed), model).ok
        slowest = max(slowest, time.perf_counter() - started)
        if ok is not expected:
            wrong.append(path.name)
    print(f"{len(cases) - len(wrong)} of {len(cases)} histories get Porcupine's verdict (slowest {slowest:.2f} s)"
          + (f"; different: {', '.join(wrong)}" if wrong else ""))
    return 1 if wrong else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    sys.exit(main(Path(sys.argv[1])))
