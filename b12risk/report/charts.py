"""Charts as inline SVG: no files, no fonts or scripts fetched.

matplotlib's object API only (`Figure`, never pyplot), so no GUI backend or global figure state
is touched and nothing needs closing. Every chart is drawn from published (disclosure-controlled)
numbers only; a missing value is drawn as a "[suppressed]" label, never as a bar.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure

from b12risk.report.disclosure import SUPPRESSED
from b12risk.report.stats import Z95, Z998, funnel_limits

BAR = "#3b6ea5"
LIMIT_95 = "#d08c2f"
LIMIT_998 = "#b03a2e"
TEXT = "#222222"

_STYLE = {
    "svg.fonttype": "none",  # text stays text: readable, searchable, no embedded glyphs
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Bar:
    """One bar of a rate chart; rate None when it cannot be shown (`missing` says why)."""

    label: str
    rate: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""
    missing: str = SUPPRESSED


@dataclass(frozen=True)
class Point:
    """One practice on the funnel plot (published numbers)."""

    label: str
    n_at_risk: int
    rate: float


def rate_chart(name: str, bars: Sequence[Bar], xlabel: str) -> str:
    """Horizontal bars of rates (0-100%) with 95% interval error bars, labelled with the rate
    and its published counts."""
    with matplotlib.rc_context(_STYLE):
        labels = [textwrap.fill(b.label, 34) for b in bars]
        lines = sum(label.count("\n") + 1 for label in labels)
        fig = Figure(figsize=(7.2, 0.8 + 0.2 * lines + 0.2 * len(bars)), layout="constrained")
        ax = fig.subplots()
        ys = list(range(len(bars)))[::-1]
        for y, bar in zip(ys, bars, strict=True):
            if bar.rate is None or math.isnan(bar.rate):
                ax.text(1, y, bar.missing, va="center", ha="left", color=TEXT)
                continue
            rate = 100 * bar.rate
            ax.barh(y, rate, color=BAR, height=0.6)
            if bar.low is not None and bar.high is not None:
                err = [[rate - 100 * bar.low], [100 * bar.high - rate]]
                ax.errorbar(rate, y, xerr=err, fmt="none", ecolor=TEXT, capsize=3, lw=1)
            end = 100 * bar.high if bar.high is not None else rate
            ax.text(end + 1.5, y, f"{rate:.1f}% {bar.note}".strip(), va="center", fontsize=8)
        ax.set_yticks(ys, labels)
        ax.set_ylim(-0.7, max(len(bars), 1) - 0.3)
        ax.set_xlim(0, 150)
        ax.set_xticks(range(0, 101, 20))
        ax.spines["bottom"].set_bounds(0, 100)
        ax.set_xlabel(xlabel)
        if not bars:
            ax.text(50, 0, "no one at risk", ha="center")
        return to_svg(fig, name)


def funnel_chart(name: str, points: Sequence[Point], overall_rate: float | None) -> str:
    """Gap rate against number at risk, with 95% and 99.8% limits around the overall rate."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(7.2, 4.2), layout="constrained")
        ax = fig.subplots()
        if overall_rate is None or not points:
            ax.text(0.5, 0.5, "no practice can be shown", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
            return to_svg(fig, name)
        n_max = max(p.n_at_risk for p in points) * 1.1
        sizes = [n_max * k / 200 for k in range(1, 201)]
        sizes = [n for n in sizes if n >= 1]
        for z, colour, label in ((Z95, LIMIT_95, "95% limits"), (Z998, LIMIT_998, "99.8% limits")):
            low, high = funnel_limits(overall_rate, sizes, z)
            ax.plot(sizes, [100 * v for v in low], color=colour, lw=1, ls="--", label=label)
            ax.plot(sizes, [100 * v for v in high], color=colour, lw=1, ls="--")
        ax.axhline(100 * overall_rate, color=TEXT, lw=1, label=f"overall {100 * overall_rate:.1f}%")
        ax.scatter(
            [p.n_at_risk for p in points], [100 * p.rate for p in points], s=18, color=BAR, zorder=3
        )
        ax.set_xlim(0, n_max)
        ax.set_ylim(0, 100)
        ax.set_xlabel("people at risk in the practice")
        ax.set_ylabel("gap rate (%)")
        ax.legend(loc="upper right", frameon=False)
        return to_svg(fig, name)


def count_chart(name: str, labels: Sequence[str], counts: Sequence[int | None], xlabel: str) -> str:
    """Horizontal bars of counts, labelled with the published number."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(7.2, 0.9 + 0.38 * max(len(labels), 1)), layout="constrained")
        ax = fig.subplots()
        ys = list(range(len(labels)))[::-1]
        top = max([c for c in counts if c is not None] + [1])
        for y, count in zip(ys, counts, strict=True):
            if count is None:
                ax.text(0, y, f" {SUPPRESSED}", va="center", color=TEXT)
                continue
            ax.barh(y, count, color=BAR, height=0.6)
            ax.text(count + top * 0.01, y, f"{count:,}", va="center")
        ax.set_yticks(ys, list(labels))
        ax.set_xlim(0, top * 1.25)
        ax.set_xlabel(xlabel)
        return to_svg(fig, name)


def to_svg(fig: Figure, name: str) -> str:
    """The figure as an <svg> element for inline use in HTML: no XML prologue, DOCTYPE,
    metadata or namespace URLs, and every id prefixed with `name` so charts never clash."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\bid="', f'id="{name}-', svg)
    svg = re.sub(r"url\(#", f"url(#{name}-", svg)
    svg = re.sub(r'href="#', f'href="#{name}-', svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{name}-caption" ', 1)
    return svg.strip()
