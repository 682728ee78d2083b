# Throughput to the emulator, the methods measured alternately in one process (order rotated
# each round): b_tput <case> <rounds> <events> <methods,...>   ($BASE)
# Methods: ours (iotpush, requests transport), ours_ka (iotpush, KeepAlive), seed (list of dicts,
# json.dumps, requests.post per 10 events), seed1 (one POST per event; a fifth of the events).
# Prints "tput <round> <method> <events> <requests> <us>" lines: the ratios are the host's.
import json
import os
import sys
import time

import bcases
import requests
from iotpush import Streamer
from iotpush.sockhttp import KeepAlive

case, rounds, E, methods = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(",")
base = os.getenv("BASE")
KEYS = bcases.KEYS
url = base + "/api/events"
headers = {"Content-Type": "application/json", "X-IS-AccessKey": "ist_TESTACCESSKEY0000000000000000",
           "X-IS-BucketKey": "bench", "Accept-Version": "<=0.0.4"}
svc = bcases.make(case, base, "json")
ours = Streamer(svc, capacity=E + 1)
svc2 = bcases.make(case, base, "json")
svc2.transport = KeepAlive(10)
ours_ka = Streamer(svc2, capacity=E + 1)


def run(m, n):
    reqs = 0
    if m in ("ours", "ours_ka"):
        st = ours if m == "ours" else ours_ka
        r0 = st.service.transport.requests
        for i in range(n):
            st.log(KEYS[i % 4], bcases.value(i))
        while st.pending:
            st.flush()
        reqs = st.service.transport.requests - r0
    elif m == "seed":
        events = []
        for i in range(n):
            events.append({"key": KEYS[i % 4], "value": bcases.value(i), "epoch": time.time()})
            if len(events) >= 10:
                r = requests.post(url, data=json.dumps(events), headers=headers)
                assert r.status_code == 204
                r.close()
                reqs += 1
                events = []
    else:
        for i in range(n):
            ev = {"key": KEYS[i % 4], "value": bcases.value(i), "epoch": time.time()}
            r = requests.post(url, data=json.dumps(ev), headers=headers)
            assert r.status_code == 204
            r.close()
            reqs += 1
    return reqs


for m in methods:  # warm-up: connections, imports, key tables
    run(m, 10)
for rnd in range(rounds):
    k = rnd % len(methods)
    for m in methods[k:] + methods[:k]:
        n = E // 5 if m == "seed1" else E
        t0 = time.ticks_us()
        reqs = run(m, n)
        us = time.ticks_diff(time.ticks_us(), t0)
        print("tput", rnd, m, n, reqs, us)
print("OK")
