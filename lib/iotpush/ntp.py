# ntp.py: set the RTC from NTP and re-anchor iotpush's clock.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

from .clock import clock

def sync_time(host=None, timeout=1):
    """Set the RTC from NTP (frozen `ntptime`, `timeout` seconds) and re-anchor the clock.

    Blocks at most about `timeout` seconds plus the DNS lookup of `host`, which the firmware
    cannot bound (give an IP address to skip it). Returns True on success; False with the
    reason printed when it failed (no network, timeout) so a caller's loop can simply go on.
    Events logged before the first successful sync get their time corrected on the next send.
    """
    if host is not None and (not isinstance(host, str) or not host or " " in host):
        raise ValueError("host must be an NTP server name or address, e.g. 'pool.ntp.org'")
    if type(timeout) not in (int, float) or not 0 < timeout <= 60:
        raise ValueError("timeout must be a number of seconds in (0, 60]")
    try:
        import ntptime  # frozen on ESP32 and Pico W firmware
    except ImportError:
        print("iotpush: no ntptime module on this port; set the RTC yourself, then clock.resync()")
        return False
    if host:
        ntptime.host = host
    ntptime.timeout = timeout
    try:
        ntptime.settime()
    except Exception as e:  # OSError, or IndexError/OverflowError on a bad packet
        from .hints import wifi_hint

        print("iotpush: NTP sync failed (%r): %s" % (
            e, wifi_hint() or "is the NTP host right and UDP port 123 open?"))
        return False
    clock.resync()
    return clock.synced
