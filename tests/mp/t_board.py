# Runs a board folder (the current directory) as the board would: boot.py from source, then the
# example's run(). Usage: t_board <module: main | main_sleep> [cycles]. Prints the watchdog's
# longest gap between feeds and the streamer's state for the pytest side to check.
import sys

import machine

exec(compile(open("boot.py").read(), "boot.py", "exec"), {"__name__": "__main__"})
name = sys.argv[1]
mod = __import__(name)
try:
    if len(sys.argv) > 2:
        mod.run(int(sys.argv[2]))
    else:
        mod.run()
finally:
    print("wdt feeds=%d max_gap_ms=%d timeout_ms=%d" % (
        machine.WDT.feeds, machine.WDT.max_gap_ms, machine.WDT.timeout_ms))
    print("state:", mod.st)
