# iotpush.services.iobeam: iobeam imports (https://api.iobeam.com/v1/) with the names iobeam
# users know:
#   client = ClientBuilder(project_id, project_token).saveToDisk().registerDevice().build()
#   store = client.createDataStore(["temperature", "humidity"])
#   store.add(Timestamp(now_ms), {"temperature": 21.5}); client.send()
# Small modules, one job each (on MicroPython the heap an import needs grows faster than the
# module). Resident:
#   base     errors, constants, cold(): a call into a cold module
#   stamp    Timestamp, TimeUnit, microseconds as text
#   store    DataStore: a core Streamer holding rows
#   client   Client: the service behind its stores (import requests), send()
# Cold, loaded for a call and forgotten after it:
#   builder  the ClientBuilder class (lives as long as a builder does)
#   checks   argument checks, making a DataStore, rows() for debugging
#   token    the project token's exp, its refresh
#   devices  device registration
#   wire     the POST and error answers those two requests share
#   disk     the device id on flash
# The resident modules are imported here one at a time with a collection in between: the garbage
# of loading one would otherwise split the heap under the next (unix port, from .mpy: 45 KB of
# heap needed to import this package instead of 54).
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import gc

from .base import BASE_URL, DuplicateIdError, UnauthorizedError, UnknownCodeError, cold  # noqa: F401
from .stamp import TimeUnit, Timestamp  # noqa: F401

gc.collect()
from .store import DataStore  # noqa: E402,F401  (the core Streamer and its ring come with it)

gc.collect()
from .client import Client  # noqa: E402,F401

gc.collect()


def ClientBuilder(projectId, projectToken):
    """ClientBuilder(project_id, project_token).saveToDisk().registerDevice().build(): the
    builder's code (builder.py) is loaded for the builder's life only."""
    return cold("builder", "ClientBuilder", projectId, projectToken)
