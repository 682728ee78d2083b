# token.py: the iobeam project token: its `exp` claim read without a JWT library, and its
# refresh (POST tokens/project). A cold module: loaded for a call by base.cold() and forgotten
# after it. Blocking: a refresh is one request, up to the client's timeout per socket operation.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import binascii
import json

from ...clock import REF
from .base import USER_AGENT, UnknownCodeError
from .wire import detail, post

_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/="


def token_exp(token):
    """The `exp` claim of a JWT as a clock offset (Unix seconds - REF). Only the base64url payload
    is decoded; the signature is the service's business. Messages never contain the token."""
    if not isinstance(token, str):
        raise TypeError("projectToken must be a str")
    parts = token.split(".")
    if len(token) > 4096 or len(parts) != 3 or not parts[0] or not parts[1]:
        raise ValueError("projectToken is not a JWT (header.payload.signature)")
    for c in token.encode():  # bytes: iterating a str would intern each character
        if c != 46 and c not in _B64:
            raise ValueError("projectToken is not a JWT: base64url characters and dots only")
    p = parts[1].rstrip("=").replace("-", "+").replace("_", "/")
    try:
        claims = json.loads(binascii.a2b_base64(p + "=" * (-len(p) % 4)))
        exp = claims["exp"]
    except (ValueError, TypeError, KeyError, IndexError):
        raise ValueError("projectToken payload is not base64url JSON with an exp claim")
    if type(exp) is not int and type(exp) is not float or not 0 < exp < 1e11:
        raise ValueError("projectToken exp claim is not Unix seconds")
    return int(exp) - REF


def refresh(client):
    """POST tokens/project {"refresh_token"} without Authorization; on 200 the new token is
    used everywhere after (the stores share the client's headers). Raises PushError subclasses
    (rows untouched)."""
    st, ans = post(client, "tokens/project", '{"refresh_token": "%s"}' % client._token,
                    {"Content-Type": "application/json", "User-Agent": USER_AGENT})
    if st != 200:
        raise UnknownCodeError("iobeam: token refresh answered HTTP %s%s" % (st, detail(client)),
                               st, True)
    try:
        tok = ans["token"]  # type: ignore[index]
        exp = token_exp(tok)
    except (ValueError, TypeError, KeyError):
        raise UnknownCodeError("iobeam: token refresh answered 200 without a valid token", st, True)
    client._token = tok
    client._exp = exp
    client._stale = False
    client.headers["Authorization"] = "Bearer " + tok
