# 500 NikDev entries through Api (add_value / commit / push) to the emulator over real HTTP, on
# MicroPython with a capped heap. The emulator answers the first pushes with injected faults;
# each push() is one attempt, so the script pushes again. The pytest side checks that every
# entry arrived once, in order, with exact values.
import gc
import os

from iotpush.ratelimit import TokenBucket
from iotpush.services.nikdev import Api, PushException

api = Api({"deviceId": "0f8fad5b-d9cb-469f-a165-70867728950e",
           "apiKey": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
           "baseUrl": os.getenv("NIKDEV_URL"), "requestTimeout": 5, "capacity": 32, "keys": 8})
api.service.rate = TokenBucket(1000, 1000)  # the emulator has no limit; 10/s is the default
failures = 0


def push():
    global failures
    while True:
        try:
            api.push()
            return
        except PushException as e:
            assert e.retained_data, e
            failures += 1
            print("push failed (kept, pushing again):", e)


gc.collect()
free0 = gc.mem_free()
for i in range(500):
    api.add_value("t", i * 0.37 + 1 / 3)
    api.add_value("n", i)
    if i % 5 == 0:
        api.add_value("s", "s%d \u00e9" % i)
    if i % 7 == 0:
        api.add_value("b", i % 2 == 0)
    api.add_value("n", i * 2)  # replaced in place: stays second
    api.commit()
    if api.pending_entries >= 6:
        push()
push()
gc.collect()
print("failures", failures, "dropped", api.dropped, "heap free", free0, "->", gc.mem_free())
assert api.pending == 0 and api.dropped == 0
print("OK")
