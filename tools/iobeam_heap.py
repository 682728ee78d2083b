"""The smallest MicroPython heap the iobeam device scripts complete in (unix port, from .mpy).

    python -m tools.iobeam_heap [--rows 500]

Bisects `-X heapsize` for the two boots of tests/mp/t_iobeam_reg.py (refresh, register, save the
id) and tests/mp/t_iobeam_500.py (read the id back, push the rows), each against a fresh local
iobeam emulator on 127.0.0.1 (stopped afterwards). Deterministic: the same build gives the same
figures. About 30 runs of the interpreter; a few seconds.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

from tools import mpy_build, mprun
from tools.emulators import Hub
from tools.heapbisect import min_heap

ROOT = mpy_build.ROOT
SCRIPTS = os.path.join(ROOT, "build", "mp-tests", "mp")


def _boot(script, heap, env):
    cmd = [mprun.micropython(), "-X", "heapsize=%d" % heap, "-m", script]
    r = subprocess.run(cmd, env=mprun.env_for(False, [SCRIPTS], env), capture_output=True,
                       text=True, timeout=120, cwd=ROOT)
    return r.returncode == 0


def run(heap_reg, heap_push, rows):
    """(register boot ok, push boot ok) with these heaps, against a fresh emulator."""
    with Hub(lifetime=120) as hub, tempfile.TemporaryDirectory() as where:
        emu = hub["iobeam"]
        env = dict(os.environ, IOBEAM_URL=hub.base("iobeam") + "/v1/", IOBEAM_DIR=where,
                   IOBEAM_TOKEN=emu.make_token(exp=int(time.time()) + 3600), ROWS=str(rows))
        if not _boot("t_iobeam_reg", heap_reg, env):
            return False, False
        return True, _boot("t_iobeam_500", heap_push, env) and len(emu.rows) == rows


def smallest(ok, lo=16 * 1024, hi=256 * 1024):
    return min_heap(ok, lo, hi, 128)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=500)
    a = ap.parse_args(argv)
    mpy_build.build()
    mpy_build.build(SCRIPTS, os.path.join(ROOT, "tests", "mp"))
    reg = smallest(lambda h: run(h, 256 * 1024, a.rows)[0])
    push = smallest(lambda h: run(256 * 1024, h, a.rows)[1])
    print("register boot (refresh, register, save the id): %d bytes" % reg)
    print("push boot (id read back, refresh, %d rows):      %d bytes" % (a.rows, push))
    return 0


if __name__ == "__main__":
    sys.exit(main())
