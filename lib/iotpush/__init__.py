# iotpush: push sensor time series from MicroPython boards to IoT dashboard services.
#
# Core: Streamer (buffer + batches + retries) and PushError. Each service lives in
# iotpush.services.<name>. Everything is loaded on first use, so `import iotpush` costs almost
# no RAM and a service pulls in only the core modules it needs.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

__version__ = "0.1.0"

_LAZY = {
    "Streamer": "streamer",
    "PushError": "errors",
    "sync_time": "ntp",
}


_MODULES = ("wifi", "config")  # iotpush.wifi.connect() works after a bare `import iotpush`


def __getattr__(name):
    if name in _MODULES:
        obj = __import__("iotpush." + name, None, None, ["_"])
        globals()[name] = obj
        return obj
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(name)
    obj = getattr(__import__("iotpush." + mod, None, None, [name]), name)
    globals()[name] = obj
    return obj
