"""The memory budget still holds (fast, non-timing: exact allocation counts and heap-cap /
ballast bisection on the real MicroPython interpreter, library and scripts from .mpy).

Thresholds live in bench/budget.json (from `make bench`); tighten them there as the core slims.
"""
import json
import os

import pytest

from tools.heapbisect import ROOT, Runner, min_heap

with open(os.path.join(ROOT, "bench", "budget.json")) as f:
    BUDGET = json.load(f)
MODULES = "iotpush.services.initialstate"


@pytest.fixture(scope="module")
def runner():
    return Runner()


def _flush_extra(runner, hub, who, transport):
    env = {"BASE": hub.base("initialstate"), "MODULES": MODULES}
    return min_heap(lambda free: runner.ok(
        "b_flush", [who, 10, 4, transport, "initialstate", "json", free], 512 * 1024, env),
        lo=-32, hi=16384, step=32)


def test_log_allocations(runner):
    r = runner.run("b_alloc", ["initialstate"], heap="256K")
    assert r.returncode == 0, r.output
    got = {}
    for line in r.stdout.splitlines():
        if line.startswith("alloc "):
            k, v = line[6:].rsplit(": ", 1)
            got[k] = float(v)
    for k in ("log(float)", "log(int)", "log(bool)", "log(str) of a string the caller holds"):
        assert got[k] == BUDGET["log_number_bytes"], (k, got)
    assert got["log(str) of a string made per call (the caller's)"] == got["the caller's string alone"]
    assert got["log_row() of 3 fields (dict held by the caller)"] <= BUDGET["log_row3_bytes"], got


def test_ten_event_flush_peak_heap(runner, hub):
    seed = _flush_extra(runner, hub, "seed", "requests")
    ours = _flush_extra(runner, hub, "iotpush", "requests")
    ka = _flush_extra(runner, hub, "iotpush", "keepalive")
    print("flush extra: seed %d, requests %d, keepalive %d" % (seed, ours, ka))
    assert ours <= BUDGET["flush10_extra_bytes"]["requests"], ours
    assert ka <= BUDGET["flush10_extra_bytes"]["keepalive"], ka
    assert ka <= seed * BUDGET["flush10_keepalive_vs_seed"], (ka, seed)
    assert seed > 1000  # the baseline itself measured something: the check can fail


@pytest.mark.parametrize("transport", ["requests", "keepalive"])
def test_thousand_event_push_completes_within_the_heap_budget(runner, hub, transport):
    emu = hub["initialstate"]
    heap = BUDGET["push1000_heap"][transport]
    env = {"BASE": hub.base("initialstate")}
    assert runner.ok("b_push", ["iotpush", transport, "initialstate", 32], heap, env)
    assert len(emu.events) == 1000
    # and the check is not vacuous: a heap 8 KB smaller does not suffice (yet)
    assert not runner.ok("b_push", ["iotpush", transport, "initialstate", 32], heap - 8192, env), \
        "the push now fits in 8 KB less: tighten push1000_heap in bench/budget.json"
