"""`make demo`: the dev server with its live dashboard, and a board example running on the real
MicroPython interpreter pushing its (synthetic) sensor readings there through iotpush.

    make demo [BOARD=esp32|picow] [DEMO_SECONDS=10]
    python -m tools.demo [--board esp32] [--seconds 0] [--port 8321] [--interval 1]

The board is boards/<board>/boot.py then main.py, unchanged, on the unix port with a 64wK heap
(64 KB of a 32-bit board) and the fakes of tests/mp_lib for its Wi-Fi, sensor and watchdog; its
config.json (written to build/demo/<board>/) points at the local Initial State emulator. With
--seconds 0 it runs until Ctrl-C. At the end it prints how many events arrived per stream.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

from tools import devserver, mprun, mpy_build
from tools.emulators.initialstate import ACCESS_KEY

ROOT = mpy_build.ROOT
# boot.py, then main.py as __main__ (as a board runs them), from the board folder
_LAUNCH = """
for _f in %r:
    exec(compile(open(_f).read(), _f, "exec"), globals())
"""


def write_config(path, board, base_url, interval):
    with open(os.path.join(ROOT, "boards", board, "config.json")) as f:
        cfg = json.load(f)
    cfg["_help"] = "written by `make demo` for the local dev server; not a real account"
    cfg["wifi"].update(ssid="demo-wifi", password="demo-password")
    cfg["initialstate"].update(access_key=ACCESS_KEY, base_url=base_url,
                               bucket_key="demo_" + board, bucket_name="iotpush demo (%s)" % board)
    cfg["interval_s"] = interval
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="esp32", choices=("esp32", "picow"))
    ap.add_argument("--seconds", type=float, default=0, help="run time; 0 = until Ctrl-C")
    ap.add_argument("--port", type=int, default=8321, help="dev server port (busy: any free one)")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between readings")
    a = ap.parse_args(argv)
    lifetime = a.seconds + 60 if a.seconds else 4 * 3600
    hub = devserver.start("127.0.0.1", a.port, lifetime, fallback=True)
    try:
        return run(hub, a)
    finally:
        hub.stop()


def run(hub, a):
    flash = os.path.join(ROOT, "build", "demo", a.board)
    write_config(os.path.join(flash, "config.json"), a.board, hub.base("initialstate") + "/api",
                 a.interval)
    print("=" * 72)
    print("dashboard: %s   <- open it in your browser" % devserver.dashboard_url(hub))
    print("=" * 72)
    print("board: boards/%s/boot.py + main.py on MicroPython (unix port), a reading every %g s"
          % (a.board, a.interval))
    print("stops %s" % ("after %g s" % a.seconds if a.seconds else "with Ctrl-C"), flush=True)
    mpy_build.build()
    mpy_build.build(mprun.MP_LIB_MPY, mprun.MP_LIB)
    env = dict(os.environ, MICROPYPATH=":".join((
        ".frozen", mpy_build.DEFAULT_OUT, mprun.MP_LIB_MPY, os.path.join(ROOT, "boards", "shared"))))
    files = tuple(os.path.join(ROOT, "boards", a.board, f) for f in ("boot.py", "main.py"))
    proc = subprocess.Popen([mprun.micropython(), "-X", "heapsize=64wK", "-c", _LAUNCH % (files,)],
                            cwd=flash, env=env, start_new_session=True)
    try:
        if a.seconds:
            try:
                proc.wait(a.seconds)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)  # Ctrl-C: main.py sends what is buffered, stops
        proc.wait(30)
    except KeyboardInterrupt:  # Ctrl-C in the terminal
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.2)
    snap = devserver.snapshot(hub, 0)
    print("arrived at the dev server:")
    total = 0
    for name, emu in snap["emulators"].items():
        for stream, info in emu["streams"].items():
            print("  %-28s %5d events" % (name + "/" + stream, info["count"]))
            total += info["count"]
    print("  %-28s %5d events" % ("total", total))
    return 0 if total else 1


if __name__ == "__main__":
    sys.exit(main())
