# initialstate.py: Initial State Events API (https://groker.init.st/api).
#
# JSON mode: POST /api/events, a JSON array of {"key", "value", "epoch"} objects, <= 10 per
# request, headers X-IS-AccessKey / X-IS-BucketKey / Accept-Version. URL mode: GET
# /api/events?accessKey=..&bucketKey=..&key=value&..; values arrive as strings and the server
# stamps them (this route cannot carry timestamps). Buckets: POST /api/buckets (201 created,
# 204 already there). Limits applied: 10 events and 3 requests/s (burst 10), values <= 2000
# characters, keys <= 100.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from micropython import const

from ..ring import F_NOCLOCK, F_NOTS
from ..service import Service, check_secret, check_url

BASE_URL = "https://groker.init.st/api"
ACCEPT_VERSION = "<=0.0.4"
USER_AGENT = "iotpush/0.1"
_NOTIME = F_NOCLOCK | F_NOTS  # events sent without a timestamp (server time)


def _check_bucket_key(bucket_key):
    if not isinstance(bucket_key, str):
        raise TypeError("bucket_key must be a str")
    if not 0 < len(bucket_key) <= 250:
        raise ValueError("bucket_key must be 1..250 characters")
    for c in bucket_key.encode():  # bytes: iterating a str would intern each character
        if c in b":\"'" or c < 32:
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
            from ..urlenc import quote

            self._url = "%s/events?accessKey=%s&bucketKey=%s&" % (
                self.base_url, quote(access_key), quote(bucket_key))
            self.headers = {"User-Agent": USER_AGENT}

    def __repr__(self):
        return "<InitialState %s %s bucket=%s keys=hidden>" % (
            self.mode, self.base_url, self.bucket_name or "-")

    # --- buckets ----------------------------------------------------------------------------
    def create_bucket(self, bucket_name=None):
        """Create the bucket (or find it there): True if created (201), False if it existed
        (204). Raises PushError otherwise (network fault: status None). Loads its code on use."""
        from .initialstate_cold import create_bucket

        return create_bucket(self, bucket_name)

    def prepare(self):
        if self._need_bucket:
            self.create_bucket()

    # --- events -----------------------------------------------------------------------------
    def encode(self, ring, limit, body):
        if self.mode == "url":
            from .initialstate_cold import encode_url

            return encode_url(self, ring, limit, body)
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


def __getattr__(name):
    # The ISStreamer-style facade lives in its own module: loaded only when asked for.
    if name == "Streamer":
        from .isstreamer import Streamer

        return Streamer
    raise AttributeError(name)
