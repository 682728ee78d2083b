# disk.py: the device id on flash, <path>/iobeam_device_id (saveToDisk). A cold module: loaded
# for one call by base.cold() and dropped after it.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import os

from .checks import check_id

ID_FILE = "iobeam_device_id"


def _file(path):
    return (path.rstrip("/") + "/" if path else "") + ID_FILE


def read_id(path):
    """The saved device id, or None (no file, or no valid id in it)."""
    try:
        with open(_file(path)) as f:
            return check_id(f.read(256).strip())
    except (OSError, ValueError):
        return None


def save_id(path, device_id):
    """Write the id only when it changed (flash wears), through a temporary file and a rename:
    a power cut leaves the old id or the new one, never half of one. OSError if it cannot."""
    if read_id(path) == device_id:
        return
    p = _file(path)
    with open(p + ".tmp", "w") as f:
        f.write(device_id)
    os.rename(p + ".tmp", p)


def start(path, device_id):
    """Client(): the saved id when none was given, else the given one, saved."""
    if device_id is None:
        return read_id(path)
    save_id(path, device_id)
    return device_id
