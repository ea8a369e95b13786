"""The tuning report: one self-contained HTML page with inline SVG charts, plus a PNG when matplotlib is there.

The SVG is drawn here, a few dozen lines, so the report needs no JavaScript, no network and no dependency.
Memory sizes sit at even steps on the x axis (as a category axis), which keeps 128 MB and 3008 MB readable
on the same chart.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

from sandbox.cost.tuning import SizeStats, TuneResult

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 56, 48
COLOURS = ["#d9480f", "#1971c2", "#2f9e44", "#ae3ec9", "#868e96"]
Series = dict[str, list[float | None]]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value`: round numbers for the y axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def line_chart(title: str, labels: list[str], series: Series, fmt: Callable[[float], str]) -> str:
    values = [v for points in series.values() for v in points if v is not None]
    top = nice_ceiling(max(values, default=1.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<text x="{LEFT}" y="20" font-weight="bold">{escape(title)}</text>',
    ]
    for k in range(6):
        v = top * k / 5
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#dee2e6"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{escape(fmt(v))}</text>'
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="11">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11">memory (MB)</text>'
    )
    for n, (name, points) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        xy = [(x(i), y(v), v, labels[i]) for i, v in enumerate(points) if v is not None]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in xy)
        parts.append(f'<g data-series="{escape(name)}" stroke="{colour}" fill="{colour}">')
        parts.append(f'<polyline points="{path}" fill="none" stroke-width="2"/>')
        for px, py, v, label in xy:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5"><title>{escape(name)} at {escape(label)} MB: '
                f"{escape(fmt(v))}</title></circle>"
            )
        parts.append("</g>")
        legend_x = LEFT + 190 * n
        parts.append(
            f'<rect x="{legend_x}" y="30" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="39" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _ms(v: float) -> str:
    return f"{v:,.0f} ms" if v >= 10 or v == 0 else f"{v:.1f} ms"


def _usd(v: float) -> str:
    return f"${v:.2f}" if v >= 0.1 or v == 0 else f"${v:.4f}"


def duration_series(sizes: list[SizeStats]) -> Series:
    series: Series = {"avg duration": [s.avg_ms for s in sizes], "p95 duration": [s.p95_ms for s in sizes]}
    if any(s.init_avg_ms is not None for s in sizes):
        series["avg Init Duration (cold)"] = [s.init_avg_ms for s in sizes]
    return series


def cost_series(sizes: list[SizeStats], architectures: list[str]) -> Series:
    return {arch: [s.costs[arch].per_million for s in sizes] for arch in architectures}


def render_html(result: TuneResult) -> str:
    sizes = result.sizes
    architectures: list[str] = list(result.plan["architectures"])
    labels = [str(s.memory_mb) for s in sizes]
    rec = result.recommendations
    picks = [("cheapest", rec.cheapest), ("fastest", rec.fastest), ("balanced", rec.balanced)]
    rows = []
    for s in sizes:
        tags = ", ".join(name for name, size in picks if size == s.memory_mb)
        cells = [
            f"{s.memory_mb} MB",
            f"{s.invocations}",
            f"{s.errors}",
            _ms(s.avg_ms),
            _ms(s.p50_ms),
            _ms(s.p95_ms),
            _ms(s.avg_billed_ms),
            f"{s.max_memory_used_mb} MB",
            *(_ms(v) if v is not None else "–" for v in (s.init_avg_ms, s.cold_avg_ms)),
            *(_usd(s.costs[a].per_million) for a in architectures),
            tags,
        ]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    heads = ["memory", "invocations", "errors", "avg", "p50", "p95", "avg billed", "max memory used"]
    heads += [
        "cold: avg init",
        "cold: avg duration",
        *(f"$ per 1M, {a}" for a in architectures),
        "recommended",
    ]
    advice = "".join(
        f"<li><b>{name}</b>: {size} MB</li>"
        if size
        else f"<li><b>{name}</b>: none (every size had errors)</li>"
        for name, size in picks
    )
    skipped = "".join(f"<li>{size} MB: {escape(why)}</li>" for size, why in result.skipped.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Lambda tuning: {escape(result.function)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ced4da;padding:.3em .6em;text-align:right}}svg{{display:block;margin:1em 0}}</style>
</head><body>
<h1>Lambda memory tuning: {escape(result.function)}</h1>
<p>Started {escape(result.started_at)}; {result.plan["invocations"]} warm invocations per size after one warm-up.
Function architecture: {escape(result.function_architecture)}. Prices: {escape(result.prices["note"])}.</p>
<h2>Recommendations (by {escape(rec.architecture)} prices)</h2>
<ul>{advice}</ul><p>{escape(rec.rule)}. Sizes with errors are never recommended.</p>
{f"<h2>Skipped</h2><ul>{skipped}</ul>" if skipped else ""}
{line_chart("Duration against memory", labels, duration_series(sizes), _ms)}
{line_chart("Cost per 1M invocations against memory", labels, cost_series(sizes, architectures), _usd)}
<table><tr>{"".join(f"<th>{escape(h)}</th>" for h in heads)}</tr>
{"".join(rows)}</table>
<p>Durations were measured once and priced for each architecture: the sandbox runs every function on this
machine's CPU, so measure on AWS with Architectures=["arm64"] before you switch.</p>
</body></html>
"""


def render_png(result: TuneResult, path: Path) -> bool:
    """Draw the same two charts with matplotlib, if it is installed; False when it is not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    labels = [str(s.memory_mb) for s in result.sizes]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    charts = [
        (left, "Duration", "ms", duration_series(result.sizes)),
        (
            right,
            "Cost per 1M invocations",
            "USD",
            cost_series(result.sizes, list(result.plan["architectures"])),
        ),
    ]
    for axes, title, unit, series in charts:
        for n, (name, points) in enumerate(series.items()):
            values = [math.nan if v is None else v for v in points]
            axes.plot(labels, values, marker="o", label=name, color=COLOURS[n % len(COLOURS)])
        axes.set(title=title, xlabel="memory (MB)", ylabel=unit)
        axes.set_ylim(bottom=0)
        axes.legend()
        axes.grid(alpha=0.3)
    figure.suptitle(f"Lambda memory tuning: {result.function}")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def write_reports(result: TuneResult, out_dir: Path, when: float | None = None) -> dict[str, Path]:
    """Write tune-<function>-<timestamp>.html (and .png when possible); returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    base = f"tune-{re.sub(r'[^A-Za-z0-9_-]', '_', result.function)}-{stamp}"
    written = {"html": out_dir / f"{base}.html"}
    written["html"].write_text(render_html(result), encoding="utf-8")
    if render_png(result, out_dir / f"{base}.png"):
        written["png"] = out_dir / f"{base}.png"
    return written
