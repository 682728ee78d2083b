# Store soak on MicroPython: events go through a FlashStore while the network fails; the process
# then ends with close(0) (what is not delivered stays on flash) and the next run -- "after the
# reboot" -- sends that backlog first, oldest first. Env: IS_URL, STORE (directory), START, END,
# FINAL=1 to drain everything before exiting. The pytest side checks what arrived.
import os
import time


def main():
    from iotpush import PushError, Streamer
    from iotpush.retry import Backoff
    from iotpush.services.initialstate import InitialState
    from iotpush.store import FlashStore

    start, end = int(os.getenv("START")), int(os.getenv("END"))
    keys = ("k0", "k1", "k2", "k3")
    svc = InitialState("ist_TESTACCESSKEY0000000000000000", "soak", base_url=os.getenv("IS_URL"),
                       rate=1000, burst=1000, timeout=1.0)
    store = FlashStore(os.getenv("STORE"), max_bytes=262144, commit_every=16)
    st = Streamer(svc, capacity=32, store=store, backoff=Backoff(5, 100), interval_ms=0)
    print("restored", st.pending)
    for i in range(start, end):
        st.log(keys[i % 4], i)
        try:
            st.poll()
        except PushError:
            pass
    if os.getenv("FINAL"):
        deadline = time.ticks_add(time.ticks_ms(), 120000)
        while st.pending and time.ticks_diff(deadline, time.ticks_ms()) > 0:
            st.drain(2000)
    st.close(0)
    print("delivered", st.delivered, "left", st.pending, "dropped", st.dropped, "commits",
          store.commits)
    assert st.dropped == 0 and st.rejected == 0


main()
print("OK")
