# record.py: how a queued event is written to flash (store.py) or RTC memory (rtcstore.py).
#
# One record = a 19-byte header, the key (UTF-8), the value bytes, then a CRC-32 of all of that
# (4 bytes, little-endian). Header "<BBBHIIiH": kind, flags (ring F_CONT/F_NOCLOCK/F_NOTS),
# value type, key length, value length, seq, s, ms (the ring's time offsets, see clock.py).
# Kinds: EVENT; ACK (every event up to `seq` was delivered or dropped); VOID (records with this
# seq or later written before this mark are void: a commit that failed half-way).
# Cold path: building or reading a record allocates (the record, key and value bytes).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import struct

import binascii
from micropython import const

from .ring import F_CONT, F_NOCLOCK, F_NOTS

HDR = "<BBBHIIiH"
HDR_LEN = const(19)
EVENT = const(0xE5)
ACK = const(0xA5)
VOID = const(0xD5)
MAX_PART = const(0x100000)  # largest key or value a record may hold (bytes)
_KEEP = const(13)  # F_CONT | F_NOCLOCK | F_NOTS: the flags a record keeps
_V_NONE = const(0)
_V_FALSE = const(1)
_V_TRUE = const(2)
_V_INT = const(3)  # int32
_V_FLOAT = const(4)  # float64
_V_STR = const(5)  # UTF-8
_V_BIG = const(6)  # int outside int32, as decimal digits


def _crc32_sw(data, crc=0):
    # Bitwise CRC-32 (IEEE, as binascii.crc32) for firmware built without binascii.crc32.
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


crc32 = getattr(binascii, "crc32", None) or _crc32_sw


def _seal(r, n):
    struct.pack_into("<I", r, n, crc32(memoryview(r)[:n]) & 0xFFFFFFFF)
    return r


def mark(kind, seq):
    """An ACK or VOID record for seq (23 bytes)."""
    r = bytearray(HDR_LEN + 4)
    struct.pack_into(HDR, r, 0, kind, 0, 0, 0, 0, seq, 0, 0)
    return _seal(r, HDR_LEN)


def event(ring, seq):
    """The record of the event at the ring's cursor (after ring.at(j)) with sequence number seq."""
    v = ring.val
    t = type(v)
    if v is None:
        vt, vb = _V_NONE, b""
    elif v is False:
        vt, vb = _V_FALSE, b""
    elif v is True:
        vt, vb = _V_TRUE, b""
    elif t is float:
        vt, vb = _V_FLOAT, struct.pack("<d", v)
    elif t is int:
        if -0x80000000 <= v <= 0x7FFFFFFF:
            vt, vb = _V_INT, struct.pack("<i", v)
        else:
            vt, vb = _V_BIG, str(v).encode()
    else:
        vt, vb = _V_STR, v.encode()
    kb = ring.keys[ring.ki].encode()
    k, m = len(kb), len(vb)
    n = HDR_LEN + k + m
    r = bytearray(n + 4)
    struct.pack_into(HDR, r, 0, EVENT, ring.fl & _KEEP, vt, k, m, seq, ring.s, ring.ms)
    r[HDR_LEN:HDR_LEN + k] = kb
    r[HDR_LEN + k:n] = vb
    return _seal(r, n)


class Reader:
    """Reads records one by one from a binary stream, checking each: read() returns the record's
    total length and sets .kind .flags .seq .s .ms .kb .vb .vt, or 0 at the end or at the first
    invalid record (bad kind, lengths beyond the data, CRC mismatch). Never returns a corrupt
    record; never allocates more than `left` bytes for one."""

    def __init__(self):
        self.hdr = bytearray(HDR_LEN)
        self.kind = self.flags = self.vt = self.seq = self.s = self.ms = 0
        self.kb = self.vb = b""

    def read(self, f, left):
        h = self.hdr
        if left < HDR_LEN + 4 or f.readinto(h) != HDR_LEN:
            return 0
        kind, fl, vt, k, m, seq, s, ms = struct.unpack_from(HDR, h, 0)
        n = HDR_LEN + k + m + 4
        if kind not in (EVENT, ACK, VOID) or vt > _V_BIG or fl & ~_KEEP or n > left or ms > 999:
            return 0
        if k > MAX_PART or m > MAX_PART or (kind != EVENT and (k or m)):
            return 0
        kb = f.read(k) if k else b""
        vb = f.read(m) if m else b""
        cb = f.read(4)
        if len(kb) != k or len(vb) != m or len(cb) != 4:
            return 0
        c = crc32(vb, crc32(kb, crc32(h)))
        if struct.unpack("<I", cb)[0] != c & 0xFFFFFFFF:
            return 0
        if kind == EVENT and vt in (_V_INT, _V_FLOAT) and m != (4 if vt == _V_INT else 8):
            return 0
        self.kind, self.flags, self.vt, self.seq, self.s, self.ms = kind, fl, vt, seq, s, ms
        self.kb, self.vb = kb, vb
        return n

    def value(self):
        """The event's value (decodes str / big int: allocates). ValueError if undecodable."""
        vt = self.vt
        if vt == _V_NONE:
            return None
        if vt == _V_FALSE:
            return False
        if vt == _V_TRUE:
            return True
        if vt == _V_INT:
            return struct.unpack("<i", self.vb)[0]
        if vt == _V_FLOAT:
            return struct.unpack("<d", self.vb)[0]
        s = str(self.vb, "utf-8")
        return s if vt == _V_STR else int(s)

    def key(self):
        return str(self.kb, "utf-8")

    def push(self, ring, boot_seq):
        """Put the event into ring; an unsynced time from an earlier boot becomes F_NOTS.
        Returns 1 (pushed), 0 (the ring's key table is full: nothing pushed, try again with an
        emptier ring) or -1 (the bytes do not decode: skip this record)."""
        try:
            v = self.value()
            k = self.key()
        except ValueError:  # UnicodeError is a ValueError
            return -1
        ki = ring.key_index(k)
        if ki < 0:
            try:
                ki = ring.add_key(k)
            except ValueError:
                return 0
        fl = self.flags
        if fl & F_NOCLOCK and self.seq < boot_seq:
            fl = (fl & ~F_NOCLOCK) | F_NOTS  # ticks of another boot cannot be corrected
        ring.push(ki, v, self.s, self.ms, fl)
        return 1
