# Stream data on a small heap: 2,000 points over 20 pages (the emulator pages by 100), every
# item checked as it streams past, none kept; then initialize_from_server() keeps a capped list.
import gc
import os

from iotpush.services.iotile import Api, StreamData

api = Api(domain=os.getenv("IOTILE_URL"), timeout=5)
assert api.login(email="board@iotpush.test", password="board-pass")
sd = StreamData(os.getenv("IOTILE_STREAM"), api)


class Check:
    n = 0
    total = 0
    last = -1

    def __call__(self, item):
        assert item["id"] == self.last + 1 or self.last < 0, (item["id"], self.last)
        assert item["int_value"] == item["id"] % 1000
        self.last = item["id"]
        self.n += 1
        self.total += item["value"]


c = Check()
n = sd.process_from_server(c, lastn=2000)
gc.collect()
print("read", n, "items sum", c.total, "last id", c.last, "requests", api.transport.requests)
assert n == 2000 and c.n == 2000
if os.getenv("KEEP"):
    sd.initialize_from_server(lastn=int(os.getenv("KEEP")))
    print("kept", len(sd.data), "truncated", sd.truncated, "first", sd.data[0])
print("OK")
