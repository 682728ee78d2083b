# hints.py: what to do next about a network fault, as one short phrase for an error message.
# Cold path (runs only when a request failed); imports lazily.

import gc

gc.collect()  # tidy the heap the previous import left before this module loads


def wifi_hint():
    """'Wi-Fi not connected: ...' when this board has Wi-Fi and it is not up, else ''."""
    try:
        import network
    except ImportError:  # unix / CPython: the host's network is used
        return ""
    try:
        w = network.WLAN(network.STA_IF)
        if not w.active():
            return "Wi-Fi is off: call iotpush.wifi.connect()"
        ok = getattr(network, "STAT_GOT_IP", None)
        if ok is not None and w.status() != ok:
            return "Wi-Fi not connected: call iotpush.wifi.connect()"
    except Exception:  # an unusual port: no hint rather than a second fault
        pass
    return ""


def fault_hint(err):
    """A phrase saying what a network exception most likely means and what to check."""
    w = wifi_hint()
    if w:
        return w
    if isinstance(err, ValueError):
        return "the answer was not HTTP: is base_url the service's API address?"
    code = err.args[0] if isinstance(err, OSError) and err.args else None
    if isinstance(code, str) or code in (-2, -202, -3):  # getaddrinfo's own codes per port
        return "DNS lookup failed: check the host name in base_url and that Wi-Fi is connected"
    if not isinstance(code, int):
        return ""
    import errno

    for name, text in (
        ("ECONNREFUSED", "connection refused: is the server running at that address and port?"),
        ("ETIMEDOUT", "no answer within the timeout: server down, or a weak link"),
        ("EHOSTUNREACH", "host unreachable: check the address and the network"),
        ("ECONNRESET", "connection reset by the server or the network"),
        ("ECONNABORTED", "connection aborted: a weak or busy link"),
        ("ENOMEM", "out of memory: TLS needs tens of KB; gc.collect() or a smaller capacity"),
    ):
        if getattr(errno, name, None) == code:
            return text
    if code < -1000:
        return "TLS error: out of memory or a server this TLS stack cannot talk to"
    return ""
