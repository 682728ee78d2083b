"""Compile lib/ to .mpy with mpy-cross, as boards should run it: python -m tools.mpy_build [out]

Only stale files are rebuilt. Exits non-zero (and names the file) if any file fails to compile.
"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib")
DEFAULT_OUT = os.path.join(ROOT, "build", "mpy")


def mpy_cross():
    exe = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    return exe if os.path.exists(exe) else shutil.which("mpy-cross") or "mpy-cross"


def sources(src=LIB):
    for d, _, files in os.walk(src):
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.relpath(os.path.join(d, f), src)


def build(out=DEFAULT_OUT, src=LIB, extra_args=()):
    """Compile every .py under src into out (same tree). Returns the list of .mpy paths."""
    built = []
    live = set()
    for rel in sources(src):
        target = os.path.join(out, rel[:-3] + ".mpy")
        live.add(target)
        srcf = os.path.join(src, rel)
        if not os.path.exists(target) or os.path.getmtime(target) < os.path.getmtime(srcf):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            r = subprocess.run([mpy_cross(), *extra_args, "-s", rel, "-o", target, srcf],
                               capture_output=True, text=True)
            if r.returncode:
                raise SystemExit("mpy-cross failed on %s:\n%s" % (rel, r.stderr))
        built.append(target)
    for d, _, files in os.walk(out):  # drop .mpy files whose source is gone
        for f in files:
            p = os.path.join(d, f)
            if p.endswith(".mpy") and p not in live:
                os.remove(p)
    return built


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    files = build(out)
    print("compiled %d files into %s" % (len(files), os.path.relpath(out, ROOT)))
