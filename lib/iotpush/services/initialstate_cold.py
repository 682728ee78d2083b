# initialstate_cold.py: the rarely used parts of the Initial State service (bucket creation,
# URL-parameter mode), loaded on first use so a board running the JSON mode does not keep them.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from micropython import const

from ..encode import Body
from ..errors import PushError
from ..streamer import NET_ERRORS, text
from ..transport import DELIVERED, classify
from ..urlenc import quote, quote_bytes
from .initialstate import USER_AGENT

_URL_SOFT_MAX = const(1500)  # bytes of key=value pairs per URL-mode request
_seen = bytearray(32)  # which key indexes are in the request being built (bit set)


def create_bucket(svc, bucket_name=None):
    """Create the bucket (or find it there): True if created (201), False if it existed
    (204). Raises PushError otherwise (network fault: status None)."""
    name = bucket_name or svc.bucket_name or svc._bk
    t = svc.transport
    try:
        if svc.mode == "json":
            b = Body(128 + len(name) + len(svc._bk))
            b.write(b'{"bucketKey": ')
            b.dump(svc._bk)
            b.write(b', "bucketName": ')
            b.dump(name)
            b.write(b"}")
            t.request("POST", svc.base_url + "/buckets", b.data(), svc.headers, 0, 256)
        else:
            url = "%s/buckets?accessKey=%s&bucketKey=%s&bucketName=%s" % (
                svc.base_url, quote(svc._ak), quote(svc._bk), quote(name))
            t.request("POST", url, None, {"User-Agent": USER_AGENT, "Content-Length": "0"}, 0, 256)
    except NET_ERRORS as e:
        raise PushError(svc.redact("initialstate: bucket creation failed: %r" % (e,)), None)
    if classify(t.status) != DELIVERED:
        msg = "initialstate: bucket creation answered HTTP %s" % t.status
        if t.body:
            msg += ": " + text(t.body[:120])
        raise PushError(svc.redact(msg), t.status)
    svc.bucket_created = t.status != 204
    svc._need_bucket = False
    return svc.bucket_created


def encode_url(svc, ring, limit, body):
    """One URL-mode request: key=value pairs, each key once (the server stamps them alike)."""
    seen = _seen
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
    svc.url = svc._url + body.text()
    return n
