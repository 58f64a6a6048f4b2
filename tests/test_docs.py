"""The docs show what the checker prints today: every embedded run is regenerated and compared (but those
marked slow, which `python docs/generate.py --check` compares)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_docs_are_up_to_date():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "generate.py"), "--check", "--quick"], capture_output=True, text=True)
    assert p.returncode == 0, f"run 'python docs/generate.py': {p.stdout}{p.stderr}"
