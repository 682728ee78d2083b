"""python -m tools.devserver [--host 127.0.0.1] [--port 8321] [--lifetime 3600]"""
import argparse
import time

from tools import devserver


def main(argv=None):
    ap = argparse.ArgumentParser(description="Serve every service emulator and a live dashboard.")
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (0.0.0.0: reachable from boards on your network)")
    ap.add_argument("--port", type=int, default=8321)
    ap.add_argument("--lifetime", type=float, default=3600, help="seconds before it stops itself")
    a = ap.parse_args(argv)
    hub = devserver.start(a.host, a.port, a.lifetime)
    devserver.describe(hub, lambda s: print(s, flush=True))
    print("stops after %d s, or Ctrl-C" % a.lifetime, flush=True)
    try:
        while hub._server is not None:
            time.sleep(0.3)
    except KeyboardInterrupt:
        pass
    hub.stop()


if __name__ == "__main__":
    main()
