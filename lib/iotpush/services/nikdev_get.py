# nikdev_get.py: Api.get() of the NikDev client, loaded on its first call (most devices only
# push). Allocates freely (the URL, the parsed answer, the Value list); blocks up to the
# request timeout per socket operation.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import json

from ..clock import REF, clock
from ..streamer import NET_ERRORS
from ..urlenc import quote
from .nikdev import BAD_LUCK, GetException, server_message


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
    """GET <base>values/<id>,<id> for the NikDev service svc; a list of Value. The answer is
    parsed as it arrives from the socket (json.load): no buffer for its text."""
    if isinstance(field_ids, str):
        field_ids = [field_ids]
    if not isinstance(field_ids, (list, tuple)) or not field_ids:
        raise TypeError("get() takes a field id or a non-empty list of field ids")
    for f in field_ids:
        svc.check_key(f)
    url = svc.base_url + "values/" + ",".join([quote(f) for f in field_ids])
    got: list = [None]

    def load(stream):
        try:
            got[0] = json.load(stream)
        except (ValueError, TypeError, UnicodeError):
            got[0] = None  # not JSON: said below, not taken for a network fault

    t = svc.transport
    try:
        status = t.request("GET", url, None, svc.get_headers, load, 256)
    except NET_ERRORS:
        raise GetException(BAD_LUCK)
    if status >= 500:
        raise GetException(BAD_LUCK, status)
    if not 200 <= status < 300:
        msg = server_message(t.body or b"") or str(status)
        raise GetException(svc.redact("Bad request: " + msg), status)
    try:
        data = got[0]["data"]
        server = data["servertime"]
        clock.stamp()
        off = clock.s + REF - server + (1 if clock.ms >= 500 else 0)
        out = []
        for item in data["values"]:
            for k in item:
                v = item[k]
                ts = v.get("timestamp")
                out.append(Value(k, v.get("value"), ts + off if ts is not None else None))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        raise GetException("unexpected answer from the server", status)
    return out
