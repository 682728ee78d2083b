# jsonenc.py: JSON text exactly as CPython's json.dumps writes it by default (", " and ": "
# separators, every character outside printable ASCII as \uXXXX), so request bodies match the
# official client byte for byte. MicroPython's own json.dumps writes UTF-8 and would differ.
# Cold path (request bodies): allocates the returned str.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import json

_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def string(s):
    """A JSON string literal of s, ASCII only."""
    out = []
    run = 0  # start of the current run of characters that need no escape
    for i, c in enumerate(s):
        o = ord(c)
        if 32 <= o < 127 and c != '"' and c != "\\":
            continue
        if run < i:
            out.append(s[run:i])
        run = i + 1
        e = _ESC.get(c)
        if e is None:
            if o < 0x10000:
                e = "\\u%04x" % o
            else:
                o -= 0x10000
                e = "\\u%04x\\u%04x" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF))
        out.append(e)
    if not out:
        return '"' + s + '"'
    out.append(s[run:])
    return '"' + "".join(out) + '"'


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
