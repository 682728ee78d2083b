"""Smallest MicroPython heap a script still completes in, found by bisection.

    python -m tools.heapmin [--lo 8K] [--hi 64K] [--step 256] script.py [args...]

The script is compiled to .mpy first (compiling it on the interpreter would cost more heap than
many operations being measured) and run with the library's .mpy build on its path; it must print
OK when it completes. Environment variables pass through (e.g. emulator URLs).

micropython.mem_peak() never goes down when the GC frees memory, so it is no peak measure; the
smallest `-X heapsize` at which the run still exits 0 (and prints OK) is (see
../shared/notes/tooling.md). Runs are deterministic, so the bisection is exact to `step` bytes.
The unix port is 64-bit: figures are upper bounds for 32-bit boards.
"""
import sys


def parse_size(s):
    s = str(s)
    mult = 1
    if s[-1] in "kK":
        mult, s = 1024, s[:-1]
    return int(s) * mult


def min_heap(completes, lo=8192, hi=65536, step=256):
    """Smallest heap size in bytes (a multiple of step) for which completes(bytes) is True,
    assuming it is monotonic; None if it fails even at `hi` (tools.heapbisect does the search)."""
    from tools.heapbisect import min_heap as bisect

    try:
        return bisect(completes, lo // step * step, -(-hi // step) * step, step)
    except RuntimeError:
        return None


def main(argv):
    import os
    import subprocess

    from tools import mprun, mpy_build

    opts = {"--lo": "8K", "--hi": "64K", "--step": "256"}
    while argv and argv[0] in opts:
        opts[argv[0]] = argv[1]
        argv = argv[2:]
    if not argv:
        print(__doc__)
        return 2
    out = os.path.join(mpy_build.ROOT, "build", "heapmin")
    os.makedirs(out, exist_ok=True)
    name = os.path.basename(argv[0])[:-3]
    subprocess.run([mpy_build.mpy_cross(), "-o", os.path.join(out, name + ".mpy"), argv[0]], check=True)
    env = mprun.env_for(False, [out])

    def completes(n):
        r = subprocess.run([mprun.micropython(), "-X", "heapsize=%d" % n, "-m", name, *argv[1:]],
                           env=env, capture_output=True, text=True, timeout=300)
        return r.returncode == 0 and "OK" in r.stdout

    n = min_heap(completes, parse_size(opts["--lo"]), parse_size(opts["--hi"]), parse_size(opts["--step"]))
    print("smallest heap: %s" % ("over %s" % opts["--hi"] if n is None else "%d bytes" % n))
    return 0 if n is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
