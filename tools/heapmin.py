"""Smallest MicroPython heap a script still completes in, found by bisection.

    python -m tools.heapmin [--lo 8K] [--hi 64K] [--step 256] script.py [args...]

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
    assuming it is monotonic; None if it fails even at `hi`."""
    lo, hi = lo // step * step, -(-hi // step) * step
    if not completes(hi):
        return None
    if completes(lo):
        return lo
    while hi - lo > step:
        mid = (lo + hi) // 2 // step * step
        if completes(mid):
            hi = mid
        else:
            lo = mid
    return hi


def main(argv):
    from tools import mprun

    opts = {"--lo": "8K", "--hi": "64K", "--step": "256"}
    while argv and argv[0] in opts:
        opts[argv[0]] = argv[1]
        argv = argv[2:]

    def completes(n):
        r = mprun.run(argv[0], argv[1:], heap=str(n))
        return r.returncode == 0 and "OK" in r.stdout

    n = min_heap(completes, parse_size(opts["--lo"]), parse_size(opts["--hi"]), parse_size(opts["--step"]))
    print("smallest heap: %s" % ("over %s" % opts["--hi"] if n is None else "%d bytes" % n))
    return 0 if n is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
