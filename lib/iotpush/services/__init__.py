# iotpush.services: one module per service; import the one you use, e.g.
#   from iotpush.services.initialstate import InitialState

import gc

gc.collect()  # tidy the heap the previous import left before this module loads
