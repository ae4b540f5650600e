"""Prints a line, waits, prints another, never flushing: on a pipe both come out at exit."""

import sys
import time

print("first", flush=False)
time.sleep(float(sys.argv[1]))
print("second", flush=False)
