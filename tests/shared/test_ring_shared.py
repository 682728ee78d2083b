# RingBuffer behaviour; runs under pytest and on MicroPython (tests/mp/run_shared.py).
from sharedutil import raises


def _ring(cap=4, keys=4):
    from iotpush.ring import RingBuffer

    return RingBuffer(cap, keys)


def _values(r):
    out = []
    for j in range(r.count):
        r.at(j)
        out.append((r.keys[r.ki], r.val))
    return out


def test_push_and_read_all_kinds():
    r = _ring(8)
    k = r.add_key("a")
    for v in (1.5, 7, "s", True, False, None, -2 ** 40):
        r.push(k, v, 10, 5, 0)
    assert _values(r) == [("a", 1.5), ("a", 7), ("a", "s"), ("a", True), ("a", False),
                          ("a", None), ("a", -2 ** 40)]
    r.at(0)
    assert (r.s, r.ms) == (10, 5)
    r.at(1)
    assert type(r.val) is int


def test_overflow_drops_oldest_and_counts():
    r = _ring(3)
    k = r.add_key("a")
    for i in range(5):
        r.push(k, i, 0, 0, 0)
    assert r.count == 3 and r.dropped == 2
    assert [v for _, v in _values(r)] == [2, 3, 4]


def test_ack_after_overflow_removes_only_what_is_left_of_the_batch():
    r = _ring(4)
    k = r.add_key("a")
    for i in range(4):
        r.push(k, i, 0, 0, 0)
    ev = r.evictions  # a reader takes the batch [0, 1, 2]
    r.push(k, 4, 0, 0, 0)  # overflow evicts 0 while the batch is in flight
    r.ack(3, ev)
    assert [v for _, v in _values(r)] == [3, 4]


def test_discard_and_wraparound():
    r = _ring(3)
    k = r.add_key("a")
    for i in range(10):
        r.push(k, i, 0, 0, 0)
        if r.count == 2:
            r.discard(1)
    assert [v for _, v in _values(r)] == [9] or [v for _, v in _values(r)] == [8, 9]


def test_rows_keep_together_and_split_rows_lose_continuation():
    from iotpush.ring import F_CONT

    r = _ring(4)
    a, b = r.add_key("a"), r.add_key("b")
    r.push(a, 1, 0, 0, 0)
    r.push(a, 2, 0, 0, 0)
    r.push(b, 3, 0, 0, F_CONT)
    assert r.row_len(0) == 1 and r.row_len(1) == 2
    r.push(a, 4, 0, 0, 0)
    r.push(a, 5, 0, 0, 0)  # evicts 1
    r.push(a, 6, 0, 0, 0)  # evicts 2: 3 starts a partial row now
    r.at(0)
    assert r.val == 3 and not r.fl & F_CONT


def test_key_table_reclaims_unused_keys_then_refuses():
    r = _ring(4, keys=2)
    a = r.add_key("a")
    r.add_key("b")
    r.push(a, 1, 0, 0, 0)
    r.add_key("c")  # "b" is unused: reclaimed
    assert r.keys == ["a", "c"]
    r.push(r.key_index("c"), 2, 0, 0, 0)
    e = raises(ValueError, r.add_key, "d")
    assert "too many distinct keys" in str(e)
    assert _values(r) == [("a", 1), ("c", 2)]


def test_retime_fixes_only_unclocked_events():
    from iotpush.ring import F_NOCLOCK, F_NOTS

    r = _ring(4)
    k = r.add_key("a")
    r.push(k, 1, -600000000, 900, F_NOCLOCK)
    r.push(k, 2, 5, 0, 0)
    from iotpush.ringops import retime, untime

    retime(r, 600000100, 200)
    r.at(0)
    assert (r.s, r.ms, r.fl & F_NOCLOCK) == (101, 100, 0)
    r.at(1)
    assert (r.s, r.ms) == (5, 0)
    r.push(k, 3, 0, 0, F_NOCLOCK)
    untime(r)
    r.at(2)
    assert r.fl & F_NOTS and not r.fl & F_NOCLOCK


def test_columns_are_preallocated_to_capacity():
    r = _ring(7)
    assert [len(a) for a in (r._k, r._f, r._s, r._ms, r._v, r._o)] == [7] * 6


def test_bad_capacity():
    from iotpush.ring import RingBuffer

    raises(ValueError, RingBuffer, 0)
    raises(ValueError, RingBuffer, 70000)
    raises(ValueError, RingBuffer, 4, 0)
