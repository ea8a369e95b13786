"""The memory tuner's pure logic: plan parsing, REPORT parsing, stats, prices, recommendations, the run's
bookkeeping against a fake Lambda client, and the HTML report."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox.cost import chart
from sandbox.cost.prices import LAMBDA_PRICES, parse_architectures, price
from sandbox.cost.tuning import (
    NONCE_VARIABLE,
    Plan,
    Report,
    Sample,
    SizeStats,
    Tuner,
    parse_memory_sizes,
    parse_report,
    percentile,
    recommend,
    summarise,
)

WARM = "REPORT RequestId: 6f1c\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 40 MB\t"
COLD = WARM.replace("40 MB\t", "40 MB\tInit Duration: 250.50 ms\t")


def test_memory_sizes_are_sorted_distinct_and_in_lambdas_range() -> None:
    assert parse_memory_sizes("512, 128,512,,1769") == [128, 512, 1769]
    for bad, why in [("64", "outside"), ("10241", "outside"), ("1.5", "whole number"), ("", "at least one")]:
        with pytest.raises(ValueError, match=why):
            parse_memory_sizes(bad)


def test_architectures_must_have_a_price() -> None:
    assert parse_architectures("arm64, x86_64,arm64") == ["arm64", "x86_64"]
    with pytest.raises(ValueError, match="sparc"):
        parse_architectures("x86_64,sparc")


def test_report_lines_parse_warm_and_cold() -> None:
    assert parse_report(f"START\nhello\n{WARM}\n") == Report(12.34, 13, 256, 40, None)
    assert parse_report(COLD) == Report(12.34, 13, 256, 40, 250.5)
    assert parse_report(f"{COLD}\n{WARM}") == Report(12.34, 13, 256, 40, None), "the last REPORT wins"
    assert parse_report("no report here") is None


def test_percentiles_interpolate_between_ranks() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == pytest.approx(48.0)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_price_is_billed_seconds_times_gigabytes_times_rate_plus_the_request() -> None:
    # One second at 1024 MB is one GB-second.
    assert price(1000, 1024, "x86_64").per_invocation == pytest.approx(0.0000166667 + 0.0000002)
    assert price(1000, 1024, "arm64").per_invocation == pytest.approx(0.0000133334 + 0.0000002)
    # 100 ms at 128 MB: 0.0125 GB-s.
    cost = price(100, 128, "x86_64")
    assert cost.per_million == pytest.approx((0.0125 * 0.0000166667 + 0.0000002) * 1e6)
    assert LAMBDA_PRICES["arm64"].per_gb_second < LAMBDA_PRICES["x86_64"].per_gb_second


def _sample(
    duration: float, memory: int = 256, error: str | None = None, init: float | None = None
) -> Sample:
    return Sample(Report(duration, int(duration) + 1, memory, 40, init), error)


def test_summarise_computes_stats_and_costs() -> None:
    warm = [_sample(d) for d in (10.0, 20.0, 30.0, 40.0)]
    cold = [_sample(100.0, init=300.0), _sample(120.0, init=500.0, error="Oops: no")]
    stats = summarise(256, warm, ["x86_64", "arm64"], cold)
    assert stats is not None
    assert (stats.invocations, stats.errors, stats.first_error) == (4, 1, "Oops: no")
    assert (stats.avg_ms, stats.p50_ms, stats.avg_billed_ms) == (25.0, 25.0, 26.0)
    assert (stats.cold_starts, stats.init_avg_ms, stats.cold_avg_ms) == (2, 400.0, 110.0)
    assert stats.costs["x86_64"] == price(26.0, 256, "x86_64")
    assert summarise(256, [Sample(None, "TooManyRequestsException: Rate Exceeded.")], ["x86_64"]) is None


def _stats(memory: int, avg_ms: float, errors: int = 0) -> SizeStats:
    stats = summarise(memory, [_sample(avg_ms, memory)], ["x86_64", "arm64"])
    assert stats is not None
    stats.errors = errors
    return stats


def test_recommendations_cheapest_fastest_and_balanced() -> None:
    # Billed ≈ duration: cost ∝ memory × duration.
    sizes = [_stats(128, 800.0), _stats(512, 100.0), _stats(1024, 62.0), _stats(2048, 60.0)]
    rec = recommend(sizes, "x86_64")
    assert rec.cheapest == 512  # 512 × 101 is the smallest memory × billed product
    assert rec.fastest == 2048
    assert rec.balanced == 1024  # 62 ms is within 10% of 60 ms, and half the price of 2048
    assert "within 10%" in rec.rule and "66.0 ms" in rec.rule


def test_sizes_with_errors_are_never_recommended() -> None:
    rec = recommend([_stats(128, 10.0, errors=1), _stats(256, 20.0)], "arm64")
    assert (rec.cheapest, rec.fastest, rec.balanced, rec.excluded) == (256, 256, 256, [128])
    none = recommend([_stats(128, 10.0, errors=2)], "arm64")
    assert (none.cheapest, none.fastest, none.balanced) == (None, None, None)


class FakeLambda:
    """Records configuration changes; invocations report a duration that falls as memory rises."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.config: dict[str, Any] = {
            "FunctionName": "fn",
            "MemorySize": 512,
            "Environment": {"Variables": {"KEEP": "me"}},
            "Architectures": ["arm64"],
            "LastUpdateStatus": "Successful",
            "State": "Active",
        }
        self.updates: list[dict[str, Any]] = []
        self.fail_at = fail_at
        self.last_env: dict[str, str] = {}

    def get_function_configuration(self, FunctionName: str) -> dict[str, Any]:
        return json.loads(json.dumps(self.config))

    def update_function_configuration(self, FunctionName: str, **changes: Any) -> None:
        self.updates.append(changes)
        self.config.update(changes)

    def invoke(self, FunctionName: str, Payload: bytes, LogType: str) -> dict[str, Any]:
        memory = self.config["MemorySize"]
        if memory == self.fail_at:
            raise RuntimeError("the sandbox went away")
        env = self.config["Environment"]["Variables"]
        cold = env != self.last_env
        self.last_env = dict(env)
        duration = 100_000 / memory
        line = WARM.replace("12.34", f"{duration:.2f}").replace("13 ms", f"{int(duration) + 1} ms")
        line = line.replace("256 MB", f"{memory} MB")
        if cold:
            line += "Init Duration: 200.00 ms\t"
        response: dict[str, Any] = {"LogResult": base64.b64encode(line.encode()).decode()}
        if json.loads(Payload).get("fail"):
            response |= {"FunctionError": "Unhandled", "Payload": io.BytesIO(b'{"errorType": "Boom"}')}
        return response


def test_a_run_measures_each_size_and_restores_the_configuration() -> None:
    fake = FakeLambda()
    plan = Plan([128, 1024], invocations=3, architectures=["x86_64", "arm64"], cold_starts=True)
    result = Tuner(fake, "fn", plan).run()
    assert [s.memory_mb for s in result.sizes] == [128, 1024]
    assert result.sizes[0].avg_ms > result.sizes[1].avg_ms
    assert result.sizes[0].cold_starts == 3 and result.sizes[0].init_avg_ms == 200.0
    assert result.sizes[0].invocations == 3 and result.sizes[0].errors == 0
    nonces = {
        u["Environment"]["Variables"].get(NONCE_VARIABLE) for u in fake.updates if "MemorySize" not in u
    }
    assert len(nonces) == 6, "each cold start gets a fresh environment"
    assert fake.updates[-1] == {"MemorySize": 512, "Environment": {"Variables": {"KEEP": "me"}}}
    assert result.function_architecture == "arm64" and result.recommendations.architecture == "arm64"
    json.dumps(result.to_json())  # the --json output is serialisable


def test_function_errors_are_counted_and_the_configuration_restored_after_a_crash() -> None:
    fake = FakeLambda()
    result = Tuner(fake, "fn", Plan([256], invocations=2, payload=b'{"fail": true}')).run()
    assert result.sizes[0].errors == 2 and result.sizes[0].first_error == "Boom: "
    assert result.recommendations.cheapest is None

    crashing = FakeLambda(fail_at=1024)
    with pytest.raises(RuntimeError):
        Tuner(crashing, "fn", Plan([256, 1024], invocations=1)).run()
    assert crashing.config["MemorySize"] == 512
    assert "Environment" not in crashing.updates[-1], "without --cold-starts the environment is not touched"


def test_the_html_report_draws_both_charts_with_every_series(tmp_path: Path) -> None:
    plan = Plan([128, 512, 1769], invocations=2, architectures=["x86_64", "arm64"], cold_starts=True)
    result = Tuner(FakeLambda(), "fn", plan).run()
    html = chart.render_html(result)
    assert html.count("<svg") == 2
    for series in ("avg duration", "p95 duration", "avg Init Duration (cold)", "x86_64", "arm64"):
        assert f'data-series="{series}"' in html
    assert html.count("<circle") == 3 * 5
    assert "aws.amazon.com/lambda/pricing" in html and "within 10%" in html
    assert chart.nice_ceiling(640) == 1000 and chart.nice_ceiling(2.3) == 2.5 and chart.nice_ceiling(0) == 1


def test_reports_are_written_and_png_only_with_matplotlib(tmp_path: Path, monkeypatch: Any) -> None:
    result = Tuner(FakeLambda(), "fn", Plan([128, 256], invocations=1)).run()
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if it were not installed
    written = chart.write_reports(result, tmp_path / "out", when=0)
    assert list(written) == ["html"]
    assert written["html"].name.startswith("tune-fn-") and "<svg" in written["html"].read_text()
