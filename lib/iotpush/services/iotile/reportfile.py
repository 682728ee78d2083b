# reportfile.py: write a SignedListReport (slr.py) to flash one reading at a time, for reports
# bigger than RAM; upload it with api.streamer.report.upload_file(filename=..., timestamp=...).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import hashlib
from micropython import const

from .slr import HEADER, READING, length, pack_header, pack_ids, pack_reading

_CHUNK = const(256)


def _check32(v, what):
    if type(v) is not int or not 0 <= v <= 0xFFFFFFFF:
        raise ValueError("%s must be an int in 0..0xffffffff" % what)
    return v


class ReportWriter:
    """Writes a report file on flash one reading at a time (for reports bigger than RAM).

    w = ReportWriter("/r.bin", device=0xa, report_id=..., sent_timestamp=...)
    w.add(stream=0x5001, reading_id=1, timestamp=0, value=42) ...; w.close()
    Memory: 16 + 256 bytes whatever the size; close() reads the file once to sign it.
    """

    def __init__(self, path, device, report_id=0, sent_timestamp=0, streamer=0, selector=0xFFFF):
        self.path = path
        self.device = _check32(device, "device")
        self.report_id = _check32(report_id, "report_id")
        self.sent = _check32(sent_timestamp, "sent_timestamp")
        if type(streamer) is not int or not 0 <= streamer <= 0xFF:
            raise ValueError("streamer must be an int in 0..255")
        if type(selector) is not int or not 0 <= selector <= 0xFFFF:
            raise ValueError("selector must be an int in 0..0xffff")
        self.streamer = streamer
        self.selector = selector
        self.count = 0
        self.lowest = 0
        self.highest = 0
        self._buf = bytearray(READING)
        self._f = open(path, "wb")
        self._f.write(bytes(HEADER))  # rewritten by close() once the count is known

    def add(self, stream, reading_id, timestamp, value):
        """Append one reading (stream id 1..0xffff; id, timestamp: u32; value: -2**31..2**32-1)."""
        if type(stream) is not int or not 0 < stream <= 0xFFFF:
            raise ValueError("stream must be an int in 1..0xffff")
        _check32(reading_id, "reading_id")
        _check32(timestamp, "timestamp")
        if type(value) is not int or not -0x80000000 <= value <= 0xFFFFFFFF:
            raise ValueError("value must be a 32-bit int")
        if length(self.count + 1) > 0xFFFFFF:
            raise ValueError("a report holds at most %d readings" % ((0xFFFFFF - 44) // 16))
        pack_reading(self._buf, stream, reading_id, timestamp, value)
        self._f.write(self._buf)
        self.count += 1
        if reading_id:
            if not self.lowest or reading_id < self.lowest:
                self.lowest = reading_id
            if reading_id > self.highest:
                self.highest = reading_id

    def close(self):
        """Write the header and footer and sign the file. Returns its length in bytes."""
        f = self._f
        hb = bytearray(HEADER)
        pack_header(hb, self.count, self.device, self.report_id, self.sent, self.streamer,
                    self.selector)
        f.seek(0)
        f.write(hb)
        f.seek(0, 2)
        pack_ids(self._buf, self.lowest, self.highest)
        f.write(memoryview(self._buf)[:8])
        f.close()
        h = hashlib.sha256()
        buf = bytearray(_CHUNK)
        mv = memoryview(buf)
        f = open(self.path, "rb")
        try:
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                h.update(mv[:n])
        finally:
            f.close()
        f = open(self.path, "ab")
        try:
            f.write(h.digest()[:16])
        finally:
            f.close()
        return length(self.count)
