"""Run a script on the real MicroPython unix port with the library on its path.

    python -m tools.mprun [--heap 64K] [--py] script.py [args...]

By default the library is the .mpy build (build/mpy, rebuilt when stale), as boards run it;
--py runs lib/ from source. tests/mp_lib (fakes of board-only modules such as `machine` and
`network`) comes next, then `.frozen` so the firmware's frozen `requests` stays importable.
"""
import os
import subprocess
import sys

from tools import mpy_build

ROOT = mpy_build.ROOT
MP_LIB = os.path.join(ROOT, "tests", "mp_lib")
# the fakes of board-only modules, compiled: on a board these modules are firmware and cost no
# heap to import, so compiling their stand-ins at run time would distort heap figures
MP_LIB_MPY = os.path.join(ROOT, "build", "mp_lib")


def micropython():
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    return exe if os.path.exists(exe) else "micropython"


def env_for(py=False, extra_path=(), env=None):
    lib = os.path.join(ROOT, "lib") if py else mpy_build.DEFAULT_OUT
    if not py:
        mpy_build.build()
    mpy_build.build(MP_LIB_MPY, MP_LIB)
    e = dict(os.environ if env is None else env)
    e["MICROPYPATH"] = ":".join([*extra_path, lib, MP_LIB_MPY, ".frozen"])
    return e


def run(script, args=(), heap="64K", py=False, env=None, extra_path=(), timeout=300, **kw):
    """subprocess.run of the interpreter; returns the CompletedProcess (text mode)."""
    cmd = [micropython(), "-X", "heapsize=" + heap, script, *args]
    return subprocess.run(cmd, env=env_for(py, extra_path, env), capture_output=True, text=True,
                          timeout=timeout, **kw)


def main(argv):
    heap, py = "64K", False
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--heap":
            heap = argv.pop(0)
        elif opt == "--py":
            py = True
    cmd = [micropython(), "-X", "heapsize=" + heap, *argv]
    os.execvpe(cmd[0], cmd, env_for(py))


if __name__ == "__main__":
    main(sys.argv[1:])
