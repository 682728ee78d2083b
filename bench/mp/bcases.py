# Service cases for the bench scripts (device side): make(name, base, mode) -> a service.
# A new service adds a function named like its case in tools/bench_cases.py, taking the
# emulator's base URL (http://127.0.0.1:<port>/<emulator>) and a mode, with limits lifted so the
# rate limiter never waits during a measurement.
KEYS = ("k0", "k1", "k2", "k3")  # the same literal keys in every script and baseline


def value(i):
    """The i-th value of the standard event mix: float, int, short str, bool."""
    m = i % 4
    if m == 0:
        return i * 0.37 + 1 / 3
    if m == 1:
        return i
    if m == 2:
        return "s%d" % i
    return i % 8 == 3


def initialstate(base, mode):
    from iotpush.services.initialstate import InitialState

    return InitialState("ist_TESTACCESSKEY0000000000000000", "bench", base_url=base + "/api",
                        mode=mode, rate=100000, burst=100000, timeout=10)


def make(name, base, mode):
    return globals()[name](base, mode)
