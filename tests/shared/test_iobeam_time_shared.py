# iobeam timestamps, microseconds as text without big ints, and the project token's exp read
# without a JWT library. Runs under pytest and on MicroPython.
from sharedutil import raises

# The capture's expired project token (payload {"pid":4242,"exp":1795299551,"refreshable":true}).
TOKEN = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwaWQiOjQyNDIsImV4cCI6MTc5NTI5OTU1MSwicmVmcmVzaGF"
         "ibGUiOnRydWV9.R8bhrJR_qmfIqusKvVk273FQgcAXYzCxUb0sFg3Lrjg")


# --- timestamps -------------------------------------------------------------------------------------
def test_timestamp_units():
    from iotpush.services.iobeam import Timestamp, TimeUnit

    for ts, s, us in ((Timestamp(1700000002500), 1700000002, 500000),
                      (Timestamp(1700000002, unit=TimeUnit.SECONDS), 1700000002, 0),
                      (Timestamp(1700000002500123, unit=TimeUnit.MICROSECONDS), 1700000002, 500123),
                      (Timestamp(0, unit=TimeUnit.MICROSECONDS), 0, 0),
                      (Timestamp(999), 0, 999000)):
        assert (ts.s, ts.us) == (s, us)
    t = Timestamp(1700000002500123, unit=TimeUnit.MICROSECONDS)
    assert t.asMicroseconds() == 1700000002500123 and t.asMilliseconds() == 1700000002500
    assert Timestamp(1700000002500) == Timestamp(1700000002500000, unit="usec")
    assert Timestamp(1700000002500) != Timestamp(1700000002501)


def test_timestamp_refuses_what_cannot_be_sent():
    from iotpush.services.iobeam import Timestamp, TimeUnit

    raises(TypeError, Timestamp, 1700000000.5)
    raises(TypeError, Timestamp, "1700000000")
    raises(TypeError, Timestamp, True)
    raises(ValueError, Timestamp, 1, "minutes")
    raises(ValueError, Timestamp, -1)
    raises(ValueError, Timestamp, -1, TimeUnit.MICROSECONDS)
    raises(ValueError, Timestamp, 3747483647, TimeUnit.SECONDS)  # past 2088
    Timestamp(3747483646, TimeUnit.SECONDS)


def test_microseconds_as_text():
    from iotpush.clock import REF
    from iotpush.encode import Body
    from iotpush.services.iobeam.stamp import write_usec

    def text(unix_s, ms, us):
        b = Body(32)
        write_usec(b, unix_s - REF, ms, us)
        return str(bytes(b.data()), "utf-8")

    assert text(1700000002, 500, 123) == "1700000002500123"
    assert text(1700000000, 0, 0) == "1700000000000000"
    assert text(1500000000, 7, 9) == "1500000000007009"  # before clock.REF
    assert text(1000000, 0, 1) == "1000000000001"
    assert text(999999, 999, 999) == "999999999999"
    assert text(5, 0, 0) == "5000000"
    assert text(0, 0, 0) == "0"  # no leading zeros
    assert text(0, 2, 5) == "2005"
    assert text(3747483646, 999, 999) == "3747483646999999"


# --- the project token --------------------------------------------------------------------------------
def test_token_exp_read_without_a_jwt_library():
    from iotpush.clock import REF
    from iotpush.services.iobeam.token import token_exp

    assert token_exp(TOKEN) + REF == 1795299551
    # the standard base64 alphabet and padding are accepted too (the official client maps them)
    assert token_exp("e30.eyJleHAiOjE3MDAwMDAwMDB9.x") + REF == 1700000000
    assert token_exp("e30.eyJleHAiOjE3MDAwMDAwMDB9==.x") + REF == 1700000000


def test_bad_tokens_are_refused_without_echoing_them():
    from iotpush.services.iobeam.token import token_exp

    raises(TypeError, token_exp, None)
    raises(TypeError, token_exp, b"a.b.c")
    for bad in ("", "abc", "a.b", "a..c", ".eyJleHAiOjF9.c", "a.b.c.d", "e30.eyJleHAiOjF9 .x",
                "e30.eyJleHAiOjF9.x\n", "e30.!!!!.x", "e30.e30.x",  # {} has no exp
                "e30.eyJleHAiOiIxNzAwIn0.x",  # exp is a string
                "e30.eyJleHAiOnRydWV9.x",  # exp is true
                "e30.W10.x",  # []
                "e30.bm90IGpzb24.x"):  # "not json"
        e = raises(ValueError, token_exp, bad)
        assert not bad or bad not in str(e), (bad, str(e))
    e = raises(ValueError, token_exp, TOKEN[:40] + " " + TOKEN[40:])
    assert "eyJ" not in str(e)
