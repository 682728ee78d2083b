# wifi.py: join a Wi-Fi network within a time limit, a bounded number of tries, and say why not.
#
# Success is read from WLAN.status() (STAT_GOT_IP) rather than isconnected() alone, which can
# say True while the link is re-associating. Codes differ by port (ESP32: 1010 = got IP, 202 =
# wrong password; Pico W: 3 = got IP, -3 = wrong password), so the names come from `network`.
# Cold path only: it allocates a little and blocks; see connect() for the bound.
import gc

gc.collect()  # tidy the heap the previous import left before this module loads

import time

# status attribute of `network` -> what it means to a person
_MEANING = (
    ("STAT_GOT_IP", "connected"),
    ("STAT_CONNECTING", "connecting"),
    ("STAT_IDLE", "idle (not connecting)"),
    ("STAT_WRONG_PASSWORD", "wrong password"),
    ("STAT_NO_AP_FOUND", "network not found (name wrong, out of range, or 5 GHz only?)"),
    ("STAT_CONNECT_FAIL", "connection failed"),
    ("STAT_BEACON_TIMEOUT", "signal lost (beacon timeout)"),
    ("STAT_ASSOC_FAIL", "association refused by the access point"),
    ("STAT_HANDSHAKE_TIMEOUT", "handshake timed out (wrong password?)"),
)
_FAILED = ("STAT_NO_AP_FOUND", "STAT_CONNECT_FAIL", "STAT_BEACON_TIMEOUT", "STAT_ASSOC_FAIL",
           "STAT_HANDSHAKE_TIMEOUT")


class WifiError(Exception):
    """Wi-Fi could not be joined. .status: the last WLAN.status() code (None: no Wi-Fi here).
    The message names the network and the reason, never the password."""

    def __init__(self, msg, status=None):
        super().__init__(msg)
        self.status = status


def _network():
    try:
        import network
    except ImportError:
        raise WifiError("Wi-Fi: this port has no `network` module (no Wi-Fi hardware)")
    return network


def _is(net, attr, s):
    v = getattr(net, attr, None)
    return v is not None and v == s


def meaning(status):
    """What a WLAN.status() code means, in words (e.g. 'wrong password')."""
    net = _network()
    for attr, text in _MEANING:
        if _is(net, attr, status):
            return text
    if status == 2:  # Pico W: link up, DHCP has not given an address yet
        return "joined, waiting for an IP address"
    return "status %s" % (status,)


def wlan():
    """The station interface (network.WLAN(network.STA_IF))."""
    net = _network()
    return net.WLAN(net.STA_IF)


def connected():
    """True when the station has an IP address (checked with status(), not isconnected())."""
    try:
        net = _network()
    except WifiError:
        return False
    w = net.WLAN(net.STA_IF)
    return bool(w.active()) and _is(net, "STAT_GOT_IP", w.status())


def status():
    """One line about the station: connected (ip, signal) or why not."""
    try:
        w = wlan()
    except WifiError as e:
        return str(e)
    if not w.active():
        return "Wi-Fi off: call iotpush.wifi.connect()"
    s = w.status()
    if not connected():
        return "Wi-Fi not connected: %s; call iotpush.wifi.connect()" % meaning(s)
    out = "Wi-Fi connected, ip %s" % w.ifconfig()[0]
    try:
        out += ", signal %d dBm" % w.status("rssi")
    except Exception:  # not on every port/firmware
        pass
    return out


def _check(ssid, password):
    if not isinstance(ssid, str) or not 0 < len(ssid) <= 32:
        raise ValueError("ssid must be a str of 1..32 characters (your network's name)")
    if not isinstance(password, str):
        raise TypeError("password must be a str ('' for an open network)")
    if password and not 8 <= len(password) <= 64:
        raise ValueError("password must be 8..64 characters (WPA2), or '' for an open network")


def _sleep(ms, feed):
    while ms > 0:
        if feed:
            feed()
        step = 200 if ms > 200 else ms
        time.sleep_ms(step)
        ms -= step


def connect(ssid=None, password=None, timeout_ms=None, tries=None, backoff_ms=2000,
            country=None, feed=None, quiet=False, cfg=None):
    """Join `ssid`; returns the WLAN once it has an IP address, else raises WifiError.

    Without ssid the network comes from config.json (or `cfg`, a loaded iotpush.config.Config):
    wifi.ssid, wifi.password, and wifi.timeout_s, wifi.tries, wifi.country unless given here.
    Each try waits up to timeout_ms (10 s); after a failed try it waits backoff_ms, doubling (3
    tries, the default, take 36 s at most). A wrong password stops at once. `feed` is called
    every 200 ms while waiting (pass a WDT's feed). One line per step unless quiet. Returns at
    once when already connected.
    """
    if ssid is None:
        if cfg is None:
            from .config import load

            cfg = load()
        ssid = cfg.get("wifi.ssid", str)
        password = cfg.get("wifi.password", str, "")
        if timeout_ms is None:
            timeout_ms = int(cfg.get("wifi.timeout_s", "number", 10, 1, 120) * 1000)
        if tries is None:
            tries = cfg.get("wifi.tries", int, 3, 1, 10)
        if country is None:
            country = cfg.get("wifi.country", str, None)
    elif password is None:
        password = ""
    if timeout_ms is None:
        timeout_ms = 10000
    if tries is None:
        tries = 3
    _check(ssid, password)
    if not isinstance(tries, int) or tries < 1:
        raise ValueError("tries must be an int >= 1")
    net = _network()
    if country and hasattr(net, "country"):
        net.country(country)
    w = net.WLAN(net.STA_IF)
    if not w.active():
        w.active(True)
    if _is(net, "STAT_GOT_IP", w.status()):
        if not quiet:
            print("wifi: already connected, ip", w.ifconfig()[0])
        return w
    s = None
    for n in range(1, tries + 1):
        if not quiet:
            print("wifi: connecting to %r (try %d/%d, %d s)" % (ssid, n, tries, timeout_ms // 1000))
        try:
            w.disconnect()  # ESP32 refuses connect() while it is still trying an old one
        except OSError:
            pass
        t0 = time.ticks_ms()
        w.connect(ssid, password)
        why = "timed out"
        while True:
            s = w.status()
            if _is(net, "STAT_GOT_IP", s):
                if not quiet:
                    print("wifi: connected in %d ms, ip %s" % (
                        time.ticks_diff(time.ticks_ms(), t0), w.ifconfig()[0]))
                return w
            if _is(net, "STAT_WRONG_PASSWORD", s):
                try:
                    w.disconnect()
                except OSError:
                    pass
                raise WifiError("Wi-Fi: wrong password for %r (status %s): check wifi.password "
                                "in config.json" % (ssid, s), s)
            if any(_is(net, a, s) for a in _FAILED):
                why = meaning(s)
                break
            if time.ticks_diff(time.ticks_ms(), t0) >= timeout_ms:
                why = "timed out after %d s (%s)" % (timeout_ms // 1000, meaning(s))
                break
            _sleep(200, feed)
        try:
            w.disconnect()
        except OSError:
            pass
        if n < tries:
            d = backoff_ms << (n - 1)
            if not quiet:
                print("wifi: try %d failed: %s; next try in %d s" % (n, why, d // 1000))
            _sleep(d, feed)
        elif not quiet:
            print("wifi: try %d failed: %s" % (n, why))
    raise WifiError("Wi-Fi: could not join %r after %d tries: %s (status %s)" % (
        ssid, tries, why, s), s)


def disconnect():
    """Leave the network and switch the radio off (saves power before a deep sleep)."""
    try:
        w = wlan()
    except WifiError:
        return
    try:
        w.disconnect()
    except OSError:
        pass
    w.active(False)
