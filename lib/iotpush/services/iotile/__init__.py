# iotpush.services.iotile: IOTile Cloud (Arch Systems) on the board, with the names of the
# official iotile-cloud client:
#
# from iotpush.services.iotile import (Api, StreamData, MdoHelper, AccumulationReportGenerator,
#     IOTileProjectSlug, IOTileDeviceSlug, IOTileVariableSlug, IOTileStreamSlug)
#
# Every name is loaded on first use, so a board pays RAM only for the parts it touches (slugs,
# MDO, reports and uploads live in their own modules): exceptions come from errors, IOTile*Slug
# from gid, the rest as listed below.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

_LAZY = {
    "Api": "api",
    "RestResource": "api",
    "StreamData": "data",
    "RawData": "data",
    "Rows": "data",
    "MdoHelper": "mdo",
    "AccumulationReportGenerator": "accumulate",
    "IOTile": "push",
    "ReportWriter": "reportfile",
}


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        if name.endswith("Error") or name.endswith("Exception"):
            mod = "errors"
        elif name.startswith("IOTile") and name.endswith("Slug"):
            mod = "gid"
        else:
            raise AttributeError(name)
    obj = getattr(__import__("iotpush.services.iotile." + mod, None, None, [name]), name)
    globals()[name] = obj
    return obj
