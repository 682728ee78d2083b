"""`make demo`: the library on the real MicroPython interpreter pushing synthetic sensor data to
a local Initial State emulator on 127.0.0.1, then a summary of what arrived."""
import argparse
import os
import sys

from tools import mprun
from tools.emulators import Hub


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=0, help="run time (0: 5 s)")
    a = ap.parse_args(argv)
    seconds = a.seconds or 5
    with Hub(lifetime=seconds + 120) as hub:
        url = hub.base("initialstate") + "/api"
        print("Initial State emulator at %s" % url)
        env = dict(os.environ, IS_URL=url, DEMO_SECONDS=str(seconds))
        r = mprun.run(os.path.join(mprun.ROOT, "tools", "demo_device.py"), env=env,
                      timeout=seconds + 120)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        emu = hub["initialstate"]
        streams = emu.streams()
        print("arrived at the emulator: %d events in %d requests" % (len(emu.events), len(emu.log)))
        for name, points in sorted(streams.items()):
            print("  %-12s %4d events, last value %r" % (name, len(points), points[-1][1]))
        return r.returncode


if __name__ == "__main__":
    sys.exit(main())
