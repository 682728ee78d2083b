"""Runs the device-side tests on the real MicroPython unix port (`micropython`, 64K heap cap).

The library is compiled with mpy-cross (as boards run it), the test scripts too (compiling a
script at run time would cost the heap it is meant to measure). Shared tests (tests/shared) run
here as well as under pytest on CPython.
"""
import glob
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "tests/shared/test_*.py")))


@pytest.mark.parametrize("module", SHARED)
def test_shared_on_micropython(mp_tests, module):
    r = mp_tests("run_shared", [module])
    assert r.returncode == 0, r.output
    assert " 0 failed" in r.output


def test_log_of_a_number_allocates_zero_bytes(mp_tests):
    r = mp_tests("t_alloc")
    assert r.returncode == 0, r.output
    assert "alloc per log(float): 0.0 bytes" in r.output, r.output
    assert "alloc per log(int): 0.0 bytes" in r.output, r.output


def test_thousand_events_to_the_initialstate_emulator(mp_tests, hub):
    emu = hub["initialstate"]
    r = mp_tests("t_is_1000", env={"IS_URL": hub.base("initialstate") + "/api"})
    assert r.returncode == 0, r.output
    want = []
    for i in range(1000):
        m = i % 4
        want.append(("k%d" % m, [i * 0.37 + 1 / 3, i, "s%d" % i, i % 8 == 3][m]))
    got = [(e["key"], e["value"]) for e in emu.events]
    assert got == want  # all, once, in order, values exact (floats bit for bit)
    assert [type(v) for _, v in got] == [type(v) for _, v in want]
    assert emu.buckets == {"mp_bucket": "MicroPython"}
