# Runs the test_* functions of shared test modules on MicroPython: run_shared <module>...
import sys

failed = 0
ran = 0
for name in sys.argv[1:]:
    mod = __import__(name)
    for attr in sorted(dir(mod)):
        if attr.startswith("test_"):
            ran += 1
            try:
                getattr(mod, attr)()
                print("ok  ", name, attr)
            except Exception as e:
                failed += 1
                print("FAIL", name, attr)
                sys.print_exception(e)
print("%d run, %d failed" % (ran, failed))
sys.exit(1 if failed or not ran else 0)
