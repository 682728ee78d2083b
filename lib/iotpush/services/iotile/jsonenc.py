# jsonenc.py: JSON text exactly as CPython's json.dumps writes it by default (", " and ": "
# separators, every character outside printable ASCII as \uXXXX), so request bodies match the
# official client byte for byte. MicroPython's own json.dumps writes UTF-8 and would differ.
# Cold path (request bodies): allocates the returned str.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import json

_ESC = {34: b'\\"', 92: b"\\\\", 10: b"\\n", 13: b"\\r", 9: b"\\t", 8: b"\\b", 12: b"\\f"}


def string(s):
    """A JSON string literal of s, ASCII only. Works on the UTF-8 bytes: iterating or indexing
    a str would intern every character it meets as a qstr, for good."""
    b = s.encode()
    for c in b:
        if c < 32 or c > 126 or c == 34 or c == 92:
            break
    else:
        return '"' + s + '"'
    out = bytearray(b'"')
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        i += 1
        if 32 <= c < 127 and c != 34 and c != 92:
            out.append(c)
            continue
        e = _ESC.get(c)
        if e is not None:
            out += e
            continue
        if c < 128:
            out += b"\\u%04x" % c
            continue
        # a UTF-8 sequence: 2, 3 or 4 bytes (str.encode() gives valid UTF-8)
        k = 1 if c < 0xE0 else 2 if c < 0xF0 else 3
        o = c & (0x3F >> k)
        for _ in range(k):
            o = (o << 6) | (b[i] & 0x3F)
            i += 1
        if o < 0x10000:
            out += b"\\u%04x" % o
        else:
            o -= 0x10000
            out += b"\\u%04x\\u%04x" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF))
    out.append(34)
    return str(out, "ascii")


def dumps(obj):
    """JSON text of obj (dict with str keys, list, tuple, str, int, float, bool, None)."""
    t = type(obj)
    if t is str:
        return string(obj)
    if obj is None or t is bool or t is int:
        return json.dumps(obj)
    if t is float:
        if obj != obj or obj in (float("inf"), float("-inf")):
            raise ValueError("JSON cannot carry NaN or infinity")
        return json.dumps(obj)
    if t is dict:
        return pairs(obj.items())
    if t is list or t is tuple:
        return "[" + ", ".join([dumps(x) for x in obj]) + "]"
    raise TypeError("cannot send a %s as JSON" % t.__name__)


def pairs(items):
    """A JSON object from (key, value) pairs, in that order."""
    parts = []
    for k, v in items:
        if not isinstance(k, str):
            raise TypeError("JSON object keys must be str, not %s" % type(k).__name__)
        parts.append(string(k) + ": " + dumps(v))
    return "{" + ", ".join(parts) + "}"
