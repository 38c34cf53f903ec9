#!/usr/bin/env python3
"""Times whole commands, interleaved (one run of each in turn, N rounds), and prints each
command's median wall time: a quick A/B on a shared, noisy machine, where back-to-back
batches would measure the machine's mood. scripts/bench.sh is the full benchmark.

    scripts/interleave.py N "COMMAND A" "COMMAND B" ...
"""
import statistics
import subprocess
import sys
import time

rounds = int(sys.argv[1])
commands = [c.split() for c in sys.argv[2:]]
times = [[] for _ in commands]
for _ in range(rounds):
    for index, command in enumerate(commands):
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[index].append(time.perf_counter() - start)
        if done.returncode:
            sys.exit(f"exit {done.returncode}: {' '.join(command)}")
for command, samples in zip(commands, times):
    print(f"{statistics.median(samples) * 1000:.3f} ms  {' '.join(command)}")
