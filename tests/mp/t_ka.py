# sockhttp.KeepAlive on MicroPython against the Initial State emulator: one connection reused
# across flushes, an idle connection dropped by the server reopened transparently, a stalled
# server timed out, resets, and (with $CA) HTTPS with certificate verification. The hub's
# /_hub/inject route (added by the pytest side) queues faults for the next requests.
import os
import time

import requests
from iotpush import PushError, Streamer
from iotpush.services.initialstate import InitialState
from iotpush.sockhttp import KeepAlive

base = os.getenv("IS_URL")
hub = os.getenv("HUB_URL")
ca = os.getenv("CA")
cadata = None
if ca:
    with open(ca, "rb") as f:
        cadata = f.read()


def inject(kind, arg="0"):
    r = requests.get("%s/_hub/inject?kind=%s&arg=%s" % (hub, kind, arg))
    r.close()
    assert r.status_code == 200


t = KeepAlive(1, cadata=cadata)
svc = InitialState("ist_TESTACCESSKEY0000000000000000", "mpka", base_url=base, rate=1000,
                   burst=1000)
svc.transport = t
st = Streamer(svc, capacity=64)
v = 0


def send():
    global v
    st.log("k", v)
    v += 1
    return st.flush()


def fails():
    try:
        send()
    except PushError as e:
        assert e.retained and st.pending == 1, e
        assert t._sock is None  # the failed connection is closed
        time.sleep_ms(st.next_retry_ms)
        assert st.flush() == 1
        return str(e)
    raise AssertionError("no PushError")


for i in range(5):
    assert send() == 1
assert t.connects == 1, t
time.sleep_ms(800)  # the hub drops connections idle for 0.3 s
assert send() == 1 and t.connects == 2, t
inject("stall", "2.5")
msg = fails()
assert "110" in msg, msg  # ETIMEDOUT
inject("reset")
inject("reset")
fails()  # reset on the reused connection, then on the fresh one
if not cadata:  # over TLS the hub's reset right after its garbage may discard it unread
    inject("garbage")
    fails()
for i in range(3):
    assert send() == 1
if cadata:
    bad = KeepAlive(1, cadata=b"-----BEGIN CERTIFICATE-----\n" + open(os.getenv("OTHER")).read().split("-----")[2].encode() + b"-----END CERTIFICATE-----\n")
    try:
        bad.request("POST", svc.url, b"[]", svc.headers)
        raise AssertionError("an unknown certificate was accepted")
    except (ValueError, OSError) as e:
        print("refused:", repr(e)[:60])
    assert bad._sock is None
st.close()
assert t._sock is None
print("sent", v, "connects", t.connects, "requests", t.requests)
print("OK")
