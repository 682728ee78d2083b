# The core hook Service.check_numbers: a service with typed columns (Power BI) sees numbers and
# booleans in check_value() too, so a wrong type is refused at log(); others are not asked.
# Runs under pytest and on MicroPython.
from sharedutil import fake_service, raises


def _st(check_numbers):
    from iotpush import Streamer

    svc = fake_service()
    seen = []

    def check_value(key, value):
        seen.append((key, value))
        if key == "text_only" and type(value) is not str:
            raise TypeError("text_only takes text")

    svc.check_value = check_value
    svc.check_numbers = check_numbers
    return Streamer(svc, capacity=8), seen


def test_numbers_are_not_passed_to_check_value_by_default():
    st, seen = _st(False)
    st.log("a", 1)
    st.log("a", 2.5)
    st.log("a", True)
    st.log("a", "s")
    st.log_row({"b": 3})
    assert seen == [("a", "s")] and st.pending == 5


def test_check_numbers_passes_every_value_and_refuses_at_the_call():
    st, seen = _st(True)
    st.log("a", 1)
    st.log("a", 2.5)
    st.log("a", False)
    st.log("a", "s")
    assert seen == [("a", 1), ("a", 2.5), ("a", False), ("a", "s")]
    raises(TypeError, st.log, "text_only", 5)
    raises(TypeError, st.log_row, {"a": 1, "text_only": 5.0})
    assert st.pending == 4  # nothing of the refused calls was buffered
    n = len(seen)
    raises(ValueError, st.log, "a", float("nan"))  # the core's own checks come first
    assert len(seen) == n
