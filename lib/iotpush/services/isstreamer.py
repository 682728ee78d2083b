# isstreamer.py: an ISStreamer-style facade over iotpush for Initial State users.
#
# from iotpush.services.initialstate import Streamer   (this class, loaded on demand)
# s = Streamer(bucket_name="Garden", bucket_key="garden", access_key="ist_...")
# s.log("temperature", 21.5); s.flush(); s.close()
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from ..errors import PushError
from ..streamer import Streamer as Core
from .initialstate import BASE_URL, InitialState


class Streamer:
    """ISStreamer-style facade: Streamer(bucket_name=, bucket_key=, access_key=).

    log(key, value, epoch=None) buffers (and ships a batch when buffer_size events wait, like
    ISStreamer; a failure there is kept in last_error and the events stay buffered, log() does
    not raise for the network); flush() sends now and raises PushError; close() drains.
    """

    def __init__(self, bucket_name=None, bucket_key=None, access_key=None, buffer_size=10,
                 base_url=BASE_URL, mode="json", timeout=10, capacity=256, debug_level=0,
                 use_async=False, create_bucket=True):
        if access_key is None:
            raise ValueError("access_key is required (your Initial State account key, ist_...)")
        if bucket_key is None:
            import random

            bucket_key = "iotpush_%08x" % random.getrandbits(32)
        if bucket_name is None:
            bucket_name = bucket_key
        if not isinstance(buffer_size, int) or not 1 <= buffer_size <= capacity:
            raise ValueError("buffer_size must be an int in 1..capacity")
        self.BucketKey = bucket_key
        self.BufferSize = buffer_size
        self.debug_level = debug_level
        self.service = InitialState(access_key, bucket_key, bucket_name if create_bucket else None,
                                    base_url, mode, timeout)
        self.streamer = Core(self.service, capacity, min(buffer_size, 10))
        self.last_error = None
        if create_bucket:
            try:
                self.service.create_bucket()
            except PushError as e:
                self.last_error = str(e)  # retried before the first events are sent

    def log(self, key, value, epoch=None):
        if self.streamer.pending >= self.BufferSize:
            try:
                self.streamer.flush()
            except PushError as e:
                self.last_error = str(e)
                if self.debug_level >= 2:
                    raise
        self.streamer.log(key, value, epoch)

    def log_object(self, obj, key_prefix=None, epoch=None):
        """Log each item of a dict (or list/tuple) as its own stream: '<prefix>_<name>'."""
        if isinstance(obj, dict):
            names = list(obj)
        elif isinstance(obj, (list, tuple)):
            names = list(range(len(obj)))
        else:
            raise TypeError("log_object() takes a dict, list or tuple")
        p = key_prefix if key_prefix is not None else ("dict" if isinstance(obj, dict) else "list")
        for k in names:
            self.log("%s_%s" % (p, k), obj[k], epoch)

    def flush(self):
        return self.streamer.flush()

    def close(self, timeout_ms=None):
        return self.streamer.close(timeout_ms)

    @property
    def pending(self):
        return self.streamer.pending

    def __repr__(self):
        return "<initialstate.Streamer bucket=%s %r>" % (self.service.bucket_name, self.streamer)
