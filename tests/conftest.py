"""CPython harness: run the board library (lib/) under CPython with MicroPython's modules faked.

- `micropython`, `machine`, `network` fakes are put in sys.modules; `requests`/`urequests` is a
  MicroPython-compatible HTTP client over real sockets (tests/host/mp_requests.py).
- MicroPython's time functions (ticks_ms, ticks_diff, ticks_add, sleep_ms) are added to CPython's
  `time` from a FakeClock for each test and removed after it; sleep_ms() advances fake time.
- Every test starts with a freshly imported `iotpush` (module state does not leak between tests).
"""
import gc
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lib"))
sys.path.insert(0, ROOT)

from tests.host import fakes, mp_requests  # noqa: E402
from tests.host.fakehttp import FakeRequests  # noqa: E402

_TICK_NAMES = ("ticks_ms", "ticks_us", "ticks_add", "ticks_diff", "sleep_ms", "sleep_us")


def _purge():
    for name in list(sys.modules):
        if name == "iotpush" or name.startswith("iotpush."):
            del sys.modules[name]


@pytest.fixture(autouse=True)
def mp(monkeypatch):
    """Fakes for one test; returns a namespace with .clock (FakeClock) and helpers."""
    clock = fakes.FakeClock()
    clock.install(monkeypatch, time)
    # Library modules call gc.collect() as they load (it tidies a MicroPython heap); on CPython a
    # full collection of the test process costs ~50 ms each, and every test imports afresh.
    monkeypatch.setattr(gc, "collect", lambda *a: 0)
    monkeypatch.setitem(sys.modules, "micropython", fakes.make_micropython())
    monkeypatch.setitem(sys.modules, "machine", fakes.make_machine())
    monkeypatch.setitem(sys.modules, "network", fakes.make_network())
    monkeypatch.setitem(sys.modules, "requests", mp_requests)
    monkeypatch.setitem(sys.modules, "urequests", mp_requests)
    _purge()
    ns = type("MP", (), {})()
    ns.clock = clock
    yield ns
    _purge()


@pytest.fixture
def http(monkeypatch):
    """Replace the library's HTTP client by a scripted fake (no network)."""
    import iotpush.transport as t

    fake = FakeRequests()
    monkeypatch.setattr(t, "requests", fake)
    monkeypatch.setattr(t, "_tracker", None)
    return fake


@pytest.fixture(scope="module")
def _module_hub():
    from tools.emulators import Hub

    h = Hub(lifetime=300).start()
    yield h
    h.stop()


@pytest.fixture
def hub(request):
    """A running emulator hub on 127.0.0.1 with every service emulator. A test module that sets
    SHARED_HUB = True gets one hub for the whole module, reset before each test (starting and
    stopping one per test costs time); other modules get a fresh one per test."""
    if getattr(request.module, "SHARED_HUB", False):
        h = request.getfixturevalue("_module_hub")
        h.reset()
        yield h
        return
    from tools.emulators import Hub

    h = Hub(lifetime=300).start()
    yield h
    h.stop()


@pytest.fixture(scope="session")
def mp_tests():
    """Compile lib/ and the device-side test scripts (tests/mp, tests/shared) to .mpy; returns
    run(module, args=(), heap="64K", env=None) -> CompletedProcess with .output, running
    `micropython -X heapsize=<heap> -m <module>`."""
    from tools import mpy_build, mprun

    mpy_build.build()
    dirs = []
    for src in ("mp", "shared"):
        dirs.append(os.path.join(os.path.join(ROOT, "build", "mp-tests"), src))
        mpy_build.build(dirs[-1], os.path.join(ROOT, "tests", src))

    def run(module, args=(), heap="64K", env=None, timeout=240):
        e = dict(os.environ)
        e.update(env or {})
        cmd = [mprun.micropython(), "-X", "heapsize=" + heap, "-m", module, *args]
        r = subprocess.run(cmd, env=mprun.env_for(False, dirs, e), capture_output=True,
                           text=True, timeout=timeout, cwd=ROOT)
        r.output = r.stdout + r.stderr
        return r

    return run


def pytest_sessionfinish(session, exitstatus):
    # The harness must not leave MicroPython names in CPython's time module after the tests.
    stray = [n for n in _TICK_NAMES if hasattr(time, n)]
    if stray and exitstatus == 0:
        session.exitstatus = 1
        print("\nCPython's time module still has %s after the tests" % stray)


# --- reliability (issue 4): a MicroPython process the test can look at while it runs ----------
@pytest.fixture(scope="session")
def mp_popen(mp_tests):
    """start(module, args=(), heap="64K", env=None) -> subprocess.Popen of
    `micropython -X heapsize=<heap> -m <module>` (text pipes for stdin/stdout, stderr merged), with
    the same .mpy build and path as `mp_tests`; the caller waits for it (or kills it)."""
    from tools import mprun

    dirs = [os.path.join(ROOT, "build", "mp-tests", d) for d in ("mp", "shared")]

    def start(module, args=(), heap="64K", env=None):
        e = dict(os.environ)
        e.update(env or {})
        cmd = [mprun.micropython(), "-X", "heapsize=" + heap, "-m", module, *args]
        return subprocess.Popen(cmd, env=mprun.env_for(False, dirs, e), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                cwd=ROOT)

    return start
