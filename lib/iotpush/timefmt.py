# timefmt.py: calendar dates and ISO-8601 text from (s, ms) clock offsets, small ints only.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from micropython import const

_DAYS_REF = const(18518)  # days from 1970-01-01 to the day of clock.REF
_SECS_REF_DAY = const(44800)  # seconds of REF into its day


def civil(s):
    """(year, month, day, hour, minute, second) of offset s. Small ints only, no time.gmtime()."""
    t = s + _SECS_REF_DAY
    days = _DAYS_REF + t // 86400
    t %= 86400
    # days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return y, m, d, t // 3600, t // 60 % 60, t % 60


def isoformat(s, ms=0):
    """ISO-8601 UTC string of offset s, e.g. '2026-11-21T23:59:02.123Z' (allocates a str)."""
    y, mo, d, h, mi, se = civil(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (y, mo, d, h, mi, se, ms)




def write_iso(body, s, ms):
    """Write '"2026-11-21T23:59:02.123Z"' (quoted) into an encode.Body, allocating nothing."""
    y, mo, d, h, mi, se = civil(s)
    w = body.write
    dg = body.digits
    w(b'"')
    dg(y, 4)
    w(b"-")
    dg(mo, 2)
    w(b"-")
    dg(d, 2)
    w(b"T")
    dg(h, 2)
    w(b":")
    dg(mi, 2)
    w(b":")
    dg(se, 2)
    w(b".")
    dg(ms, 3)
    w(b'Z"')
