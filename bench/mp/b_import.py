# Heap retained by each import, in the order given: b_import mod1 mod2 ... (gc.collect() and
# gc.mem_alloc() around each; a module's imports not yet loaded are counted with it).
import gc
import sys

gc.collect()
start = gc.mem_alloc()
last = start
for name in sys.argv[1:]:
    __import__(name)
    gc.collect()
    now = gc.mem_alloc()
    print("imp", name, now - last)
    last = now
print("imp total", last - start)
print("OK")
