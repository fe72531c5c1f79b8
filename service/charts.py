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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from launchcast.model.questions.answers import (
        Anchored,
        ByMonthForecast,
        CampaignForecast,
        ModelInfo,
        NextLaunchForecast,
        VersusForecast,
    )
    from launchcast.model.questions.counts import LaunchCountForecast
    from launchcast.model.questions.manifest import ManifestForecast

CREDIT = "Launch data: GCAT, © J. McDowell, CC BY 4.0"
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
#: PNG resolution: 7 in wide → 600 px, sharp on a page and under the 150 ms a chart may cost.
PNG_DPI = 86
#: matplotlib's pyplot state is not thread-safe; charts are drawn one at a time.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Layout:
    """A chart's size and type: where it is shown decides both.

    An SVG on a page is scaled to its box, so its text is only as legible as the ratio of
    the box to the drawing allows: the page's layouts are drawn near the width they are
    shown at (a desktop column, a 390 px phone), with every text at least ``font`` points,
    so none renders under 11 px (``tests/service/test_outlook_browser.py`` measures it).
    ``narrow`` stacks side-by-side panels and breaks the footer into lines.
    """

    width: float = 7.0  # inches
    height: float = 3.6  # inches, per row of panels
    font: float = 8.0  # points: ticks, axis labels, legends, the footer; titles a point more
    narrow: bool = False


#: The API's charts (``format=svg|png``), shown at their own size.
API = Layout()
#: The outlook page on a desktop (a column about 540 px wide) and on a phone (about 330 px).
PAGE = Layout(5.6, 3.4, 9.0)
PHONE = Layout(3.4, 3.7, 9.0, narrow=True)


def _figure(
    layout: Layout, rows: int = 1, columns: int = 1, extra_lines: int = 0
) -> tuple[Figure, list[Axes]]:
    """A figure with its panels laid out around their labels (constrained layout), above the
    footer (``_footer``: two lines, five when narrow, and ``extra_lines`` more)."""
    import matplotlib

    matplotlib.use("Agg")
    # SVG text as <text>, not glyph outlines: readable by screen readers and search, and
    # about half the drawing time.
    matplotlib.rcParams["svg.fonttype"] = "none"
    from matplotlib.figure import Figure

    height = layout.height * rows
    fig = Figure(figsize=(layout.width, height), dpi=100, layout="constrained")
    lines = (5 if layout.narrow else 2) + extra_lines
    bottom = (lines * layout.font * 1.35 + 4) / (height * 72)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.set(rect=(0, bottom, 1, 1 - bottom), h_pad=0.04, w_pad=0.04)  # type: ignore[call-arg]  # ConstrainedLayoutEngine
    axes = fig.subplots(rows, columns, squeeze=False).ravel().tolist()
    return fig, axes


def _style(fig: Figure, layout: Layout) -> None:
    """Every text of every panel at the layout's size (titles a point larger)."""
    for ax in fig.axes:
        ax.tick_params(labelsize=layout.font)
        ax.xaxis.label.set_fontsize(layout.font)
        ax.yaxis.label.set_fontsize(layout.font)
        ax.title.set_fontsize(layout.font + 1)
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                text.set_fontsize(layout.font)


def _footer(
    fig: Figure,
    answer: Anchored,
    info: ModelInfo,
    version_id: str,
    layout: Layout,
    extra: tuple[str, ...] = (),
) -> None:
    model, fit = f"{info.model} {info.version}", f"fit {version_id}"
    data, asked = f"data as of {answer.data_as_of}", f"asked {answer.as_of:%Y-%m-%d %H:%M} UTC"
    if layout.narrow:
        lines = [model, fit, data, asked, CREDIT, *extra]
    else:
        lines = [f"{model} · {fit}", f"{data} · {asked} · {CREDIT}", *extra]
    step = layout.font * 1.35 / (fig.get_figheight() * 72)
    for i, line in enumerate(reversed(lines)):
        fig.text(0.01, 0.01 + i * step, line, fontsize=layout.font, color="#444")
    _style(fig, layout)


def next_chart(
    answer: NextLaunchForecast, draws: np.ndarray, version_id: str, layout: Layout = API
) -> Figure:
    """The posterior of the next launch's reliability, with 50% and 90% bands and the record."""
    fig, (ax,) = _figure(layout)
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
        title=_fit_title(f"{answer.subject} — record {rec.successes}/{rec.attempts}", layout),
    )
    ax.legend(loc="upper left")
    _footer(fig, answer, answer.model, version_id, layout)
    return fig


def campaign_chart(answer: CampaignForecast, version_id: str, layout: Layout = API) -> Figure:
    """The distribution of successes in the next N launches."""
    fig, (ax,) = _figure(layout)
    ks = np.arange(len(answer.success_pmf))
    ax.bar(ks, answer.success_pmf, color="#3182bd", gid="success_pmf")
    ax.set(
        xticks=ks,
        xlabel=f"successes in the next {answer.launches} launches",
        ylabel="probability",
        title=_fit_title(f"{answer.subject}: expected {answer.expected_successes:.2f} successes", layout),
    )
    _footer(fig, answer, answer.model, version_id, layout)
    return fig


def launches_chart(answer: LaunchCountForecast, version_id: str, layout: Layout = API) -> Figure:
    """The distribution of launches and of successes in the window, with the 90% interval."""
    fig, (ax,) = _figure(layout)
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
    ax.set(xlabel="launches in the window", ylabel="probability", title=_fit_title(title, layout))
    ax.legend()
    _footer(fig, answer, answer.model, version_id, layout)
    return fig


def by_month_chart(answer: ByMonthForecast, version_id: str, layout: Layout = API) -> Figure:
    """P(at least one success by the first of each month), month by month."""
    fig, (ax,) = _figure(layout)
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
        title=_fit_title(f"{answer.subject}, from {answer.window_start:%Y-%m-%d}", layout),
    )
    ax.grid(alpha=0.3)
    ax.tick_params(axis="x", labelrotation=30)
    _footer(fig, answer, answer.model, version_id, layout)
    return fig


def versus_chart(
    answer: VersusForecast, draws_a: np.ndarray, draws_b: np.ndarray, version_id: str, layout: Layout = API
) -> Figure:
    """Both reliabilities' posteriors, and who has succeeded by when; each side by its name."""
    wide = replace(layout, width=layout.width * 9 / 7) if not layout.narrow else layout
    rows, columns = (2, 1) if layout.narrow else (1, 2)
    fig, (left, right) = _figure(wide, rows, columns)
    name_a, name_b = short_name(answer.a), short_name(answer.b)
    for draws, side, colour, gid, name in (
        (draws_a, answer.a, "#3182bd", "a", name_a),
        (draws_b, answer.b, "#e6550d", "b", name_b),
    ):
        counts, edges = np.histogram(draws, bins=40, range=(0.0, 1.0), density=True)
        left.stairs(
            counts, edges, color=colour, label=f"{name}: {side.probability:.2f}", gid=f"posterior_{gid}"
        )
    left.set(
        xlim=(0, 1),
        xlabel="reliability of the next launch",
        ylabel="posterior density",
    )
    more = f"P({name_a} more reliable) {answer.probability_a_more_reliable:.2f}"
    left.set_title(_fit_title(more, wide, columns))
    left.legend()
    years = [p.years for p in answer.race]
    for by_then, colour, gid, name in (
        ([p.probability_a for p in answer.race], "#3182bd", "race_a", name_a),
        ([p.probability_b for p in answer.race], "#e6550d", "race_b", name_b),
    ):
        right.step(years, by_then, where="post", color=colour, gid=gid, label=name)
    a_first, b_first = answer.probability_a_first, answer.probability_b_first
    first = f"first success: {name_a} {a_first:.2f} · {name_b} {b_first:.2f}"
    right.set(ylim=(0, 1), xlabel="years from now", ylabel="P(a success by then)")
    right.set_title(_fit_title(first, wide, columns))
    right.legend()
    _footer(fig, answer, answer.model, version_id, wide)
    return fig


def short_name(side: NextLaunchForecast) -> str:
    """A side of a race as a legend names it: the state or the vehicle, without the question's words."""
    subject = side.subject.split(" (on ")[0].split(", flight")[0]
    return subject.removeprefix("next ").removesuffix(" launch")


def _fit_title(title: str, layout: Layout, panels: int = 1) -> str:
    """A title broken into lines that fit over a panel (about 0.62 em a character, the panel
    about 85% of the figure's width)."""
    import textwrap

    per_line = max(20, int(0.85 * layout.width / panels * 72 / ((layout.font + 1) * 0.62)))
    return "\n".join(textwrap.wrap(title, per_line)) or title


def manifest_chart(answer: ManifestForecast, version_id: str, layout: Layout = API) -> Figure:
    """Each announced launch's P(success) with its 90% interval, by window, credited to its source."""
    shown = [row for row in answer.launches if row.probability is not None][:20]
    tall = replace(layout, height=max(2.4, 1.2 + 0.3 * len(shown)))
    fig, (ax,) = _figure(tall, extra_lines=1)
    y = np.arange(len(shown))[::-1]
    p = [row.probability or 0.0 for row in shown]
    low = [row.interval_90.low if row.interval_90 else 0.0 for row in shown]
    high = [row.interval_90.high if row.interval_90 else 0.0 for row in shown]
    ax.hlines(y, low, high, color="#3182bd", linewidth=3, alpha=0.35, gid="interval_90")
    ax.plot(p, y, "o", color="#08519c", gid="probability")
    ax.set_yticks(y, [f"{row.window_start:%Y-%m-%d} {row.name[:38]}" for row in shown])
    ax.set_xlim(0, 1)
    ax.set_xlabel("P(success), 90% interval")
    ax.set_title(_fit_title(answer.subject if shown else f"{answer.subject}: none announced", tall))
    credit = "Announced launches: Launch Library 2 (The Space Devs) and cited sources"
    _footer(fig, answer, answer.model, version_id, tall, (credit,))
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
