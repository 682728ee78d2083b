# Body writer, timestamps and calendar maths; runs under pytest and on MicroPython.


def _body():
    from iotpush.encode import Body

    return Body(16)


def _text(b):
    return str(bytes(b.data()), "utf-8")


def test_digits_padding_and_zero():
    b = _body()
    b.digits(0)
    b.write(b" ")
    b.digits(7, 3)
    b.write(b" ")
    b.digits(1234567890)
    assert _text(b) == "0 007 1234567890"


def test_epoch_text():
    from iotpush.clock import offset

    b = _body()
    s, ms = offset(1795303148)
    b.epoch(s, 274)
    b.write(b" ")
    s, ms = offset(1700000000.5)
    b.epoch(s, ms)
    b.write(b" ")
    b.epoch(-1600000000 + 5, 7)  # 1970-01-01T00:00:05.007
    assert _text(b) == "1795303148.274 1700000000.500 5.007"


def test_body_grows_for_oversized_and_resets():
    b = _body()
    b.write(b"x" * 100)
    assert len(b.data()) == 100
    b.reset()
    b.write(b"ab")
    assert bytes(b.data()) == b"ab"


def test_dump_json_types():
    b = _body()
    b.dump("a\"b\\c\n")
    b.write(b" ")
    b.dump(21.5)
    b.write(b" ")
    b.dump(True)
    b.write(b" ")
    b.dump(None)
    assert _text(b) == '"a\\"b\\\\c\\n" 21.5 true null'


def test_civil_dates():
    from iotpush.clock import REF
    from iotpush.timefmt import civil, isoformat

    assert civil(0) == (2020, 9, 13, 12, 26, 40)
    assert civil(1795303148 - REF) == (2026, 11, 21, 23, 19, 8)
    assert civil(951782400 - REF) == (2000, 2, 29, 0, 0, 0)  # leap day
    assert civil(4102444799 - REF) == (2099, 12, 31, 23, 59, 59)
    assert civil(-REF) == (1970, 1, 1, 0, 0, 0)
    assert isoformat(0, 5) == "2020-09-13T12:26:40.005Z"


def test_write_iso():
    from iotpush.clock import REF
    from iotpush.timefmt import write_iso

    b = _body()
    write_iso(b, 1795303148 - REF, 42)
    assert _text(b) == '"2026-11-21T23:19:08.042Z"'


def test_quote():
    from iotpush.urlenc import quote, urlencode

    assert quote("a b&c=d/é~") == "a%20b%26c%3Dd%2F%C3%A9~"
    assert urlencode([("k", 1e22), ("x y", "z")]) == "k=1e%2B22&x%20y=z"


def test_offset_rounding_and_errors():
    from iotpush.clock import REF, offset
    from sharedutil import raises

    assert offset(1700000000.9996) == (1700000001 - REF, 0)
    assert offset(1700000000) == (1700000000 - REF, 0)
    raises(ValueError, offset, -1)
    raises(ValueError, offset, 3747483647)
    raises(ValueError, offset, float("nan"))
    raises(TypeError, offset, "1700000000")
    raises(TypeError, offset, True)
