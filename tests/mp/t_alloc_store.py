# Bytes allocated per Streamer.log() on MicroPython with a FlashStore: 0 between commits, and the
# cost of a commit spread over the events it writes. Same method as t_alloc (GC off, mem_alloc).
import gc
import os

from iotpush import Streamer
from iotpush.services.initialstate import InitialState
from iotpush.store import FlashStore

path = os.getenv("STORE")
st = Streamer(InitialState("ist_x", "b", base_url="http://127.0.0.1:9/api"), capacity=64,
              store=FlashStore(path, commit_every=32))
f = 21.5


def per_call(n):
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    for _ in range(n):
        st.log("temperature", f)
    b = gc.mem_alloc()
    gc.enable()
    return (b - a) / n


st.log("temperature", f)
st.commit()  # now 0 events only in RAM
between = per_call(31)  # the 32nd would commit
st.commit()
with_commits = per_call(64)  # two commits of 32 events (GC off: the garbage adds up)
print("alloc per log(float) with a store, between commits:", between, "bytes")
print("alloc per log(float) with a store, commits included:", with_commits, "bytes")
print("commits", st._p.store.commits, "pending", st.pending)
assert between == 0
assert st._p.store.commits >= 3 and st.pending == 96
print("OK")
