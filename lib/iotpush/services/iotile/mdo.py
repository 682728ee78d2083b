# mdo.py: IOTile's Multiply-Divide-Offset unit conversion: value * m / d + o.
# A handful of floats; compute() allocates only the float it returns. Loaded on first use.

import gc

gc.collect()  # tidy the heap the previous import left before this module loads


def _number(x, what):
    t = type(x)
    if t is not int and t is not float:
        raise TypeError("%s must be a number, not %s" % (what, t.__name__))
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("%s must be finite" % what)
    return x


class MdoHelper:
    """MdoHelper(m, d, o=None): m and d non-zero ints (as in a stream's output_unit), o an
    optional offset. compute_value(v) = v * m / d + o; compute_reverse() undoes it."""

    def __init__(self, m, d, o=None):
        for x, what in ((m, "m"), (d, "d")):
            if type(x) is not int:
                raise TypeError("MdoHelper: %s must be an int, not %s" % (what, type(x).__name__))
            if x == 0:
                raise ValueError("MdoHelper: %s must not be 0" % what)
        self._m = float(m)
        self._d = float(d)
        self._o = float(_number(o, "MdoHelper: o")) if o else None

    def compute(self, value):
        """value * m / d + o, as a float."""
        r = 0.0
        if self._o:
            r += self._o
        return r + _number(value, "value") * self._m / self._d

    compute_value = compute  # the name the iotile-cloud README uses

    def compute_reverse(self, value):
        """The internal value a converted value came from: (value - o) * d / m."""
        r = float(_number(value, "value"))
        if self._o:
            r -= self._o
        return r * self._d / self._m

    def __str__(self):
        return ("%s+" % self._o if self._o else "") + "%sx/%s" % (self._m, self._d)
