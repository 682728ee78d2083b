# slr.py: IOTile "SignedListReport" (report format 1), the binary file streamer/report/ takes.
#
# All little-endian. Header, 20 bytes: u8 format (1), u8 length & 0xff, u16 length >> 8,
# u32 device id, u32 report id, u32 sent timestamp, u8 signature flags, u8 streamer index,
# u16 streamer selector. Then 16 bytes per reading: u16 stream id, u16 0, u32 reading id,
# u32 timestamp, u32 value. Footer, 24 bytes: u32 lowest and u32 highest reading id (ids of 0,
# "no id", are left out), then a 16-byte signature over every byte before it.
#
# Signature: only flag 0 ("hash only") is implemented, as IOTile CoreTools defines it
# (iotile.core.hw.reports.signed_list_format, SignedListReport.SignReport with AuthProvider.NoKey):
# the first 16 bytes of SHA-256 over the header, the readings and the two footer ids. Flags 1
# and 2 (HMAC-SHA256 with a user or device key, readings encrypted with AES-128-CTR) need keys
# from IOTile's auth providers and are not implemented.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import struct
from micropython import const

HEADER = const(20)
READING = const(16)
FOOTER = const(24)
FORMAT = const(1)
FLAG_HASH_ONLY = const(0)

_HDR = "<BBHLLLBBH"
_RD = "<HHLLL"
_IDS = "<LL"


def length(n):
    """Bytes of a report with n readings."""
    return HEADER + READING * n + FOOTER


def pack_header(buf, n, device, report_id, sent, streamer=0, selector=0xFFFF):
    """Write the 20-byte header of a report with n readings into buf (no allocation)."""
    t = length(n)
    struct.pack_into(_HDR, buf, 0, FORMAT, t & 0xFF, t >> 8, device, report_id, sent,
                     FLAG_HASH_ONLY, streamer, selector)


def pack_reading(buf, stream, reading_id, timestamp, value):
    struct.pack_into(_RD, buf, 0, stream, 0, reading_id, timestamp, value & 0xFFFFFFFF)


def pack_ids(buf, lowest, highest):
    struct.pack_into(_IDS, buf, 0, lowest, highest)
