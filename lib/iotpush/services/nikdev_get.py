# nikdev_get.py: the cold paths of the NikDev client, loaded on first use: Api.get() and the
# shape of its answers. Allocates freely (lists, the parsed answer); blocks up to the
# request timeout per socket operation. Errors: nikdev._message() reads the server's text.
import json
from micropython import const

from ..clock import REF, clock
from ..streamer import NET_ERRORS
from ..urlenc import quote
from .nikdev import BAD_LUCK, GetException, _message

_GET_MAX = const(4096)  # bytes of a get() answer read at most


class Value:
    """One value read back by Api.get(): field_id, value and timestamp (Unix seconds, moved by
    round(local time - server time); None if the server gave no time)."""

    def __init__(self, field_id, value, timestamp=None):
        self.field_id = field_id
        self.value = value
        self.timestamp = timestamp

    def __eq__(self, other):
        return isinstance(other, Value) and (self.field_id, self.value, self.timestamp) == (
            other.field_id, other.value, other.timestamp)

    def __repr__(self):
        return "Value(%r, %r, %r)" % (self.field_id, self.value, self.timestamp)


def get(svc, field_ids):
    """GET <base>values/<id>,<id> for the NikDev service svc; a list of Value."""
    if isinstance(field_ids, str):
        field_ids = [field_ids]
    if not isinstance(field_ids, (list, tuple)) or not field_ids:
        raise TypeError("get() takes a field id or a non-empty list of field ids")
    for f in field_ids:
        svc.check_key(f)
    url = svc.base_url + "values/" + ",".join([quote(f) for f in field_ids])
    t = svc.transport
    try:
        status = t.request("GET", url, None, svc.get_headers, _GET_MAX, 256)
    except NET_ERRORS:
        raise GetException(BAD_LUCK)
    if status >= 500:
        raise GetException(BAD_LUCK, status)
    if not 200 <= status < 300:
        msg = _message(t.body or b"") or str(status)
        raise GetException(svc.redact("Bad request: " + msg), status)
    raw = t.body or b""
    try:
        data = json.loads(raw)["data"]
        server = data["servertime"]
        clock.stamp()
        off = clock.s + REF - server + (1 if clock.ms >= 500 else 0)
        out = []
        for item in data["values"]:
            for k in item:
                v = item[k]
                ts = v.get("timestamp")
                out.append(Value(k, v.get("value"), ts + off if ts is not None else None))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, UnicodeError):
        raise GetException("unexpected answer from the server (%d bytes; at most %d are read)"
                           % (len(raw), _GET_MAX), status)
    return out
