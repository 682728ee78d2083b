"""Scripted stand-in for `requests` for unit tests: records every request, answers from a script.

Script items: an int status, a (status, headers_dict, body_bytes) tuple, or an exception
instance to raise (e.g. OSError(110) for a timeout). With an empty script it answers `default`.
"""
import io


class _Raw(io.BytesIO):
    def __init__(self, body, owner):
        super().__init__(body)
        self.owner = owner

    def close(self):
        self.owner.closed += 1
        super().close()


class FakeResponse:
    def __init__(self, status, headers, body, owner):
        self.status_code = status
        self.reason = b"OK"
        self.headers = headers
        self.raw = _Raw(body, owner)

    def close(self):
        if self.raw is not None:
            self.raw.close()
            self.raw = None

    @property
    def content(self):
        b = self.raw.read()
        self.close()
        return b


class Sent:
    def __init__(self, method, url, headers, body):
        self.method, self.url, self.headers, self.body = method, url, headers, body

    def json(self):
        import json

        return json.loads(self.body)

    def __repr__(self):
        return "<Sent %s %s %r>" % (self.method, self.url, self.body[:60])


class FakeRequests:
    def __init__(self, default=204):
        self.script = []
        self.sent = []
        self.default = default
        self.opened = 0
        self.closed = 0
        self.timeouts = []

    def answer(self, *items):
        self.script.extend(items)
        return self

    def request(self, method, url, data=None, json=None, headers=None, stream=None, auth=None,
                timeout=None, parse_headers=True):
        body = bytes(data) if data is not None else b""
        self.sent.append(Sent(method, url, dict(headers or {}), body))
        self.timeouts.append(timeout)
        item = self.script.pop(0) if self.script else self.default
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, int):
            item = (item, {}, b"")
        status, hdrs, rbody = item
        d = {} if parse_headers is not False else None
        for k, v in hdrs.items():
            line = ("%s: %s\r\n" % (k, v)).encode()
            if parse_headers is True:
                d[k] = v
            elif callable(parse_headers):
                parse_headers(line, d)
        self.opened += 1
        return FakeResponse(status, d, rbody, self)

    def post(self, url, **kw):
        return self.request("POST", url, **kw)

    def get(self, url, **kw):
        return self.request("GET", url, **kw)
