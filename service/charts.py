"""Charts of forecasts (SVG or PNG), drawn from the same answers the JSON carries.

Each ``*_chart`` takes a forecast answer (and, for the next launch, its posterior
draws) and returns a matplotlib figure; ``render`` turns it into SVG or PNG bytes.
Every chart names the model, the registry version, the data's as-of date, when the
question was asked, and credits GCAT (CC BY 4.0).  The figures' artists hold exactly
the numbers of the answer (tests read them back), and the SVG carries a title and
description for screen readers.  matplotlib is imported on the first chart, not
with the app: the JSON paths never pay for it.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from launchcast.model.questions.counts import LaunchCountForecast
    from launchcast.model.questions.forecast import (
        Anchored,
        ByMonthForecast,
        CampaignForecast,
        ModelInfo,
        NextLaunchForecast,
        VersusForecast,
    )
    from launchcast.model.questions.manifest import ManifestForecast

CREDIT = "Launch data: GCAT, © J. McDowell, CC BY 4.0"
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
#: PNG resolution: 7 in wide → 600 px, sharp on a page and under the 150 ms a chart may cost.
PNG_DPI = 86
#: matplotlib's pyplot state is not thread-safe; charts are drawn one at a time.
_LOCK = threading.Lock()


def _figure(width: float = 7.0, height: float = 3.6) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    # SVG text as <text>, not glyph outlines: readable by screen readers and search, and
    # about half the drawing time.
    matplotlib.rcParams["svg.fonttype"] = "none"
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _footer(fig: Figure, answer: Anchored, info: ModelInfo, version_id: str) -> None:
    fig.text(0.01, 0.055, f"{info.model} {info.version} · fit {version_id}", fontsize=6.5, color="#444")
    asked = f"data as of {answer.data_as_of} · asked {answer.as_of:%Y-%m-%d %H:%M} UTC · {CREDIT}"
    fig.text(0.01, 0.015, asked, fontsize=6.5, color="#444")


def next_chart(answer: NextLaunchForecast, draws: np.ndarray, version_id: str) -> Figure:
    """The posterior of the next launch's reliability, with 50% and 90% bands and the record."""
    fig = _figure()
    ax = fig.add_axes((0.08, 0.24, 0.9, 0.64))
    r = answer.reliability
    counts, edges = np.histogram(draws, bins=40, range=(0.0, 1.0), density=True)
    ax.stairs(counts, edges, fill=True, color="#9ecae1", gid="posterior")
    ax.axvspan(
        r.interval_90.low,
        r.interval_90.high,
        color="#3182bd",
        alpha=0.12,
        gid="interval_90",
        label=f"90%: {r.interval_90.low:.2f}–{r.interval_90.high:.2f}",
    )
    ax.axvspan(
        r.interval_50.low,
        r.interval_50.high,
        color="#3182bd",
        alpha=0.25,
        gid="interval_50",
        label=f"50%: {r.interval_50.low:.2f}–{r.interval_50.high:.2f}",
    )
    ax.axvline(
        answer.probability, color="#08306b", gid="probability", label=f"P(success) {answer.probability:.2f}"
    )
    rec = answer.record
    ax.set(
        xlim=(0, 1),
        xlabel="reliability of the next launch",
        ylabel="posterior density",
        title=f"{answer.subject} — record {rec.successes}/{rec.attempts}",
    )
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8, loc="upper left")
    _footer(fig, answer, answer.model, version_id)
    return fig


def campaign_chart(answer: CampaignForecast, version_id: str) -> Figure:
    """The distribution of successes in the next N launches."""
    fig = _figure()
    ax = fig.add_axes((0.08, 0.24, 0.9, 0.64))
    ks = np.arange(len(answer.success_pmf))
    ax.bar(ks, answer.success_pmf, color="#3182bd", gid="success_pmf")
    ax.set(
        xticks=ks,
        xlabel=f"successes in the next {answer.launches} launches",
        ylabel="probability",
        title=f"{answer.subject}: expected {answer.expected_successes:.2f} successes",
    )
    ax.title.set_fontsize(10)
    _footer(fig, answer, answer.model, version_id)
    return fig


def launches_chart(answer: LaunchCountForecast, version_id: str) -> Figure:
    """The distribution of launches and of successes in the window, with the 90% interval."""
    fig = _figure()
    ax = fig.add_axes((0.08, 0.24, 0.9, 0.64))
    launches, successes = answer.launches, answer.successes
    ks = np.arange(len(launches.pmf))
    ax.bar(
        ks,
        launches.pmf,
        color="#9ecae1",
        width=1.0,
        gid="launches_pmf",
        label=f"launches: mean {launches.mean:.1f}, 90% {launches.interval_90.low:.0f}–"
        f"{launches.interval_90.high:.0f}",
    )
    ax.step(
        np.arange(len(successes.pmf)),
        successes.pmf,
        where="mid",
        color="#08306b",
        gid="successes_pmf",
        label=f"successes: mean {successes.mean:.1f}",
    )
    title = f"{answer.display_name}: launches from {answer.window_start} until {answer.window_end}"
    if answer.at_least is not None and launches.at_least is not None:
        ax.axvline(
            answer.at_least - 0.5,
            color="#e6550d",
            gid="at_least",
            label=f"P(at least {answer.at_least}) {launches.at_least:.3f}",
        )
    ax.set(xlabel="launches in the window", ylabel="probability", title=title)
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8)
    _footer(fig, answer, answer.model, version_id)
    return fig


def by_month_chart(answer: ByMonthForecast, version_id: str) -> Figure:
    """P(at least one success by the first of each month), month by month."""
    fig = _figure()
    ax = fig.add_axes((0.08, 0.24, 0.9, 0.64))
    dates = [p.date for p in answer.months]
    ax.step(
        dates,  # type: ignore[arg-type]  # matplotlib plots dates; its stubs omit them
        [p.probability for p in answer.months],
        where="post",
        color="#3182bd",
        gid="by_month",
        marker="o",
        markersize=3,
    )
    ax.set(
        ylim=(0, 1),
        ylabel="P(at least one success)",
        xlabel="by the first day of",
        title=f"{answer.subject}, from {answer.window_start:%Y-%m-%d}",
    )
    ax.title.set_fontsize(10)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    _footer(fig, answer, answer.model, version_id)
    return fig


def versus_chart(answer: VersusForecast, draws_a: np.ndarray, draws_b: np.ndarray, version_id: str) -> Figure:
    """Both reliabilities' posteriors, and who has succeeded by when."""
    fig = _figure(9.0, 3.6)
    left = fig.add_axes((0.06, 0.24, 0.42, 0.64))
    right = fig.add_axes((0.56, 0.24, 0.42, 0.64))
    for draws, side, colour, gid in (
        (draws_a, answer.a, "#3182bd", "a"),
        (draws_b, answer.b, "#e6550d", "b"),
    ):
        counts, edges = np.histogram(draws, bins=40, range=(0.0, 1.0), density=True)
        left.stairs(
            counts,
            edges,
            color=colour,
            label=f"{gid.upper()}: {side.subject}: {side.probability:.2f}",
            gid=f"posterior_{gid}",
        )
    left.set(
        xlim=(0, 1),
        xlabel="reliability of the next launch",
        ylabel="posterior density",
        title=f"P(A more reliable) {answer.probability_a_more_reliable:.2f}",
    )
    left.legend(fontsize=7)
    years = [p.years for p in answer.race]
    right.step(
        years, [p.probability_a for p in answer.race], where="post", color="#3182bd", gid="race_a", label="A"
    )
    right.step(
        years, [p.probability_b for p in answer.race], where="post", color="#e6550d", gid="race_b", label="B"
    )
    first = f"first success: A {answer.probability_a_first:.2f} · B {answer.probability_b_first:.2f}"
    right.set(ylim=(0, 1), xlabel="years from now", ylabel="P(a success by then)", title=first)
    right.legend(fontsize=7)
    for ax in (left, right):
        ax.title.set_fontsize(9)
    _footer(fig, answer, answer.model, version_id)
    return fig


def manifest_chart(answer: ManifestForecast, version_id: str) -> Figure:
    """Each announced launch's P(success) with its 90% interval, by window, credited to its source."""
    shown = [row for row in answer.launches if row.probability is not None][:20]
    fig = _figure(7.0, max(2.4, 0.9 + 0.32 * len(shown)))
    ax = fig.add_axes((0.42, 0.30, 0.55, 0.6))
    y = np.arange(len(shown))[::-1]
    p = [row.probability or 0.0 for row in shown]
    low = [row.interval_90.low if row.interval_90 else 0.0 for row in shown]
    high = [row.interval_90.high if row.interval_90 else 0.0 for row in shown]
    ax.hlines(y, low, high, color="#3182bd", linewidth=3, alpha=0.35, gid="interval_90")
    ax.plot(p, y, "o", color="#08519c", gid="probability")
    ax.set_yticks(y, [f"{row.window_start:%Y-%m-%d} {row.name[:38]}" for row in shown], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("P(success), 90% interval", fontsize=8)
    ax.set_title(answer.subject if shown else f"{answer.subject}: none announced", fontsize=9)
    _footer(fig, answer, answer.model, version_id)
    fig.text(
        0.01,
        0.095,
        "Announced launches: Launch Library 2 (The Space Devs) and cited sources",
        fontsize=6.5,
        color="#444",
    )
    return fig


def render(fig: Figure, fmt: str, description: str) -> bytes:
    """SVG (with a title and description for screen readers) or PNG."""
    buffer = io.BytesIO()
    with _LOCK:
        if fmt == "svg":
            title = fig.axes[0].get_title() if fig.axes else "launchcast forecast"
            fig.savefig(buffer, format="svg", metadata={"Title": title, "Description": description})
        else:
            fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def plotted(fig: Figure, gid: str) -> list[Any]:
    """The artists with this gid (what a test compares with the JSON answer)."""
    found = [
        artist
        for ax in fig.axes
        for artist in [*ax.patches, *ax.lines, *ax.collections]
        if artist.get_gid() == gid
    ]
    if not found:
        raise KeyError(gid)
    return found
