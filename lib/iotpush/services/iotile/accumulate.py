# accumulate.py: AccumulationReportGenerator: the sum of every stream's data, on the board.
#
# gen = AccumulationReportGenerator(api)
# gen.compute_sum(sources=["p--0000-0001", "d--1111", "s--0000-0002--0000-0000-0000-2222--5001"],
#                 start="2026-01-01T00:00:00Z", end=None)
# -> {"streams": {slug: {"sum": 1500.0, "units": "G"}, ...}, "total": 7500.0}
#
# Sources are projects (all their streams), devices (all their streams) or single streams. Each
# stream's "output_value"s are summed while its pages stream in (jsonstream), so nothing but the
# running sums is held: memory is one page reader plus a (slug, units) pair per stream. As in the
# official client, streams whose sum is 0 are left out and a source the server refuses (4xx) is
# skipped; unlike it, every page of the stream lists is read and a stream named by two sources
# is summed once. Errors met on the way are listed in .errors.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from .data import pages
from .errors import HttpClientError, HttpNotFoundError
from .jsonstream import PageReader


def norm(src, terms):
    """'p--0001' -> 'p--0000-0001' (terms groups of 4 hex digits; streams: p, d and v parts)."""
    parts = src.split("--")
    kind = parts[0]
    if kind == "s" and len(parts) == 4:
        return "s--%s--%s--%s" % (norm("p--" + parts[1], 2)[3:], norm("d--" + parts[2], 4)[3:],
                                  norm("v--" + parts[3], 1)[3:])
    h = parts[1].replace("-", "") if len(parts) == 2 else ""
    if not 0 < len(h) <= 4 * terms or [c for c in h.encode() if c not in b"0123456789abcdefABCDEF"]:
        raise ValueError("illegal source slug: %s" % src[:60])
    n = int(h, 16)
    return kind + "--" + "-".join(["%04x" % ((n >> (16 * i)) & 0xFFFF) for i in range(terms - 1, -1, -1)])


def _iso(t):
    """The server's time format (YYYY-MM-DDTHH:MM:SSZ) for Unix seconds; a str passes as is."""
    if isinstance(t, str):
        return t
    if type(t) is not int and type(t) is not float:
        raise TypeError("start/end must be an ISO-8601 str or Unix seconds")
    from ...clock import REF
    from ...timefmt import civil

    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % civil(int(t) - REF)


def _units(stream):
    u = stream.get("output_unit")
    return u.get("unit_short") if isinstance(u, dict) else None


class AccumulationReportGenerator:
    """compute_sum(sources, start, end=None): per-stream sums and their total."""

    def __init__(self, api):
        self._api = api
        self._reader = PageReader(512, 2048)  # stream objects are bigger than data rows
        self._streams = []  # (slug, units)
        self.errors = []

    def _add(self, stream):
        slug = stream.get("slug") if isinstance(stream, dict) else None
        if isinstance(slug, str):
            for s, _ in self._streams:
                if s == slug:
                    return
            self._streams.append((slug, _units(stream)))

    def _list(self, **filt):
        pages(self._api, self._api.stream(), filt.items(), self._add, self._reader, None)

    def _fetch(self, src):
        if not isinstance(src, str):
            self.errors.append("illegal source %r" % (src,))
            return
        kind = src[:3]
        try:
            if kind == "p--":
                self._list(project=norm(src, 2))
            elif kind == "d--":
                self._list(device=norm(src, 4))
            elif kind == "s--":
                self._add(self._api.stream(norm(src, 0)).get())
            else:
                self.errors.append("illegal source slug: %s" % src[:60])
        except (HttpClientError, ValueError) as e:
            self.errors.append(str(e))

    def compute_sum(self, sources, start, end=None):
        if isinstance(sources, str):
            raise TypeError("sources must be a list of slugs")
        start = _iso(start)
        if end is None:
            from ...clock import clock

            end = clock.unix()
        end = _iso(end)
        self._streams = []
        self.errors = []
        for src in sources:
            self._fetch(src)
        if not self._streams:
            return {"error": "No streams were found for these GIDs"}
        stats: dict = {"streams": {}, "total": 0}
        acc = [0]

        def add(item):
            v = item.get("output_value")
            if v is not None:
                acc[0] += v

        for slug, units in self._streams:
            acc[0] = 0
            try:
                pages(self._api, self._api.stream(slug).data, (("start", start), ("end", end)),
                      add, self._reader)
            except HttpNotFoundError as e:
                self.errors.append(str(e))
            if acc[0]:
                stats["streams"][slug] = {"sum": acc[0], "units": units}
                stats["total"] += acc[0]
        self._streams = []
        return stats
