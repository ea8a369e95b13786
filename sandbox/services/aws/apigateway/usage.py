"""Throttling and metering: token buckets for usage-plan and stage throttles, and the per-key daily counts
behind quotas and GetUsage.

Buckets start full (burst tokens) and refill at the rate limit, the way AWS describes its token bucket.
Quota periods start at 00:00 UTC: DAY every day; WEEK on the weekday `offset` names (0 = Sunday);
MONTH on day `offset + 1` of the month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from sandbox.services.aws.bridge.apigateway import UsagePlan


@dataclass
class TokenBucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def period_start(day: dt.date, period: str, offset: int = 0) -> dt.date:
    if period == "WEEK":
        since_sunday = (day.weekday() + 1) % 7
        return day - dt.timedelta(days=(since_sunday - offset) % 7)
    if period == "MONTH":
        start_day = offset + 1
        if day.day >= start_day:
            return day.replace(day=min(start_day, calendar.monthrange(day.year, day.month)[1]))
        year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
        return dt.date(year, month, min(start_day, calendar.monthrange(year, month)[1]))
    return day


class UsageLedger:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, TokenBucket] = {}
        # (usage plan id, api key id) -> UTC day -> requests counted
        self._daily: dict[tuple[str, str], dict[dt.date, int]] = {}

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC).date()

    def allow(self, key: Hashable, rate: float, burst: int) -> bool:
        """Take a token from the bucket `key` (rebuilt when its limits change); False means throttled."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                bucket = self._buckets[key] = TokenBucket(rate, burst, float(burst), now)
            return bucket.take(now)

    def used_in_period(self, plan: UsagePlan, key_id: str, day: dt.date) -> int:
        counts = self._daily.get((plan.id, key_id), {})
        start = period_start(day, plan.quota_period or "DAY", plan.quota_offset)
        return sum(n for d, n in counts.items() if start <= d <= day)

    def consume(self, plan: UsagePlan, key_id: str) -> bool:
        """Count one request against the plan's quota; False (and nothing counted) when the quota is spent."""
        day = self.today()
        with self._lock:
            if plan.quota_limit is not None and self.used_in_period(plan, key_id, day) >= plan.quota_limit:
                return False
            counts = self._daily.setdefault((plan.id, key_id), {})
            counts[day] = counts.get(day, 0) + 1
            return True

    def usage(
        self, plan: UsagePlan, key_ids: Iterable[str], start: dt.date, end: dt.date
    ) -> dict[str, list[list[int]]]:
        """GetUsage's items: per key, one [used, remaining] pair per day from start to end."""
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        out: dict[str, list[list[int]]] = {}
        with self._lock:
            for key_id in key_ids:
                counts = self._daily.get((plan.id, key_id), {})
                rows = []
                for day in days:
                    used = counts.get(day, 0)
                    if plan.quota_limit is None:
                        remaining = 0
                    else:
                        remaining = max(0, plan.quota_limit - self.used_in_period(plan, key_id, day))
                    rows.append([used, remaining])
                out[key_id] = rows
        return out

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._daily.clear()
