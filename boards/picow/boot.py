# boot.py (Pico W): join Wi-Fi and set the clock before main.py runs. Settings: config.json.
#
# Bounded: wifi.tries tries of wifi.timeout_s each with a doubling pause between them (defaults
# 3 x 10 s, 36 s at most), then NTP with ntp.timeout_s. Never loops forever: if Wi-Fi fails,
# main.py starts anyway, buffers its readings and tries again later. After a soft reset (Ctrl-D,
# mpremote) the network is left to main.py so that mpremote gets its REPL at once. Where the
# port has no SOFT_RESET cause, rp2 reports the last hard reset (PWRON_RESET); but its RTC
# survives a soft reset and starts at 2021 after power-on, so "PWRON and clock set" = soft reset.
import machine

import iotpush
from iotpush import config, wifi


def _soft_reset():
    cause = machine.reset_cause()
    soft = getattr(machine, "SOFT_RESET", None)
    if soft is not None:
        return cause == soft
    from iotpush.clock import clock

    return cause == machine.PWRON_RESET and clock.synced


def _boot():
    try:
        cfg = config.load()
    except config.ConfigError as e:
        print("boot:", e)
        return
    if _soft_reset():
        print("boot: soft reset: Wi-Fi and NTP left to main.py")
        return
    try:
        wifi.connect(cfg=cfg)
    except (wifi.WifiError, config.ConfigError, ValueError) as e:
        print("boot: %s; main.py will try again" % e)
        return
    from iotpush.clock import clock

    if clock.synced:  # the RTC kept the time (deep sleep): no NTP needed
        print("boot: clock already set")
        return
    host = cfg.get("ntp.host", str, None)
    if iotpush.sync_time(host, cfg.get("ntp.timeout_s", "number", 2, 0.1, 30)):
        print("boot: clock set by NTP:", clock)


try:
    _boot()
except KeyboardInterrupt:
    print("boot: interrupted")
del _boot, _soft_reset
