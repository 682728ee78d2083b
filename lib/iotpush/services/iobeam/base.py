# base.py: what every iobeam module shares: constants, the error classes, and the cold module.
#
# The cold paths (builder.py: ClientBuilder; checks.py: createDataStore's checks; token.py: the
# token's exp and refresh; devices.py: registration; wire.py: what those two requests share;
# disk.py: the device-id file) are imported for a call and forgotten after it (cold()): they do
# not stay resident.
# The error classes live here, not there, so a re-import cannot make new classes that an
# `except DuplicateIdError` written against the first ones would miss.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import sys

from ...errors import PushError

BASE_URL = "https://api.iobeam.com/v1/"
USER_AGENT = "iotpush/0.1"
_PKG = "iotpush.services.iobeam"
_COLD = ("builder", "checks", "devices", "disk", "token", "wire")


class UnauthorizedError(PushError):
    """iobeam refused the project token (HTTP 401/403 at registration, after a refresh)."""


class DuplicateIdError(PushError):
    """The device id is registered in the project already (registerDevice without setOnDupe)."""


class UnknownCodeError(PushError):
    """iobeam answered what the API does not promise (status and errors[0] in the message)."""


def cold(mod, name, *args):
    """<mod>.<name>(*args) of a cold module, imported for the call; afterwards every cold module
    is forgotten (their RAM is freed by the next GC unless an object still uses it)."""
    try:
        return getattr(__import__(_PKG + "." + mod, None, None, [name]), name)(*args)
    finally:
        pkg = sys.modules.get(_PKG)
        for m in _COLD:
            sys.modules.pop(_PKG + "." + m, None)
            try:
                delattr(pkg, m)
            except (AttributeError, KeyError):  # MicroPython: KeyError
                pass
