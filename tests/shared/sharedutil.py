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
        self.sent = []
        self.timeout = 5
        self.status = None
        self.retry_after = -1
        self.body = None

    def request(self, method, url, data=None, headers=None, read=0, err_read=0):
        self.sent.append(bytes(data) if data is not None else url)
        item = self.script.pop(0) if self.script else 204
        self.retry_after = -1
        self.body = None
        if isinstance(item, Exception):
            raise item
        if isinstance(item, tuple):
            item, self.retry_after, self.body = item
        self.status = item
        return item


def fake_service(*script, max_events=5):
    """A minimal service: each event becomes a line key=value; answers from `script`."""
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
    return svc
