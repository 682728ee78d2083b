"""The bad-input table (tests/shared/badinput_cases.py), one pytest case per row; the same table
runs on MicroPython in tests/test_reliability_mp.py."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "shared"))

import badinput_cases  # noqa: E402


@pytest.mark.parametrize("row", badinput_cases.ROWS, ids=[r[0] for r in badinput_cases.ROWS])
def test_bad_input_is_refused_at_the_call_and_nothing_buffered_is_lost(mp, row):
    assert badinput_cases.check_row(row) is None


def test_the_table_is_big_enough():
    assert len(badinput_cases.ROWS) >= 30
