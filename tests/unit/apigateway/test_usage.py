"""Token buckets, quota periods and the daily counts behind GetUsage."""

from __future__ import annotations

import datetime as dt

from sandbox.services.aws.apigateway.usage import TokenBucket, UsageLedger, period_start
from sandbox.services.aws.bridge.apigateway import UsagePlan


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_bucket_starts_full_and_refills_at_the_rate() -> None:
    bucket = TokenBucket(rate=1.0, burst=2, tokens=2.0, updated=0.0)
    assert bucket.take(0.0) and bucket.take(0.0)
    assert not bucket.take(0.1)
    assert bucket.take(1.2)
    assert not bucket.take(1.3)


def test_burst_one_rate_one_throttles_the_second_quick_call() -> None:
    clock = Clock(1000.0)
    ledger = UsageLedger(clock)
    assert ledger.allow("k", 1.0, 1)
    assert not ledger.allow("k", 1.0, 1)
    clock.now += 1.0
    assert ledger.allow("k", 1.0, 1)


def test_changed_limits_rebuild_the_bucket() -> None:
    ledger = UsageLedger(Clock(0.0))
    assert ledger.allow("k", 1.0, 1) and not ledger.allow("k", 1.0, 1)
    assert ledger.allow("k", 10.0, 5)


def test_period_starts() -> None:
    wednesday = dt.date(2026, 11, 25)
    assert period_start(wednesday, "DAY") == wednesday
    assert period_start(wednesday, "WEEK", 0) == dt.date(2026, 11, 22)  # Sunday
    assert period_start(wednesday, "WEEK", 1) == dt.date(2026, 11, 23)  # Monday
    assert period_start(wednesday, "WEEK", 3) == wednesday
    assert period_start(wednesday, "MONTH", 0) == dt.date(2026, 11, 1)
    assert period_start(wednesday, "MONTH", 27) == dt.date(2026, 10, 28)
    assert period_start(dt.date(2026, 3, 5), "MONTH", 30) == dt.date(2026, 2, 28)


def test_quota_and_usage_report() -> None:
    day = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC).timestamp()
    clock = Clock(day)
    ledger = UsageLedger(clock)
    plan = UsagePlan(id="p1", name="p", api_stages=(("a", "dev"),), quota_limit=2, quota_period="DAY")
    assert ledger.consume(plan, "k1") and ledger.consume(plan, "k1")
    assert not ledger.consume(plan, "k1")
    assert ledger.consume(plan, "k2")
    clock.now += 86400
    assert ledger.consume(plan, "k1")
    report = ledger.usage(plan, ["k1", "k2"], dt.date(2026, 11, 24), dt.date(2026, 11, 26))
    assert report == {"k1": [[0, 2], [2, 0], [1, 1]], "k2": [[0, 2], [1, 1], [0, 2]]}
    ledger.reset()
    assert ledger.usage(plan, ["k1"], dt.date(2026, 11, 25), dt.date(2026, 11, 25)) == {"k1": [[0, 2]]}


def test_weekly_quota_spans_days() -> None:
    monday = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC).timestamp()
    clock = Clock(monday)
    ledger = UsageLedger(clock)
    plan = UsagePlan(id="p", name=None, api_stages=(), quota_limit=2, quota_period="WEEK", quota_offset=1)
    assert ledger.consume(plan, "k")
    clock.now += 2 * 86400
    assert ledger.consume(plan, "k")
    assert not ledger.consume(plan, "k")
    clock.now += 5 * 86400  # next Monday: a new week
    assert ledger.consume(plan, "k")
