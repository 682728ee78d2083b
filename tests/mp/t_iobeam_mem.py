# Memory of iobeam DataStores on MicroPython, counted exactly with gc.mem_alloc():
#   bytes per 2-value row   what one more row of capacity keeps (retained after a collection)
#   bytes per add           what add() allocates for a row, GC off (Timestamp and dict made
#                           beforehand: the library's own share)
#   bytes per add with ...  the usual call, add(Timestamp(now_ms), {...}), all included
# Run with a 128K heap: per-row counts do not depend on the cap, and a 64K heap split by the
# imports has no contiguous block for a 240-row ring column.
import gc

from iotpush.services.iobeam import ClientBuilder, Timestamp

TOKEN = "e30.eyJleHAiOjQwMDAwMDAwMDB9.eA"  # {"exp": 4000000000}
c = (ClientBuilder(4242, TOKEN).setBackend("http://127.0.0.1:9/v1/").setBodySize(1024)
     .setDeviceId("m").build())


def store_cost(name, rows):
    gc.collect()
    a = gc.mem_alloc()
    s = c.createDataStore([name, "h"], capacity=rows)
    gc.collect()
    return gc.mem_alloc() - a, s


store_cost("warm", 1)  # the request buffer, first imports
small, _ = store_cost("a", 40)
big, s = store_cost("b", 240)
print("bytes per 2-value row:", (big - small) // 200)
print("bytes per store besides its rows:", small - 40 * (big - small) // 200)

ts = Timestamp(1700000000123)
row = {"b": 21.5, "h": 40}
s.add(ts, row)
N = 100
gc.collect()
gc.disable()
a = gc.mem_alloc()
for i in range(N):
    s.add(ts, row)
b = gc.mem_alloc()
gc.enable()
print("bytes per add:", (b - a) // N)
gc.collect()
gc.disable()
a = gc.mem_alloc()
for i in range(N):
    s.add(Timestamp(1700000000123 + i), {"b": 21.5, "h": i})
b = gc.mem_alloc()
gc.enable()
print("bytes per add with Timestamp and dict:", (b - a) // N)
assert s.pending == 2 * (N + N + 1) and s.dropped == 0
print("OK")
