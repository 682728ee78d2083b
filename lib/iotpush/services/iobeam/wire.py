# wire.py: what the cold requests (token refresh, registration) share: a POST whose JSON answer
# is parsed straight from the socket (no buffer), and iobeam's error answers. A cold module.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import json

from ...errors import PushError
from ...streamer import NET_ERRORS, text


def post(client, path, data, headers):
    """POST; returns (status, the JSON of a 2xx answer or None). The answer is parsed from the
    socket as it arrives (no buffer); an error answer's first 256 bytes stay in transport.body."""
    got = [None]

    def load(raw):
        try:
            got[0] = json.load(raw)
        except ValueError:  # not JSON: left as None
            pass

    try:
        st = client.transport.request("POST", client._base + path, data.encode(), headers, load, 256)
    except NET_ERRORS as e:
        raise PushError(client.redact("iobeam: POST %s: network error %r" % (path, e)), None, True)
    return st, got[0]


def api_error(body):
    """errors[0] of an iobeam error answer, or None."""
    try:
        e = json.loads(body)["errors"][0]
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return e if isinstance(e, dict) else None


def detail(client):
    b = client.transport.body
    if not b:
        return ""
    e = api_error(b)
    return client.redact(": %s" % (e if e is not None else text(b[:120])))
