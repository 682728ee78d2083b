# allocmeter.py: exact allocation per call on MicroPython, for the t_alloc* scripts (small on
# purpose: the scripts it serves run at the edge of a 64K heap).


def per_call(fn, n=100):
    """Bytes allocated per call of fn, exactly: one warm-up call (keys enter the key table),
    then n calls with the GC off, measured by gc.mem_alloc() (MicroPython only)."""
    import gc

    fn()
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    for _ in range(n):  # the loop itself allocates nothing per iteration
        fn()
    b = gc.mem_alloc()
    gc.enable()
    return (b - a) / n
