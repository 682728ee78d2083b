# urlenc.py: RFC 3986 percent-encoding for query strings (cold path: allocates).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_HEX = b"0123456789ABCDEF"


def quote_bytes(s):
    """Percent-encoded bytearray of s (str as UTF-8, or bytes); unreserved bytes pass through."""
    out = bytearray()
    for c in s.encode() if isinstance(s, str) else s:
        if c in _UNRESERVED:
            out.append(c)
        else:
            out.append(37)  # "%"
            out.append(_HEX[c >> 4])
            out.append(_HEX[c & 15])
    return out


def quote(s):
    """Percent-encoded str of s."""
    return str(quote_bytes(s), "ascii")


def urlencode(pairs):
    """'k=v&k2=v2' from (key, value) pairs; values that are not str go through str()."""
    return "&".join(quote(k) + "=" + quote(v if isinstance(v, str) else str(v)) for k, v in pairs)
