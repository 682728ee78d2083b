# iotpush.services: one module per service; import the one you use, e.g.
#   from iotpush.services.initialstate import InitialState
