"""The performance and billing model.

Lambda gives a function a CPU share proportional to its memory: 1,769 MB buys one full vCPU. Our workers run
on the host's CPU at full speed, so we measure the CPU time an invocation really used and stretch it by the
share it would have had:

    duration = wall time + cpu time × (1769 / memory − 1)      for memory < 1769 MB
    duration = wall time                                        for memory ≥ 1769 MB

The response is really delayed by the difference, so a client's own clock agrees with the REPORT line.
Billed duration is the duration rounded up to the next millisecond. Waiting (I/O, sleep) is never stretched,
which is what makes memory tuning pay off for CPU-bound code only: the trend a cost lab must show.
Init (cold start) is not stretched: Lambda runs init with a full CPU burst.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

FULL_VCPU_MB = 1769


def cpu_factor(memory_mb: int) -> float:
    return FULL_VCPU_MB / memory_mb if memory_mb < FULL_VCPU_MB else 1.0


@dataclass(frozen=True)
class Timing:
    wall_ms: float
    cpu_ms: float
    memory_mb: int

    @property
    def throttle_ms(self) -> float:
        """The extra time the CPU share costs."""
        return self.cpu_ms * (cpu_factor(self.memory_mb) - 1.0)

    @property
    def duration_ms(self) -> float:
        return self.wall_ms + self.throttle_ms

    @property
    def billed_ms(self) -> int:
        return max(1, math.ceil(self.duration_ms))


def cpu_ns(pid: int) -> int:
    """Nanoseconds on CPU, all threads of `pid` (from /proc/PID/task/*/schedstat, 0 where unavailable)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as handle:
                total += int(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


def peak_rss_mb(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in MB, rounded up as Lambda reports it."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return math.ceil(int(line.split()[1]) / 1024)
    except (OSError, ValueError):
        pass
    return 0
