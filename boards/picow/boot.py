# boot.py (Pico W): join Wi-Fi and set the clock before main.py runs. Settings: config.json.
#
# Bounded: wifi.tries tries of wifi.timeout_s each with a doubling pause between them (defaults
# 3 x 10 s, 36 s at most), then NTP with ntp.timeout_s. Never loops forever: if Wi-Fi fails,
# main.py starts anyway, buffers its readings and tries again later. After a soft reset (Ctrl-D,
# mpremote) the network is left to main.py so that mpremote gets its REPL at once. The steps
# are sensorapp.boot(), shared by both boards (make deploy puts sensorapp.py beside this file).
from sensorapp import boot

try:
    boot()
except KeyboardInterrupt:
    print("boot: interrupted")
del boot
