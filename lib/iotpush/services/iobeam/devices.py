# devices.py: device registration (POST devices). A cold module: loaded for one call by
# base.cold() and dropped after it. Blocking: one request, three after a 401/403 (a refresh and
# a repeat), each up to the client's timeout per socket operation.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import json

from ...errors import PushError
from .base import DuplicateIdError, UnauthorizedError, UnknownCodeError, cold
from .checks import check_id, check_reg
from .wire import api_error, detail, post


def set_id(client, device_id):
    """The client's device id from now on (saved with saveToDisk())."""
    client._did = check_id(device_id)
    if client._path is not None:
        from .disk import save_id

        save_id(client._path, device_id)


def register(client, device_id, name, set_on_dupe):
    """POST devices {"project_id"[, "device_id"][, "device_name"]}; the id it answers (201)
    becomes the client's. A taken id (errors[0].code 150) is adopted with set_on_dupe, else
    DuplicateIdError. On 401/403 the token is refreshed once and the request repeated: a board
    whose clock was never set cannot tell that its token expired. (Client.registerDevice
    refreshes a token that is due before this.)"""
    check_reg(device_id, name, set_on_dupe)
    set_id(client, _register(client, device_id, name, set_on_dupe))


def _register(client, device_id, name, set_on_dupe):
    t = client.transport
    body = '{"project_id": %d' % client.projectId  # the official client's key order
    if device_id:
        body += ', "device_id": "%s"' % device_id  # checked: nothing to escape
    if name:
        body += ', "device_name": ' + json.dumps(name)
    body += "}"
    st = None
    for again in (False, True):
        st, ans = post(client, "devices", body, client.headers)
        if st == 201:
            try:
                return check_id(ans["device_id"])  # type: ignore[index]
            except (ValueError, TypeError, KeyError):
                raise UnknownCodeError("iobeam: registration answered 201 without a device_id",
                                       st, True)
        if st != 401 and st != 403:
            break
        why = "iobeam: invalid credentials (HTTP %d)%s" % (st, detail(client))
        if again:
            raise UnauthorizedError(why, st, True)
        try:
            cold("token", "refresh", client)
        except PushError as e:
            raise UnauthorizedError("%s; token refresh: %s" % (why, e), st, True)
    err = api_error(t.body)
    if err is not None and err.get("code") == 150:
        if set_on_dupe:
            return device_id
        raise DuplicateIdError("Device ID already registered: %r" % device_id, st, True)
    raise UnknownCodeError("iobeam: registration answered HTTP %s%s" % (st, detail(client)), st, True)
