# errors.py: the exception iotpush raises when a push did not go through.

import gc

gc.collect()  # tidy the heap the previous import left before this module loads


class PushError(Exception):
    """A request to the service failed.

    .status   HTTP status, or None for a network fault (timeout, refused, reset, bad response)
    .retained True: the events are still buffered and will be sent again (transient fault);
              False: the service rejected them for good and they were moved to the dead letters
    The message never contains keys or tokens.
    """

    def __init__(self, msg, status=None, retained=True):
        super().__init__(msg)
        self.status = status
        self.retained = retained
