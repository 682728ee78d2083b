# One flush of N events, stopped after a phase, for heap bisection (tools/heapbisect.py):
#   b_flush <who> <n> <phase> <transport> <case> <mode> [free]   ($BASE: emulator base URL)
# who: iotpush, seed (the Initial State seed's way: list of dicts, json.dumps, requests.post,
# 10 events per call) or seed1 (one POST per event).
# Phases 0 imports, 1 objects made, 2 n events buffered, 3 all n sent (the first flush): the
# smallest -X heapsize completing each phase. Phase 4 (run with a large heap): after the first
# flush, n more events are buffered, everything is collected, ballast leaves only one free
# region of `free` bytes, then they are sent: the smallest `free` that completes is what one
# flush in steady state needs on top of what is live (kept buffers, open connection included).
import gc
import os
import sys
import time

who, n, phase, transport, case, mode = sys.argv[1:7]
n = int(n)
phase = int(phase)
free = int(sys.argv[7]) if len(sys.argv) > 7 else 0
base = os.getenv("BASE")
import bcases

KEYS = bcases.KEYS
if who == "iotpush":
    from iotpush import Streamer

    for m in (os.getenv("MODULES") or "").split(","):  # the service's module(s)
        if m:
            __import__(m)
    if transport == "keepalive":
        from iotpush.sockhttp import KeepAlive
else:
    import json

    import requests
def done():
    gc.collect()
    print("live", gc.mem_alloc())  # what is still referenced (retained), with a large heap
    print("OK")
    sys.exit(0)


if phase == 0:
    done()

if who == "iotpush":
    svc = bcases.make(case, base, mode)
    if transport == "keepalive":
        svc.transport = KeepAlive(10)
    st = Streamer(svc, capacity=n)
else:
    url = base + "/api/events"
    headers = {"Content-Type": "application/json", "X-IS-AccessKey": "ist_TESTACCESSKEY0000000000000000",
               "X-IS-BucketKey": "bench", "Accept-Version": "<=0.0.4"}
    events = []
if phase == 1:
    done()


def buffer(lo):
    for i in range(lo, lo + n):
        if who == "iotpush":
            st.log(KEYS[i % 4], bcases.value(i))
        else:
            events.append({"key": KEYS[i % 4], "value": bcases.value(i), "epoch": time.time()})


def send():
    global events
    if who == "iotpush":
        sent = 0
        while st.pending:
            sent += st.flush()
        assert sent == n
    elif who == "seed":
        while events:
            r = requests.post(url, data=json.dumps(events[:10]), headers=headers)
            assert r.status_code == 204
            r.close()
            del events[:10]
    else:
        for ev in events:
            r = requests.post(url, data=json.dumps(ev), headers=headers)
            assert r.status_code == 204
            r.close()
        events = []


buffer(0)
gc.collect()
if phase == 2:
    done()
send()
if phase == 3:
    done()

buffer(n)
# Ballast: reserve one contiguous region of `free` bytes, fill every other free byte of the heap
# with objects, then release the region: the flush has exactly that one hole to work in.
keep = [None] * 8192
gc.collect()
hole = bytearray(free) if free > 0 else None
k = 0
for size in (4096, 512, 64, 1):
    while k < 8191:
        try:
            keep[k] = bytearray(size)
        except MemoryError:
            break
        k += 1
hole = None
gc.collect()
send()
print("OK")
