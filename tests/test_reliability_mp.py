"""Reliability on the real MicroPython interpreter: the fault soak (64K heap) against the Initial
State emulator, checked from here: every event arrived, in order, and the only duplicates are the
batches whose acknowledgement the hub cut; Retry-After waited for; no socket left open."""
import json
import os
import threading

from tools.emulators.hub import Reply

N = 5000
TIMEOUT = 1.0  # the device's request timeout (s); stalls last longer
STALL = 1.4
CHAOS = [  # probability per request, fault
    (0.04, ("status", 500)),
    (0.04, ("status", 503)),
    (0.03, ("status", 429, {"Retry-After": "0"})),
    (0.03, ("reset",)),
    (0.01, ("stall", STALL)),  # no answer within the timeout; not processed
    (0.03, ("truncate",)),  # processed, reply cut: the ack is lost
    (0.01, ("stall_ack", STALL)),  # processed, reply after the timeout: the ack is lost
    (0.02, ("garbage",)),
    (0.01, ("refuse", 0.3)),  # connection reset, then connections refused for 0.3 s
]
EARLY = [  # every kind at least once, whatever the dice say
    ("status", 429, {"Retry-After": "1"}), ("refuse", 0.3), ("status", 500), ("stall", STALL),
    ("truncate",), ("garbage",), ("reset",), ("status", 503), ("stall_ack", STALL),
    ("status", 429, {"Retry-After": "1"}),
]


def _run_with_fd_check(proc, timeout=240):
    """Read the device's output until it says CHECK-FDS, list its open sockets, let it finish."""
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        out = []
        sockets = None
        for line in proc.stdout:
            out.append(line)
            if line.startswith("CHECK-FDS"):
                fd_dir = "/proc/%d/fd" % proc.pid
                links = []
                for n in os.listdir(fd_dir):
                    try:
                        links.append(os.readlink(os.path.join(fd_dir, n)))
                    except OSError:
                        pass  # closed while we looked
                sockets = [x for x in links if x.startswith("socket:")]
                proc.stdin.write("\n")
                proc.stdin.flush()
        proc.wait(30)
        return "".join(out), sockets
    finally:
        killer.cancel()
        if proc.poll() is None:
            proc.kill()


def check_delivery(emu, expected):
    """Every expected (key, value) arrived, in order; duplicates only from the accepted requests
    whose reply the hub cut (truncate / late ack) and which the device then sent again.
    Returns (number of duplicated events, number of cut acks)."""
    accepted = [r for r, reply in emu.log if isinstance(reply, Reply) and 200 <= reply.status < 300
                and r.path == "/api/events"]
    cut = {id(r) for r, _, _ in emu.acks_cut}
    index = {ev: i for i, ev in enumerate(expected)}
    frontier, dups, prev = 0, 0, None
    for r in accepted:
        evs = [(e["key"], e["value"]) for e in json.loads(r.body)]
        start = index[evs[0]]
        assert evs == expected[start:start + len(evs)], "a request skipped or reordered events"
        if prev is not None and start != frontier:
            p_start, p_len, p_cut = prev
            # only a batch whose ack was cut may be sent again, from where it started
            assert p_cut and start == p_start, ("unexplained duplicate or gap", p_start, start)
            dups += p_len
        frontier = start + len(evs)
        prev = (start, len(evs), id(r) in cut)
    assert frontier == len(expected), "not everything arrived"
    got = sum(len(json.loads(r.body)) for r in accepted)
    assert got - len(expected) == dups
    return dups, len(cut)


def test_fault_soak_on_micropython(mp_popen, hub):
    emu = hub["initialstate"]
    emu.late_after = TIMEOUT / 2  # on a busy machine a reply may come too late by itself
    emu.inject(*EARLY)
    emu.set_chaos(20261121, CHAOS)
    proc = mp_popen("t_soak", env={"IS_URL": hub.base("initialstate") + "/api", "N": str(N),
                                   "TIMEOUT": str(TIMEOUT), "WDT_MS": "2000"})
    output, sockets = _run_with_fd_check(proc)
    assert proc.returncode == 0 and output.rstrip().endswith("OK"), output
    assert sockets == [], (sockets, output)  # no socket left open (TLS buffers on a board)
    emu.set_chaos(0, None)
    expected = [("k%d" % (i % 4), i) for i in range(N)]
    dups, cut = check_delivery(emu, expected)
    faults = {}
    for _, reply in emu.log:
        if isinstance(reply, str):
            faults[reply] = faults.get(reply, 0) + 1
    for kind in ("status 500", "status 503", "status 429", "reset", "stall", "garbage", "refuse"):
        assert any(k.startswith("fault:" + kind) for k in faults), (kind, faults)
    assert cut >= 2 and hub.refusals >= 1
    # Retry-After: 1 (the first two 429s, from EARLY) was waited for: nothing came for a second
    log = emu.log
    waits = [log[i + 1][0].t - r.t for i, (r, reply) in enumerate(log[:-1])
             if reply == "fault:status 429"]
    assert waits[0] >= 0.99 and waits[1] >= 0.99, waits[:2]
    print("\nsoak: %d events, %d requests, %d faults %s, %d duplicated events from %d cut acks"
          % (N, len(log), sum(faults.values()), faults, dups, cut))
    print(output)


def test_power_cuts_on_littlefs_lose_only_what_was_not_committed(mp_tests):
    # the RAM block device and a pristine image of it take 96 KB: the heap is for them, the
    # library itself runs in a fraction of it
    r = mp_tests("t_powercut", heap="512K", timeout=300)
    assert r.returncode == 0 and r.output.rstrip().endswith("OK"), r.output
    tested = int(r.output.split("power cuts tested ")[1].split()[0])
    assert tested >= 200, r.output
    print("\n" + r.output)


def test_bad_input_table_on_micropython(mp_tests):
    # 256K: the table (80 rows of code and messages) and all five services, loaded in one
    # interpreter, are bigger than any one board program
    r = mp_tests("run_shared", ["badinput_cases"], heap="256K")
    assert r.returncode == 0 and "1 run, 0 failed" in r.output, r.output


def test_a_cross_origin_redirect_is_refused_on_micropython(mp_tests, hub):
    from tests.test_transport import Trap

    trap = Trap()
    try:
        emu = hub["initialstate"]
        base = hub.base("initialstate") + "/api"
        emu.inject(("status", 302, {"Location": "http://127.0.0.1:%d/steal" % trap.port}),
                   ("status", 307, {"Location": "http://127.0.0.1:%d/steal" % trap.port}),
                   ("status", 307, {"Location": base + "/events"}))
        r = mp_tests("t_redirect", env={"IS_URL": base})
    finally:
        trap.close()
    assert r.returncode == 0 and r.output.rstrip().endswith("OK"), r.output
    assert trap.got == []  # the key never left for the other host
    assert [e["value"] for e in hub["initialstate"].events] == [1, 2]


def test_store_soak_across_reboots_on_micropython(mp_tests, hub, tmp_path):
    """Three runs of the interpreter on one queue directory: the first with every connection
    refused (all goes to flash), then two with random faults; each run resumes from what the
    previous one left, and the last drains. 128K heap: the store's code (~15 KB here) on top."""
    emu = hub["initialstate"]
    env = {"IS_URL": hub.base("initialstate") + "/api", "STORE": str(tmp_path / "q")}
    runs = [(0, 600, False), (600, 1200, False), (1200, 1800, True)]
    restored = []
    for n, (start, end, final) in enumerate(runs):
        if n == 0:
            hub.pause()  # the network is down for the whole first run
        else:
            hub.resume()
            emu.late_after = 0.5
            emu.set_chaos(n, CHAOS)
        e = dict(env, START=str(start), END=str(end))
        if final:
            e["FINAL"] = "1"
        r = mp_tests("t_soak_store", heap="128K", env=e, timeout=200)
        assert r.returncode == 0 and r.output.rstrip().endswith("OK"), r.output
        restored.append(int(r.output.split("restored ")[1].split()[0]))
    emu.set_chaos(0, None)
    assert restored[0] == 0 and restored[1] == 600  # everything of the first run was on flash
    dups, cut = check_delivery(emu, [("k%d" % (i % 4), i) for i in range(1800)])
    assert os.listdir(str(tmp_path / "q")) == []  # all delivered: every segment deleted
    print("\nstore soak: 1800 events over 3 runs, restored %s, %d duplicated events from %d cut acks"
          % (restored, dups, cut))


def test_log_with_a_store_allocates_nothing_between_commits(mp_tests, tmp_path):
    r = mp_tests("t_alloc_store", heap="128K", env={"STORE": str(tmp_path / "q")})
    assert r.returncode == 0 and r.output.rstrip().endswith("OK"), r.output
    print("\n" + r.output)
