# Next boot of the board t_iobeam_reg registered: the same build reads the device id back from
# IOBEAM_DIR (no registration), then ROWS rows (default 500) go through one DataStore over real
# HTTP to the iobeam emulator, send() every SEND_EVERY rows, retrying after the faults the pytest
# side injects. The token expires within 24 h: the first send() refreshes it. The pytest side
# checks that every row arrived once, values and times exact, all with the refreshed token.
import gc
import os
import time

from iotpush import PushError
from iotpush.services.iobeam import ClientBuilder, TimeUnit, Timestamp

client = (ClientBuilder(4242, os.getenv("IOBEAM_TOKEN")).setBackend(os.getenv("IOBEAM_URL"))
          .setTimeout(5).setBodySize(1024).saveToDisk(os.getenv("IOBEAM_DIR")).registerDevice()
          .build())
store = client.createDataStore(["temperature", "humidity"], capacity=int(os.getenv("CAPACITY", "25")))
rows = int(os.getenv("ROWS", "500"))
every = int(os.getenv("SEND_EVERY", "25"))
T0 = 1700000000  # Unix seconds
retries = 0
gc.collect()
free = gc.mem_free()


def send():
    global retries
    while True:
        try:
            return client.send()
        except PushError as e:
            assert e.retained, e
            retries += 1
            print("retry:", e)
            time.sleep_ms(client.wait_ms())


for i in range(rows):
    m = i % 5
    t = T0 + i
    if m == 0:
        store.add(Timestamp(t, unit=TimeUnit.SECONDS), {"temperature": i * 0.37 + 1 / 3, "humidity": i})
    elif m == 1:
        store.add(Timestamp(t * 1000 + 250), {"temperature": -i * 0.5})  # humidity: null
    elif m == 2:
        store.add(Timestamp(t * 1000000 + 123456, unit=TimeUnit.MICROSECONDS), {"humidity": i + 0.25})
    elif m == 3:
        store.add(t * 1000, {"temperature": None, "humidity": -i})  # an int: milliseconds
    else:
        store.add(Timestamp(t, unit=TimeUnit.SECONDS), {"temperature": 1e-3 * i, "humidity": True})
    if (i + 1) % every == 0:
        send()
send()
gc.collect()
print("device", client.getDeviceId(), "rows", rows, "dropped", store.dropped, "retries", retries,
      "heap free", free, "->", gc.mem_free())
assert store.pending == 0 and store.dropped == 0 and store.rejected == 0
print("OK")
