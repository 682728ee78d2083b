"""CPython part of `make bench`: iotpush against the official ISStreamer client (2.0.0, installed
for the bench only, `use_async=False`), the same 10,000 events to the same Initial State
emulator, measured alternately in rounds. Prints one JSON object.

    python -m tools.bench_cpython --isstreamer build/isstreamer [--events 10000 --rounds 5]

iotpush runs on CPython through the host test stand-ins (tests/host): the MicroPython-style
`requests` (a new connection per request, as the firmware's) and, for KeepAlive, MicroPython-style
sockets. The emulator hub runs in its own process (bounded lifetime), so the client's CPU time
(time.thread_time of the sending thread) is the client's alone. ISStreamer reaches the emulator
through a mount named "api" (it posts to /api/events on its base host).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "ist_TESTACCESSKEY0000000000000000"
KEYS = ("k0", "k1", "k2", "k3")


def value(i):
    m = i % 4
    return [i * 0.37 + 1 / 3, i, "s%d" % i, i % 8 == 3][m]


def serve(lifetime):
    """Child process: a hub with the Initial State emulator mounted at /initialstate and /api."""
    sys.path.insert(0, ROOT)
    from tools.emulators import Hub
    from tools.emulators.initialstate import InitialStateEmulator

    class ApiMount(InitialStateEmulator):
        name = "api"  # ISStreamer posts to <base>/api/...: the hub strips the mount name

        def handle(self, req):
            if not req.path.startswith("/api/"):  # ISStreamer's /api/events arrives as /events
                req.path = "/api" + req.path
            return super().handle(req)

    emu = ApiMount()
    from tools.bench import lean_rate

    emu._rate = lean_rate  # no rate-window bookkeeping: measure the clients, not the server
    with Hub([emu], lifetime=lifetime) as hub:
        print(hub.port, flush=True)
        end = time.time() + lifetime
        while time.time() < end and sys.stdin.readline():
            pass
        counts = {}
        for ev in emu.events:
            counts[ev["bucket"]] = counts.get(ev["bucket"], 0) + 1
        print(json.dumps(counts), flush=True)


def _install_iotpush_host():
    """Make lib/iotpush importable on CPython with MicroPython's modules stood in for."""
    sys.path.insert(0, os.path.join(ROOT, "lib"))
    sys.path.insert(0, ROOT)
    from tests.host import fakes, mp_requests, mp_socket

    t0 = time.monotonic()
    period = 1 << 30

    def ticks_ms():
        return int((time.monotonic() - t0) * 1000) % period

    def ticks_diff(a, b):
        return ((a - b + period // 2) % period) - period // 2

    time.ticks_ms = ticks_ms
    time.ticks_us = lambda: int((time.monotonic() - t0) * 1e6) % period
    time.ticks_add = lambda t, d: (t + d) % period
    time.ticks_diff = ticks_diff
    time.sleep_ms = lambda ms: time.sleep(ms / 1000)
    sys.modules["micropython"] = fakes.make_micropython()
    sys.modules["requests"] = mp_requests
    sys.modules["tls"] = mp_socket.tls_module
    import iotpush.sockhttp as sh

    sh.socket = mp_socket.socket_module
    sh.select = mp_socket.select_module


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--isstreamer", required=False)
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--serve", type=float, default=0)
    a = ap.parse_args(argv)
    if a.serve:
        return serve(a.serve)
    sys.path.insert(0, a.isstreamer)
    from ISStreamer.Streamer import Streamer as Official

    _install_iotpush_host()
    from iotpush import Streamer
    from iotpush.services.initialstate import InitialState
    from iotpush.sockhttp import KeepAlive

    srv = subprocess.Popen([sys.executable, "-m", "tools.bench_cpython", "--serve", "300"],
                           cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(srv.stdout.readline())
        base = "http://127.0.0.1:%d" % port
        with tempfile.TemporaryDirectory() as d:
            ini = os.path.join(d, "isstreamer.ini")
            with open(ini, "w") as f:
                f.write("[isstreamer.client_config]\naccess_key = %s\n"
                        "[isstreamer.api_config]\nstream_api_base = %s\n" % (KEY, base))
            official = Official(bucket_name="bench", bucket_key="bench-official",
                                access_key=KEY, ini_file_location=ini, use_async=False)
        svc = InitialState(KEY, "bench-iotpush", base_url=base + "/api/api", rate=100000,
                           burst=100000)
        ours = Streamer(svc, capacity=256)
        svc_ka = InitialState(KEY, "bench-iotpush-ka", base_url=base + "/api/api", rate=100000,
                              burst=100000)
        svc_ka.transport = KeepAlive(10)
        ours_ka = Streamer(svc_ka, capacity=256)

        def run_official(lo, hi):
            for i in range(lo, hi):
                official.log(KEYS[i % 4], value(i))
            official.flush()

        def run_ours(st, lo, hi):
            for i in range(lo, hi):
                st.log(KEYS[i % 4], value(i))
                if st.pending >= 10:
                    st.flush()
            while st.pending:
                st.flush()

        methods = {
            "isstreamer": run_official,
            "iotpush": lambda lo, hi: run_ours(ours, lo, hi),
            "iotpush_keepalive": lambda lo, hi: run_ours(ours_ka, lo, hi),
        }
        names = list(methods)
        per = a.events // a.rounds
        rows = []
        for rnd in range(a.rounds):
            k = rnd % len(names)
            for name in names[k:] + names[:k]:
                lo = rnd * per
                w0, c0 = time.perf_counter(), time.thread_time()
                methods[name](lo, lo + per)
                rows.append({"round": rnd, "method": name, "events": per,
                             "wall_s": time.perf_counter() - w0, "cpu_s": time.thread_time() - c0})
        official.close()
        ours.close()
        ours_ka.close()
        srv.stdin.close()
        arrived = json.loads(srv.stdout.readline())
        print(json.dumps({"rows": rows, "events_each": per * a.rounds, "arrived": arrived,
                          "python": sys.version.split()[0]}))
    finally:
        if not srv.stdin.closed:
            srv.stdin.close()
        srv.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
