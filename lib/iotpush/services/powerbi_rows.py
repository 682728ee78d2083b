# powerbi_rows.py: PowerBI.push_rows(), the direct path, loaded on its first call. Rows go
# through the service's own Streamer (so a failed request keeps them like any buffered event)
# and are sent at once. Blocks: sleeps through the rate limit (1 s between requests by
# default) and up to the request timeout per socket operation. Allocates the rows' checks.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time

from ..errors import PushError


def push_rows(pb, st, rows):
    if isinstance(rows, dict):
        raise TypeError("push_rows() takes a list of rows: Power BI wants a JSON array "
                        "(a bare object gets 400); use push_rows([row])")
    if not isinstance(rows, (list, tuple)):
        raise TypeError("push_rows() takes a list of dicts")
    ring = st.ring
    need = 0
    new = []
    for r in rows:  # check everything before anything is buffered
        if not isinstance(r, dict) or not r:
            raise TypeError("each row must be a non-empty dict of column: value")
        for k in r:
            if type(k) is not str or ring.key_index(k) < 0:
                pb.check_key(k)
                if k not in new:
                    new.append(k)
            pb.check_value(k, r[k])
        pb.check_row(r)
        need += len(r)
    if need > ring.capacity:
        raise ValueError("these rows hold %d values; push_rows() buffers at most %d "
                         "(capacity=)" % (need, ring.capacity))
    if new:
        ring.ensure_keys(len(new))
    for r in rows:
        st.log_row(r)
    j = n = 0
    while j < ring.count:
        j += ring.row_len(j)
        n += 1
    while st.pending:
        b = st.next_retry_ms
        if b:
            raise PushError("powerbi: %d rows kept, next try in %d s (after %s)" % (
                n, (b + 999) // 1000, st.last_status or "a network fault"), st.last_status)
        w = st.wait_ms()
        if w:
            time.sleep_ms(w)
            continue
        st.flush()
    return n
