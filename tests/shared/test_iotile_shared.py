# IOTile parts that need no network, on CPython (pytest) and on MicroPython (run_shared):
# slugs as the seed shows them, MDO, JSON text as the official client writes it, the incremental
# page reader against every way a socket can cut a body, the compact kept-rows store, and the
# SignedListReport bytes of the capture.
from sharedutil import raises

CAPTURED_REPORT = ("014c00000200000003000000c80000000000ff57" "0150000001000000640000002a000000"
                   "0150000002000000a00000002b000000" "0100000002000000" "d6cc2bdec379f8afee6cbfa1ef94c0e3")


def test_slugs_as_in_the_seed():
    from iotpush.services.iotile import (IOTileDeviceSlug, IOTileProjectSlug, IOTileStreamSlug,
                                         IOTileVariableSlug)

    project = IOTileProjectSlug(5)
    assert str(project) == "p--0000-0005"
    device = IOTileDeviceSlug(10)
    assert str(device) == "d--0000-0000-0000-000a"
    variable = IOTileVariableSlug("5001", project)
    assert str(variable) == "v--0000-0005--5001"
    sid = IOTileStreamSlug()
    sid.from_parts(project=project, device=device, variable=variable)
    assert str(sid) == "s--0000-0005--0000-0000-0000-000a--5001"
    parts = sid.get_parts()
    assert parts == {"project": str(project), "device": str(device), "variable": str(variable)}
    for form in ("000a", "d--000a", 0xA, "0xa", "d--0000-0000-0000-000a", "0000-000a", device):
        assert str(IOTileDeviceSlug(form)) == "d--0000-0000-0000-000a", form


def test_slug_forms():
    from iotpush.services.iotile import (IOTileDeviceSlug, IOTileProjectSlug, IOTileStreamSlug,
                                         IOTileVariableSlug)

    assert str(IOTileProjectSlug("p--0001")) == "p--0000-0001"
    assert str(IOTileProjectSlug("ABCD1234")) == "p--abcd-1234"
    assert IOTileProjectSlug("p--0000-0005").get_id() == 5
    assert IOTileDeviceSlug(0xFFFFFFFFFFFFFFFF).get_id() == 0xFFFFFFFFFFFFFFFF
    assert IOTileDeviceSlug("d--1111").formatted_id() == "0000-0000-0000-1111"
    assert str(IOTileVariableSlug(0x5001)) == "v--0000-0000--5001"
    assert str(IOTileVariableSlug("v--0000-0005--5001")) == "v--0000-0005--5001"
    assert IOTileVariableSlug("5001", 5).formatted_local_id() == "5001"
    assert str(IOTileVariableSlug("1")) == "v--0000-0000--0001"
    s = IOTileStreamSlug("s--0001--000a--5001")  # short parts are normalised
    assert str(s) == "s--0000-0001--0000-0000-0000-000a--5001"
    assert str(IOTileStreamSlug("s----000a--5001")) == "s--0000-0000--0000-0000-0000-000a--5001"
    s = IOTileStreamSlug()
    s.from_parts(1, "d--0002", "5001")
    assert str(s) == "s--0000-0001--0000-0000-0000-0002--5001"
    assert s.get_parts()["variable"] == "v--0000-0001--5001"
    assert IOTileStreamSlug(str(s)) == s and s == str(s)


def test_invalid_slugs_raise_value_error():
    from iotpush.services.iotile import (IOTileDeviceSlug, IOTileProjectSlug, IOTileStreamSlug,
                                         IOTileVariableSlug)

    bad = [
        (IOTileProjectSlug, -1), (IOTileProjectSlug, 1 << 32), (IOTileProjectSlug, "d--0001"),
        (IOTileProjectSlug, "p--xyz"), (IOTileProjectSlug, ""), (IOTileProjectSlug, 1.0),
        (IOTileProjectSlug, None), (IOTileProjectSlug, True), (IOTileProjectSlug, "p--1--2"),
        (IOTileDeviceSlug, 1 << 64), (IOTileDeviceSlug, "d--"), (IOTileDeviceSlug, "s--0001"),
        (IOTileDeviceSlug, "0x"), (IOTileDeviceSlug, b"000a"), (IOTileDeviceSlug, "00 0a"),
        (IOTileVariableSlug, 0), (IOTileVariableSlug, 0x10000), (IOTileVariableSlug, "10000"),
        (IOTileVariableSlug, "v--0001"), (IOTileVariableSlug, "x--0000-0001--5001"),
        (IOTileVariableSlug, "50-01"), (IOTileVariableSlug, "g001"),
        (IOTileStreamSlug, "s--0000-0001--0002"), (IOTileStreamSlug, "p--1--2--3"),
        (IOTileStreamSlug, 5), (IOTileStreamSlug, "s--0001--zz--5001"),
    ]
    for cls, v in bad:
        raises(ValueError, cls, v)
    raises(ValueError, IOTileDeviceSlug, 1 << 48, False)
    raises(ValueError, IOTileStreamSlug().get_parts)


def test_mdo_helper():
    from iotpush.services.iotile import MdoHelper

    mdo = MdoHelper(m=10, d=4, o=1.5)
    assert mdo.compute_value(2) == 6.5 and mdo.compute(2) == 6.5
    assert mdo.compute_reverse(6.5) == 2.0
    assert str(mdo) == "1.5+10.0x/4.0"
    plain = MdoHelper(1, 1)
    assert plain.compute_value(7) == 7.0 and type(plain.compute_value(7)) is float
    assert str(plain) == "1.0x/1.0"
    assert MdoHelper(3, 2, 0).compute(4) == 6.0
    raises(ValueError, MdoHelper, 0, 1)
    raises(ValueError, MdoHelper, 1, 0)
    raises(TypeError, MdoHelper, 1.5, 1)
    raises(TypeError, MdoHelper, True, 1)
    raises(TypeError, MdoHelper, 1, 1, "2")
    raises(ValueError, MdoHelper, 1, 1, float("nan"))
    raises(TypeError, plain.compute_value, "7")
    raises(ValueError, plain.compute_value, float("inf"))


def test_json_text_is_what_the_official_client_sends():
    from iotpush.services.iotile.jsonenc import dumps, pairs

    # the captured login body, byte for byte (CPython's json.dumps defaults)
    login = pairs((("email", "user@example.com"), ("password", "s3cret p\u00e4ss")))
    assert login == '{"email": "user@example.com", "password": "s3cret p\\u00e4ss"}'
    assert dumps({"name": "My new Org"}) == '{"name": "My new Org"}'
    assert dumps(["a\"b\\c\n\r\t\b\f\x01\x7f", 1, 2.5, None, True, False]) == \
        '["a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u007f", 1, 2.5, null, true, false]'
    assert dumps("\U0001f600 \u2713") == '"\\ud83d\\ude00 \\u2713"'
    assert dumps({"n": [1, {"x": []}]}) == '{"n": [1, {"x": []}]}'
    raises(ValueError, dumps, float("nan"))
    raises(TypeError, dumps, {1: 2})
    raises(TypeError, dumps, b"bytes")


class _Stream:
    """A socket stand-in: readinto() hands out at most `step` bytes at a time."""

    def __init__(self, data, step):
        self.data = data
        self.pos = 0
        self.step = step

    def readinto(self, buf):
        n = min(len(buf), self.step, len(self.data) - self.pos)
        buf[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


PAGE = (b'{"count": 4, "previous": {"a": [1, "]}"]}, "results": ['
        b'{"id": 1, "timestamp": "2016-01-01T00:00:00.000000Z", "value": 1.5e3, "s": "q\\"}\\\\"},'
        b' {"id": 2, "value": -0.25, "nested": {"a": [1, 2, {"b": null}]}, "t": true},\n'
        b'{"id": 3, "u": "\\u00e4\\ud83d\\ude00 \xc3\xa4", "e": ""},{"id":4}],'
        b' "next": "http://x/data/?page=2", "extra": [[], {}, "}"]}')


def test_page_reader_reads_a_page_cut_anywhere():
    import json

    from iotpush.services.iotile.jsonstream import PageReader

    want = json.loads(PAGE)["results"]
    for step in (1, 2, 3, 5, 7, 13, 64, 1000):
        for bufsize in (16, 64, 512):
            got = []
            r = PageReader(bufsize, 256)
            r.on_item = got.append
            r.feed(_Stream(PAGE, step))
            assert got == want, (step, bufsize)
            assert r.next == "http://x/data/?page=2" and r.items == 4 and not r.stopped


def test_page_reader_stops_when_asked():
    from iotpush.services.iotile.jsonstream import PageReader

    seen = []
    r = PageReader(32, 256)
    r.on_item = lambda item: seen.append(item["id"]) or len(seen) == 2
    r.feed(_Stream(PAGE, 9))
    assert seen == [1, 2] and r.stopped


def test_page_reader_refuses_malformed_pages():
    from iotpush.services.iotile import MalformedResponseError
    from iotpush.services.iotile.jsonstream import PageReader

    bad = [b"", b"[]", b"{}", b'{"count": 1}', b'{"results": null}', b'{"results": [1]}',
           b'{"results": [], "next": 5}', b"<html>502</html>", b'{"results": [{"a": 1} {"b": 2}]}',
           b'{"results": [{"a": 1}], "next": null', b'{"results": [{"a": "' + b"x" * 300 + b'"}]}',
           b'{"results": [{"a": tru}]}', b'{"results": []  "next": null}']
    for body in bad:
        r = PageReader(16, 128)
        raises(MalformedResponseError, r.feed, _Stream(body, 5))
    for n in range(len(PAGE)):  # a body cut short anywhere is refused, never half-accepted
        r = PageReader(64, 256)
        raises(MalformedResponseError, r.feed, _Stream(PAGE[:n], 11))


def test_rows_keep_items_compactly():
    from iotpush.services.iotile import Rows

    import json

    rows = Rows(64)
    items = []
    for i in range(16):  # 40-odd bytes each: several 64-byte blocks
        item = {"timestamp": "2016-01-01T00:00:%02dZ" % i, "value": i * 0.5}
        items.append(item)
        rows.append(json.dumps(item).encode())
    assert len(rows) == 16 and rows.nbytes < 16 * 60
    assert [rows[i] for i in range(16)] == items and list(rows) == items
    assert rows[-1] == items[-1] and rows[3:6] == items[3:6] and rows[::5] == items[::5]
    raises(IndexError, rows.__getitem__, 16)
    raises(ValueError, rows.append, b"x" * 65)


def test_report_bytes_are_the_captured_signed_list_report():
    import hashlib

    from iotpush.services.iotile.slr import length, pack_header, pack_ids, pack_reading

    out = bytearray()
    b = bytearray(20)
    pack_header(b, 2, device=2, report_id=3, sent=200, streamer=0, selector=0x57FF)
    out += b
    r = bytearray(16)
    for rid, ts, v in ((1, 100, 42), (2, 160, 43)):
        pack_reading(r, 0x5001, rid, ts, v)
        out += r
    pack_ids(r, 1, 2)
    out += r[:8]
    out += hashlib.sha256(out).digest()[:16]  # "hash only" signature, as IOTile CoreTools signs
    assert len(out) == length(2) == 76
    assert out == bytes.fromhex(CAPTURED_REPORT)
