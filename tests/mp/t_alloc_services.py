# Bytes allocated on the hot paths of the NikDev or Power BI service (argv[1]), measured
# exactly on MicroPython: GC off, gc.mem_alloc() before and after N calls, inside functions (a
# loop at module level would store globals). Prints one line per case; pytest asserts.
import sys
from allocmeter import per_call

N = 30
f = 21.5
n = 7


def nikdev():
    from iotpush.services.nikdev import Api

    api = Api({"deviceId": "0f8fad5b-d9cb-469f-a165-70867728950e",
               "apiKey": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "capacity": 128})

    def entry():
        api.add_value("t", f)
        api.add_value("n", n)
        api.add_value("n", n)  # replaced in place
        api.commit()

    print("nikdev alloc per add_value x3 + commit: %s bytes" % per_call(entry, N))
    assert api.dropped == 0 and api.pending_entries == N + 1


def powerbi():
    from iotpush import Streamer
    from iotpush.services.powerbi import PowerBI

    pb = PowerBI("http://127.0.0.1:9/beta/t/datasets/d/rows?key=k",
                 columns={"temp": "Number", "room": "Text", "ts": "DateTime", "door": "Boolean"},
                 timestamp_column="ts", body_size=512)
    st = Streamer(pb, capacity=32)  # overflows: eviction allocates nothing either

    def log_number():
        st.log("temp", f)

    def log_bool():
        st.log("door", True)

    row = {"temp": f, "door": False}

    def log_row():
        st.log_row(row)

    print("powerbi alloc per typed log(float): %s bytes" % per_call(log_number, N))
    print("powerbi alloc per typed log(bool): %s bytes" % per_call(log_bool, N))
    print("powerbi alloc per log_row(2 fields): %s bytes" % per_call(log_row, N))
    assert st.dropped > 0


globals()[sys.argv[1]]()
print("OK")
