# Helpers for tests that run both under pytest (CPython) and on the MicroPython interpreter.
# Library imports happen inside functions: under pytest every test gets a fresh `iotpush`.


def raises(exc, fn, *args, **kw):
    """Call fn and return the exception it raised, which must be an `exc`."""
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("%s did not raise %s" % (getattr(fn, "__name__", fn), exc.__name__))


class FakeTransport:
    """Answers requests from a script: ints are statuses, exceptions are raised."""

    def __init__(self, *script):
        self.script = list(script)
        self.default = 204  # the answer once the script is used up (a status or an exception)
        self.sent = []
        self.ok = []
        self.timeout = 5
        self.status = None
        self.retry_after = -1
        self.body = None

    def request(self, method, url, data=None, headers=None, read=0, err_read=0):
        self.sent.append(bytes(data) if data is not None else url)
        item = self.script.pop(0) if self.script else self.default
        if isinstance(item, int) and 200 <= item < 300:
            self.ok.append(self.sent[-1])  # bodies the "service" accepted
        self.retry_after = -1
        self.body = None
        if isinstance(item, Exception):
            raise item
        if isinstance(item, tuple):
            item, self.retry_after, self.body = item
        self.status = item
        return item


def fake_service(*script, max_events=5, offline=False):
    """A minimal service: each event becomes a line key=value; answers from `script` (then 204,
    or with offline=True an OSError for every further request)."""
    from iotpush.service import Service

    class FakeService(Service):
        name = "fake"
        max_key = 20
        max_str = 50
        body_size = 256

        def encode(self, ring, limit, body):
            n = 0
            while n < ring.count and n < limit:
                ring.at(n)
                body.dump(ring.keys[ring.ki])
                body.write(b"=")
                body.dump(ring.val)
                body.write(b"\n")
                n += 1
            return n

    svc = FakeService(timeout=5, rate=1000, burst=1000)
    svc.max_events = max_events
    svc.url = "http://127.0.0.1:9/x"
    svc.headers = {}
    svc.transport = FakeTransport(*script)
    if offline:
        svc.transport.default = OSError(113)  # EHOSTUNREACH
    return svc


# --- for the store tests (both runtimes: plain os functions, /tmp exists on the unix port) ----
def tmpdir():
    """A fresh, empty directory path under /tmp (not created: the store creates it)."""
    import os
    import random

    while True:
        p = "/tmp/iotpush-test-%08x" % random.getrandbits(32)
        try:
            os.stat(p)
        except OSError:
            return p


def rmtree(path):
    import os

    try:
        names = os.listdir(path)
    except OSError:
        return
    for n in names:
        os.remove(path + "/" + n)
    os.rmdir(path)


def sent_values(transport):
    """Values of every event the fake service accepted (2xx), in order (bodies: key=value lines)."""
    import json

    out = []
    for body in transport.ok:
        for line in str(body, "utf-8").split("\n"):
            if line:
                out.append(json.loads(line.split("=", 1)[1]))
    return out
