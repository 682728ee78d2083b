"""The smallest `micropython -X heapsize=N` at which a script still completes: the true peak of
what it does (plus the interpreter's own start-up heap), deterministic on this port.

    from tools.heapbisect import Runner, min_heap
    r = Runner()                                  # compiles lib/ and bench/mp to .mpy
    n = min_heap(lambda heap: r.ok("b_flush", [...], heap, env))

`micropython.mem_peak()` never goes down when the GC frees memory, so it is no peak; bisecting
the heap cap is (see ../shared/notes/tooling.md section 1). Scripts run precompiled, as .mpy, so
compiling them costs nothing at run time.
"""
import os
import subprocess

from tools import mpy_build, mprun

ROOT = mpy_build.ROOT
BENCH_SRC = os.path.join(ROOT, "bench", "mp")
BENCH_OUT = os.path.join(ROOT, "build", "bench")


class Runner:
    """Runs bench scripts (bench/mp, compiled) with the library from .mpy or from .py source."""

    def __init__(self, extra_dirs=()):
        mpy_build.build()
        mpy_build.build(BENCH_OUT, BENCH_SRC)
        self.dirs = [BENCH_OUT, *extra_dirs]
        self.runs = 0

    def run(self, module, args=(), heap="64K", env=None, py=False, timeout=120):
        e = dict(os.environ)
        e.update(env or {})
        cmd = [mprun.micropython(), "-X", "heapsize=%s" % heap, "-m", module, *map(str, args)]
        self.runs += 1
        r = subprocess.run(cmd, env=mprun.env_for(py, self.dirs, e), capture_output=True,
                           text=True, timeout=timeout, cwd=ROOT)
        r.output = r.stdout + r.stderr
        return r

    def ok(self, module, args=(), heap="64K", env=None, py=False, check=None):
        """True when the script exits 0 having printed OK (and check(result) agrees)."""
        r = self.run(module, args, heap, env, py)
        good = r.returncode == 0 and "OK" in r.stdout.split()
        if good and check is not None:
            good = check(r)
        if not good and "MemoryError" not in r.output and r.returncode != 0 and heap_is_large(heap):
            raise RuntimeError("%s %s failed with a large heap:\n%s" % (module, args, r.output[-2000:]))
        return good


def heap_is_large(heap):
    return isinstance(heap, int) and heap >= 1 << 20


def min_heap(completes, lo=2048, hi=1 << 20, step=64):
    """Smallest heap size in bytes (to `step`) for which completes(heap) is True. The search
    assumes more heap never hurts; `hi` must complete (checked)."""
    if not completes(hi):
        raise RuntimeError("does not complete even with a %d-byte heap" % hi)
    while hi - lo > step:
        mid = (lo + hi) // 2 // step * step
        if mid <= lo:
            break
        if completes(mid):
            hi = mid
        else:
            lo = mid
    return hi
