"""Regenerate the command output embedded in docs/*.md, so no counterexample in the docs is typed by hand.

A block between ``<!-- concord: ARGS -->`` and ``<!-- /concord -->`` is replaced by the output of
``concord ARGS`` (from the first violation on, for ``check``), in a text code fence.
Run: python docs/generate.py [--check]   (--check: exit 1 if any page is out of date)
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
BLOCK = re.compile(r"(<!-- concord: (.*?) -->\n)(.*?)(<!-- /concord -->)", re.S)


def run(args: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=ROOT)
    argv = shlex.split(args)
    out = subprocess.run([sys.executable, "-m", "checker", *argv], capture_output=True, text=True, env=env, cwd=ROOT).stdout
    if argv[0] == "check" and "\n\n" in out:
        out = out[out.index("\n\n") + 2 :]
    out = re.sub(r"Time: .*\n", "", out)
    return out.rstrip() + "\n"


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: f"{m.group(1)}```text\n{run(m.group(2))}```\n{m.group(4)}", text)


def main(check_only: bool) -> int:
    stale = []
    for name in sorted(os.listdir(DOCS)):
        if not name.endswith(".md"):
            continue
        path = os.path.join(DOCS, name)
        with open(path, encoding="utf-8") as f:
            old = f.read()
        new = regenerate(old)
        if new != old:
            stale.append(name)
            if not check_only:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    for name in stale:
        print(f"{'stale' if check_only else 'updated'}: docs/{name}")
    return 1 if check_only and stale else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
