"""Run the emulators: python -m tools.emulators [--port N] [--host 127.0.0.1] [--lifetime S]"""
import argparse
import time

from . import Hub


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8321)
    ap.add_argument("--lifetime", type=float, default=3600, help="seconds before it stops itself")
    a = ap.parse_args()
    hub = Hub(host=a.host, port=a.port, lifetime=a.lifetime).start()
    for name in hub.emulators:
        print("%-14s %s" % (name, hub.base(name)), flush=True)
    try:
        while hub._server is not None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        hub.stop()


if __name__ == "__main__":
    main()
