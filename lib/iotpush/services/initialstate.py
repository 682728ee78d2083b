# initialstate.py: Initial State Events API (https://groker.init.st/api).
#
# JSON mode: POST /api/events, a JSON array of {"key", "value", "epoch"} objects, <= 10 per
# request, headers X-IS-AccessKey / X-IS-BucketKey / Accept-Version. URL mode: GET
# /api/events?accessKey=..&bucketKey=..&key=value&..; values arrive as strings and the server
# stamps them (this route cannot carry timestamps). Buckets: POST /api/buckets (201 created,
# 204 already there). Limits applied: 10 events and 3 requests/s (burst 10), values <= 2000
# characters, keys <= 100.
from micropython import const

from ..streamer import NET_ERRORS, text
from ..encode import Body
from ..errors import PushError
from ..ring import F_NOCLOCK, F_NOTS
from ..service import Service, check_secret, check_url
from ..transport import DELIVERED, classify
from ..urlenc import quote, quote_bytes

BASE_URL = "https://groker.init.st/api"
ACCEPT_VERSION = "<=0.0.4"
USER_AGENT = "iotpush/0.1"
_URL_SOFT_MAX = const(1500)  # bytes of key=value pairs per URL-mode request
_NOTIME = F_NOCLOCK | F_NOTS  # events sent without a timestamp (server time)


def _check_bucket_key(bucket_key):
    if not isinstance(bucket_key, str):
        raise TypeError("bucket_key must be a str")
    if not 0 < len(bucket_key) <= 250:
        raise ValueError("bucket_key must be 1..250 characters")
    for c in bucket_key:
        if c in ":\"'" or c < " ":
            raise ValueError("bucket_key must not contain : \" ' or control characters")


class InitialState(Service):
    """Initial State Events API. mode="json" (default, timestamps kept) or "url" (server time).

    Blocking: each request up to `timeout` s per socket operation. Memory: the Streamer's
    buffers plus a few hundred bytes here; URL mode allocates the URL string per request.
    """

    name = "initialstate"
    max_events = 10
    max_key = 100
    max_str = 2000
    body_size = 1024
    allow_none = False

    def __init__(self, access_key, bucket_key, bucket_name=None, base_url=BASE_URL,
                 mode="json", timeout=10, rate=3, burst=10):
        super().__init__(timeout, rate, burst)
        check_secret(access_key, "access_key")
        _check_bucket_key(bucket_key)
        if bucket_name is not None and (not isinstance(bucket_name, str) or len(bucket_name) > 250):
            raise ValueError("bucket_name must be a str of at most 250 characters")
        if mode not in ("json", "url"):
            raise ValueError('mode must be "json" or "url"')
        self.base_url = check_url(base_url).rstrip("/")
        self.mode = mode
        self.bucket_name = bucket_name
        self.bucket_created = None  # True (201), False (204: existed), None (not asked)
        self._secrets = (access_key, bucket_key)
        self._ak = access_key
        self._bk = bucket_key
        self._need_bucket = bucket_name is not None
        self._seen = bytearray(32)  # URL mode: which key indexes are in the request (bit set)
        if mode == "json":
            self.url = self.base_url + "/events"
            self.headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Accept-Version": ACCEPT_VERSION,
                "X-IS-AccessKey": access_key,
                "X-IS-BucketKey": bucket_key,
            }
        else:
            self.method = "GET"
            self.has_body = False
            self._url = "%s/events?accessKey=%s&bucketKey=%s&" % (
                self.base_url, quote(access_key), quote(bucket_key))
            self.headers = {"User-Agent": USER_AGENT}

    def __repr__(self):
        return "<InitialState %s %s bucket=%s keys=hidden>" % (
            self.mode, self.base_url, self.bucket_name or "-")

    # --- buckets ----------------------------------------------------------------------------
    def create_bucket(self, bucket_name=None):
        """Create the bucket (or find it there): True if created (201), False if it existed
        (204). Raises PushError otherwise (network fault: status None)."""
        name = bucket_name or self.bucket_name or self._bk
        t = self.transport
        try:
            if self.mode == "json":
                b = Body(128 + len(name) + len(self._bk))
                b.write(b'{"bucketKey": ')
                b.dump(self._bk)
                b.write(b', "bucketName": ')
                b.dump(name)
                b.write(b"}")
                t.request("POST", self.base_url + "/buckets", b.data(), self.headers, 0, 256)
            else:
                url = "%s/buckets?accessKey=%s&bucketKey=%s&bucketName=%s" % (
                    self.base_url, quote(self._ak), quote(self._bk), quote(name))
                t.request("POST", url, None, {"User-Agent": USER_AGENT, "Content-Length": "0"}, 0, 256)
        except NET_ERRORS as e:
            raise PushError(self.redact("initialstate: bucket creation failed: %r" % (e,)), None)
        if classify(t.status) != DELIVERED:
            msg = "initialstate: bucket creation answered HTTP %s" % t.status
            if t.body:
                msg += ": " + text(t.body[:120])
            raise PushError(self.redact(msg), t.status)
        self.bucket_created = t.status != 204
        self._need_bucket = False
        return self.bucket_created

    def prepare(self):
        if self._need_bucket:
            self.create_bucket()

    # --- events -----------------------------------------------------------------------------
    def encode(self, ring, limit, body):
        if self.mode == "url":
            return self._encode_url(ring, limit, body)
        w = body.write
        w(b"[")
        n = 0
        cnt = ring.count if ring.count < limit else limit
        keys = ring.keys
        while n < cnt:
            ring.at(n)
            w(b'{"key": ' if not n else b', {"key": ')
            body.dump(keys[ring.ki])
            w(b', "value": ')
            body.dump(ring.val)
            if not ring.fl & _NOTIME:
                w(b', "epoch": ')
                body.epoch(ring.s, ring.ms)
            w(b"}")
            n += 1
        w(b"]")
        return n

    def _encode_url(self, ring, limit, body):
        seen = self._seen
        for i in range(32):
            seen[i] = 0
        n = 0
        cnt = ring.count if ring.count < limit else limit
        while n < cnt:
            ring.at(n)
            ki = ring.ki
            if seen[ki >> 3] & (1 << (ki & 7)):
                break  # one value per key and request: the server stamps them all alike
            if n and body.tell() > _URL_SOFT_MAX:
                break
            seen[ki >> 3] |= 1 << (ki & 7)
            if n:
                body.write(b"&")
            body.write(quote_bytes(ring.keys[ki]))
            body.write(b"=")
            v = ring.val
            if v is True:
                body.write(b"true")
            elif v is False:
                body.write(b"false")
            else:
                body.write(quote_bytes(v if type(v) is str else str(v)))  # 1e+22: + is escaped
            n += 1
        self.url = self._url + body.text()
        return n


def __getattr__(name):
    # The ISStreamer-style facade lives in its own module: loaded only when asked for.
    if name == "Streamer":
        from .isstreamer import Streamer

        return Streamer
    raise AttributeError(name)
