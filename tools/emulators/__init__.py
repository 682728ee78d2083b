"""Local emulators of every service iotpush speaks, for tests and the dev dashboard.

Each module in this package defines one Emulator subclass; all_emulators() finds them, so a new
service only adds its module. Servers bind 127.0.0.1 unless told otherwise and stop by
themselves (Hub(lifetime=...)).
"""
import importlib
import os

from .hub import Emulator, Hub, Reject, Reply, Request  # noqa: F401


def emulator_classes():
    """{name: Emulator subclass} for every module in this package."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = {}
    for fn in sorted(os.listdir(here)):
        if fn.endswith(".py") and fn not in ("__init__.py", "__main__.py", "hub.py"):
            mod = importlib.import_module("%s.%s" % (__name__, fn[:-3]))
            for obj in vars(mod).values():
                if isinstance(obj, type) and issubclass(obj, Emulator) and obj is not Emulator \
                        and obj.__module__ == mod.__name__:
                    out[obj.name] = obj
    return out


def all_emulators():
    return [cls() for cls in emulator_classes().values()]
