"""Regenerate the output and pictures embedded in README.md and docs/*.md: no counterexample is typed or drawn by hand.

A block between ``<!-- concord: ARGS -->`` and ``<!-- /concord -->`` is replaced by the output of
``concord ARGS`` (from the first violation on, for ``check``), in a text code fence. A run too long for the
test suite is marked ``<!-- concord slow: ARGS -->``: --quick leaves its block as it is.
A block between ``<!-- concord-svg: check ARGS -> PATH -->`` and ``<!-- /concord-svg -->`` embeds
the image PATH (relative to the page), the sequence chart that ``concord check ARGS --render DIR``
draws of the one counterexample it finds.
Run: python docs/generate.py [--check] [--quick]   (--check: exit 1 if any page is out of date or an image
is missing; images are not redrawn, since Graphviz versions draw slightly different SVG; tests/test_docs.py
runs --check --quick, and the slow blocks are checked by a plain --check)
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
BLOCK = re.compile(r"(<!-- concord( slow)?: (.*?) -->\n)(.*?)(<!-- /concord -->)", re.S)
PICTURE = re.compile(r"(<!-- concord-svg: (.*?) -> (.*?) -->\n)(.*?)(<!-- /concord-svg -->)", re.S)


def concord(argv: list[str]) -> str:
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "checker", *argv], capture_output=True, text=True, env=env, cwd=ROOT).stdout


def run(args: str) -> str:
    argv = shlex.split(args)
    out = concord(argv)
    if argv[0] == "check" and "\n\n" in out:
        out = out[out.index("\n\n") + 2 :]
    out = re.sub(r"Time: .*\n", "", out)
    out = re.sub(r"by Z3 \([0-9.]+ ms\)", "by Z3", out)  # timings differ from run to run
    out = re.sub(r"(Liveness: judged on .*?) in [0-9.]+ s;", r"\1;", out)
    return out.rstrip() + "\n"


def draw(args: str, target: str) -> None:
    """Write the chart of the counterexample ``concord ARGS`` finds to target."""
    with tempfile.TemporaryDirectory() as tmp:
        concord([*shlex.split(args), "--quiet", "--render", tmp])
        drawn = [name for name in os.listdir(tmp) if name.endswith(".svg")]
        if len(drawn) != 1:
            raise SystemExit(f"concord {args} drew {len(drawn)} charts, not one: does it find one counterexample, "
                             "and is Graphviz's dot installed?")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(tmp, drawn[0]), target)


def regenerate(text: str, page_dir: str, check_only: bool, missing: list[str], quick: bool = False) -> str:
    def picture(m: re.Match) -> str:
        args, image = m.group(2), m.group(3)
        target = os.path.join(page_dir, image)
        if not check_only:
            draw(args, target)
        elif not os.path.isfile(target):
            missing.append(os.path.relpath(target, ROOT))
        return f"{m.group(1)}![Sequence chart: concord {args}]({image})\n{m.group(5)}"

    def block(m: re.Match) -> str:
        if quick and m.group(2):
            return m.group(0)
        return f"{m.group(1)}```text\n{run(m.group(3))}```\n{m.group(5)}"

    text = BLOCK.sub(block, text)
    return PICTURE.sub(picture, text)


def pages() -> list[str]:
    docs = [os.path.join(DOCS, name) for name in sorted(os.listdir(DOCS)) if name.endswith(".md")]
    return [os.path.join(ROOT, "README.md"), *docs]


def main(check_only: bool, quick: bool = False) -> int:
    stale, missing = [], []
    for path in pages():
        with open(path, encoding="utf-8") as f:
            old = f.read()
        new = regenerate(old, os.path.dirname(path), check_only, missing, quick)
        if new != old:
            stale.append(os.path.relpath(path, ROOT))
            if not check_only:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    for name in stale:
        print(f"{'stale' if check_only else 'updated'}: {name}")
    for name in missing:
        print(f"missing: {name}")
    return 1 if check_only and (stale or missing) else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:], "--quick" in sys.argv[1:]))
