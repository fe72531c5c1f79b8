"""``launchcast forecast …``: every question (next, campaign, by-date, launches, versus, scenario)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from launchcast.model.errors import LaunchcastError
from launchcast.service.cli.common import AsOf, console, err_console, now_from, settings, user_errors

if TYPE_CHECKING:
    from rich.table import Table

    from launchcast.model.questions.answers import Anchored, ModelInfo, NextLaunchForecast
    from launchcast.model.questions.asking import Programme
    from launchcast.model.questions.explain import Explanation
    from launchcast.model.stats.fit import Fit
    from launchcast.service import formats
    from launchcast.service.forecaster import Chart, Forecaster

app = typer.Typer(help="Forecasts from a saved fit (plain numpy on posterior draws).", no_args_is_help=True)

FitDir = Annotated[
    Path | None, typer.Option("--fit", help="a saved fit directory (default: the registry's current version)")
]
Vehicle = Annotated[
    str | None, typer.Option(help="vehicle, GCAT, display or Korean name (Cheonlima-1, Chollima-1, 천리마-1)")
]
State = Annotated[str | None, typer.Option(help="state code or name, e.g. KP or 'North Korea'")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
AsCsv = Annotated[
    bool, typer.Option("--csv", help="print CSV: one row per line, provenance in a last # line")
]
Seed = Annotated[int, typer.Option(help="random seed (same seed, same answer)")]
Paths = Annotated[int, typer.Option(help="Monte Carlo paths")]
Plot = Annotated[Path | None, typer.Option(help="also draw the forecast to this file (.svg or .png)")]
Help = Annotated[
    str | None,
    typer.Option(
        "--assistance",
        help="count foreign help up to this confidence: none, documented, reported or alleged "
        "(data/assistance.csv; default: as the model was fitted, 'reported')",
    ),
]


def _print_csv(table: formats.Table) -> None:
    """CSV on stdout as bytes (no console wrapping or markup)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(table.csv())
    sys.stdout.flush()


def _check_plot(path: Path | None) -> None:
    """A --plot name the chart can be written as, checked before any work."""
    if path is not None and path.suffix.lower() not in (".svg", ".png"):
        raise LaunchcastError(f"--plot {path}: use a .svg or .png file name")


def _save_plot(chart: Chart, path: Path | None) -> None:
    if path is None:
        return  # the name was checked before the question was asked (``_check_plot``)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(chart.render(path.suffix.lower().lstrip(".")))
    err_console.print(f"wrote {path}", highlight=False)


def _forecaster(fit_dir: Path | None) -> Forecaster:
    """The saved fit (``--fit``, else the registry's current version) as a forecaster, with
    the settings that shape answers and the data directory's launch record (0.15 s)."""
    from launchcast.model.questions.asking import Announcements
    from launchcast.model.record.history import load_history
    from launchcast.model.record.schedule import read_schedule
    from launchcast.model.stats.saved import load_fit
    from launchcast.service.forecaster import Forecaster

    config = settings()
    if fit_dir:
        fit, label = load_fit(fit_dir), str(fit_dir)
    else:
        registry = config.registry()
        fit, label = registry.load_current(), str(registry.current_id())
    history = None
    try:  # what the fit has not seen (a launch added since), windows before the data's end, slips
        history = load_history(config.ensure_data())
    except LaunchcastError:
        history = None
    try:
        schedule = read_schedule(config.ensure_data())
    except LaunchcastError as exc:  # the answer says it left announced launches out, and why
        return Forecaster(fit, label, config.stale_after_days, history, Announcements.unreadable(str(exc)))
    return Forecaster(
        fit,
        label,
        config.stale_after_days,
        history,
        Announcements.of(schedule, history),
        schedule.checked_at,
    )


def _programme(text: str, fit: Fit, new_vehicle: bool = False, assistance: str | None = None) -> Programme:
    """A positional programme: a state (code or name) if the fit knows one, else a vehicle."""
    from launchcast.model.questions.asking import Programme

    state = fit.catalogue.find_state(text)
    if state is not None:
        return Programme(state=state, new_vehicle=new_vehicle, assistance=assistance)
    return Programme(vehicle=text, assistance=assistance)


def _pct(p: float) -> str:
    from launchcast.service.numbers import percent

    return percent(p, 1)


def _print_freshness(result: Anchored) -> None:
    console.print(
        f"asked {result.as_of:%Y-%m-%d %H:%M} UTC; data as of {result.data_as_of} "
        f"({result.data_age_days:,} days old)",
        highlight=False,
    )
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)


def _model_rows(table: Table, info: ModelInfo) -> None:
    table.add_row("model", f"{info.model} {info.version}, {info.draws} draws")


def _print_next(result: NextLaunchForecast) -> None:
    from rich.table import Table

    r = result.reliability
    table = Table(title=result.subject, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("P(success)", _pct(result.probability))
    table.add_row("reliability median", _pct(r.median))
    table.add_row("50% interval", f"{_pct(r.interval_50.low)} – {_pct(r.interval_50.high)}")
    table.add_row("90% interval", f"{_pct(r.interval_90.low)} – {_pct(r.interval_90.high)}")
    rec = result.record
    table.add_row(
        "record",
        f"{rec.subject}: {rec.successes}/{rec.attempts} successes, last launch {rec.last_launch or 'never'}",
    )
    if result.vehicle_choice:
        table.add_row("vehicle", result.vehicle_choice)
    table.add_row("flight", f"{result.flight_number} (the first after the data's end)")
    _model_rows(table, result.model)
    console.print(table)
    _print_freshness(result)


@app.command("next")
@user_errors
def forecast_next(
    vehicle: Vehicle = None,
    state: State = None,
    family: Annotated[str | None, typer.Option(help="a family's next new variant")] = None,
    new_vehicle: Annotated[bool, typer.Option(help="a hypothetical new vehicle of --state")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="say why: the logit's terms, adding up to the forecast")
    ] = False,
    assistance: Help = None,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_of: AsOf = None,
    plot: Plot = None,
) -> None:
    """P(success) of the next launch of a vehicle, a state, or a new vehicle."""
    from launchcast.model.questions.asking import Programme

    _check_plot(plot)
    answered = _forecaster(fit_dir).next(
        Programme(vehicle, state, family, new_vehicle, assistance), now_from(as_of), explain
    )
    _save_plot(answered.chart, plot)
    result = answered.answer
    if as_json:
        console.print_json(result.model_dump_json())
        return
    _print_next(result)
    if result.explanation is not None:
        _print_explanation(result.explanation)


def _print_explanation(explanation: Explanation) -> None:
    from rich.table import Table

    if explanation.terms:
        table = Table(title="Why: each term of the model, for this launch (+ raises P(success))")
        for column in ("term", "for this launch", "points", "logits", "90% interval (logits)"):
            table.add_column(column, justify="left" if column in ("term", "for this launch") else "right")
        for t in explanation.terms:
            interval = f"{t.low_90:+.2f} … {t.high_90:+.2f}"
            table.add_row(t.name, t.label, f"{t.points:+.1f}", f"{t.mean:+.2f}", interval)
        adds_up = "yes" if explanation.adds_up else "NO"
        total = f"[b]{explanation.logit_mean:+.2f}[/b]"
        table.add_row("[b]sum[/b]", f"mean logit (adds up: {adds_up})", "", total, "")
        console.print(table)
    console.print(explanation.sentence, highlight=False)


@app.command("campaign")
@user_errors
def forecast_campaign(
    vehicle: Vehicle = None,
    state: State = None,
    launches: Annotated[int, typer.Option("-n", "--launches", help="N, 1-100")] = 5,
    paths: Paths = 100_000,
    seed: Seed = 0,
    assistance: Help = None,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_of: AsOf = None,
    plot: Plot = None,
) -> None:
    """Distribution of successes in the next N launches of one vehicle."""
    from rich.table import Table

    from launchcast.model.questions.asking import Programme

    _check_plot(plot)
    answered = _forecaster(fit_dir).campaign(
        Programme(vehicle, state, assistance=assistance), launches, paths, seed, now_from(as_of)
    )
    _save_plot(answered.chart, plot)
    result = answered.answer
    if as_json:
        console.print_json(result.model_dump_json())
        return
    table = Table(title=result.subject)
    for column in ("successes k", "P(exactly k)", "P(at least k)"):
        table.add_column(column, justify="right")
    for k, (p, q) in enumerate(zip(result.success_pmf, result.at_least, strict=True)):
        table.add_row(str(k), _pct(p), _pct(q))
    console.print(table)
    console.print(
        f"expected successes {result.expected_successes:.2f}; expected attempts to "
        f"first success {result.expected_attempts_to_first_success:.2f}; "
        f"P(no success in {launches}) {_pct(result.probability_no_success)}; "
        f"{result.model.model} {result.model.version}"
    )
    _print_freshness(result)


@app.command("by-date")
@user_errors
def forecast_by_date(
    date_: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    vehicle: Vehicle = None,
    state: State = None,
    new_vehicle: Annotated[bool, typer.Option(help="on a new vehicle of --state")] = False,
    paths: Paths = 20_000,
    seed: Seed = 0,
    assistance: Help = None,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_of: AsOf = None,
    plot: Plot = None,
) -> None:
    """P(at least one successful launch from now until a date), with the launch-rate model."""
    from rich.table import Table

    from launchcast.model.questions.asking import Programme

    try:
        until = date.fromisoformat(date_)
    except ValueError:
        raise LaunchcastError(f"--date {date_!r} is not a date: use YYYY-MM-DD") from None
    _check_plot(plot)
    programme = Programme(vehicle, state, None, new_vehicle, assistance)
    answered = _forecaster(fit_dir).by_date(programme, until, paths, seed, now_from(as_of))
    _save_plot(answered.chart, plot)
    result = answered.answer
    if as_json:
        console.print_json(result.model_dump_json())
        return
    table = Table(title=f"{result.subject} before {result.date}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("P(at least one success)", _pct(result.probability))
    table.add_row(
        "window",
        f"{result.window_start:%Y-%m-%d %H:%M} UTC → {result.date} ({result.years * 365.25:.1f} days)",
    )
    rate = result.launch_rate_per_year
    table.add_row(
        "launch rate / year",
        f"{rate.median:.2f} (90%: {rate.interval_90.low:.2f} – {rate.interval_90.high:.2f})",
    )
    table.add_row("expected launches", f"{result.expected_launches:.1f}")
    table.add_row("announced launches counted", "\n".join(result.announced) or "none announced")
    _model_rows(table, result.model)
    console.print(table)
    _print_freshness(result)


@app.command("by-month")
@user_errors
def forecast_by_month(
    vehicle: Vehicle = None,
    state: State = None,
    new_vehicle: Annotated[bool, typer.Option(help="on a new vehicle of --state")] = False,
    months: Annotated[int, typer.Option(min=1, help="how many months ahead")] = 24,
    paths: Paths = 20_000,
    seed: Seed = 0,
    assistance: Help = None,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    as_of: AsOf = None,
    plot: Plot = None,
) -> None:
    """P(at least one successful launch from now until the first of each coming month)."""
    from rich.table import Table

    from launchcast.model.questions.asking import Programme
    from launchcast.service import formats

    _check_plot(plot)
    programme = Programme(vehicle, state, None, new_vehicle, assistance)
    answered = _forecaster(fit_dir).by_month(programme, months, paths, seed, now_from(as_of))
    _save_plot(answered.chart, plot)
    result = answered.answer
    if as_json:
        console.print_json(result.model_dump_json())
        return
    if as_csv:
        _print_csv(formats.months(result))
        return
    table = Table(title=f"{result.subject}: P(at least one success) by")
    table.add_column("date")
    table.add_column("P", justify="right")
    for point in result.months:
        table.add_row(point.date.isoformat(), _pct(point.probability))
    console.print(table)
    _print_freshness(result)


@app.command("launches")
@user_errors
def forecast_launches(
    start: Annotated[str, typer.Option("--from", help="YYYY-MM-DD: the window starts at 00:00 UTC")],
    until: Annotated[str, typer.Option("--until", help="YYYY-MM-DD: the window ends at 00:00 UTC, excluded")],
    vehicle: Vehicle = None,
    state: State = None,
    operator: Annotated[str | None, typer.Option(help="GCAT agency code or name, e.g. SPX or SpaceX")] = None,
    at_least: Annotated[
        int | None, typer.Option("--at-least", min=0, help="also P(at least this many)")
    ] = None,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    as_of: AsOf = None,
    plot: Plot = None,
) -> None:
    """How many launches (and successes) a state, vehicle or operator makes in a window."""
    from rich.table import Table

    days = []
    for option, text in (("--from", start), ("--until", until)):
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise LaunchcastError(f"{option} {text!r} is not a date: use YYYY-MM-DD") from None
    _check_plot(plot)
    answered = _forecaster(fit_dir).launches(
        state=state,
        vehicle=vehicle,
        operator=operator,
        start=days[0],
        end=days[1],
        now=now_from(as_of),
        at_least=at_least,
    )
    _save_plot(answered.chart, plot)
    result = answered.answer
    if as_json:
        console.print_json(result.model_dump_json())
        return
    if as_csv:
        from launchcast.service import formats

        _print_csv(formats.launch_counts(result))
        return
    table = Table(title=result.subject)
    columns = ["", "mean", "median", "50%", "90%"] + ([f"P(≥ {at_least})"] if at_least is not None else [])
    for column in columns:
        table.add_column(column, justify="right")
    for label, d in (("launches", result.launches), ("successes", result.successes)):
        row = [
            label,
            f"{d.mean:.1f}",
            str(d.median),
            f"{d.interval_50.low:.0f}–{d.interval_50.high:.0f}",
            f"{d.interval_90.low:.0f}–{d.interval_90.high:.0f}",
        ]
        if d.at_least is not None:
            row.append(_pct(d.at_least))
        table.add_row(*row)
    console.print(table)
    if result.known_launches:
        console.print(
            f"{result.known_launches} launch(es), {result.known_successes} successful, already "
            "in the record (before the data's end)",
            highlight=False,
        )
    console.print(
        f"rate: {result.launch_rate}; P(success) per launch {_pct(result.probability_success)}; "
        f"{result.model.model} {result.model.version}",
        highlight=False,
    )
    if result.announced:
        console.print(f"announced launches counted: {'; '.join(result.announced)}", highlight=False)
    _print_freshness(result)


@app.command("versus")
@user_errors
def forecast_versus(
    a: Annotated[str, typer.Argument(help="state (code or name) or vehicle, e.g. KP")],
    b: Annotated[str, typer.Argument(help="state (code or name) or vehicle, e.g. KR")],
    a_new_vehicle: Annotated[bool, typer.Option(help="A flies a new vehicle")] = False,
    b_new_vehicle: Annotated[bool, typer.Option(help="B flies a new vehicle")] = False,
    paths: Paths = 20_000,
    seed: Seed = 0,
    assistance: Help = None,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_of: AsOf = None,
    plot: Plot = None,
) -> None:
    """Head to head: who is more reliable, and whose next success (from now) comes first."""
    from rich.table import Table

    _check_plot(plot)
    forecaster = _forecaster(fit_dir)
    side_a, side_b = (
        _programme(a, forecaster.fit, a_new_vehicle, assistance),
        _programme(b, forecaster.fit, b_new_vehicle, assistance),
    )
    answered = forecaster.versus(side_a, side_b, paths, seed, now_from(as_of))
    _save_plot(answered.chart, plot)
    result = answered.answer
    if as_json:
        console.print_json(result.model_dump_json())
        return
    table = Table(title=f"{a} vs {b}")
    table.add_column("")
    table.add_column(a, justify="right")
    table.add_column(b, justify="right")
    table.add_row("next launch", result.a.subject, result.b.subject)
    table.add_row("P(next launch succeeds)", _pct(result.a.probability), _pct(result.b.probability))
    table.add_row(
        "P(more reliable)",
        _pct(result.probability_a_more_reliable),
        _pct(1 - result.probability_a_more_reliable),
    )
    table.add_row("P(next success first)", _pct(result.probability_a_first), _pct(result.probability_b_first))
    table.add_row(
        "median years from now to a success",
        str(result.median_years_to_success_a),
        str(result.median_years_to_success_b),
    )
    console.print(table)
    console.print(
        f"{result.model.model} {result.model.version}; P(neither within 100 launches "
        f"from now) {_pct(result.probability_neither)}"
    )
    for side in (result.a, result.b):
        if side.vehicle_choice:
            console.print(f"{side.subject}: {side.vehicle_choice}", highlight=False)
    for name, counted in ((a, result.announced_a), (b, result.announced_b)):
        if counted:
            console.print(f"{name}: announced launches counted: {'; '.join(counted)}", highlight=False)
    _print_freshness(result)


@app.command("manifest")
@user_errors
def forecast_manifest(
    vehicle: Vehicle = None,
    state: State = None,
    from_: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD: windows ending from then")] = None,
    until: Annotated[str | None, typer.Option(help="YYYY-MM-DD: NETs before then")] = None,
    paths: Paths = 20_000,
    seed: Seed = 0,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    as_of: AsOf = None,
    plot: Plot = None,
) -> None:
    """Every announced launch (schedule update / schedule add) with P(success) and its flight number."""
    from rich.table import Table

    _check_plot(plot)
    answered = _forecaster(fit_dir).manifest(
        now=now_from(as_of),
        state=state,
        vehicle=vehicle,
        start=_date(from_, "--from"),
        until=_date(until, "--until"),
        paths=paths,
        seed=seed,
    )
    _save_plot(answered.chart, plot)
    result = answered.answer
    if as_json:
        console.print_json(result.model_dump_json())
        return
    if as_csv:
        from launchcast.service import formats

        _print_csv(formats.manifest(result))
        return
    table = Table(title=result.subject)
    for column in ("window (UTC)", "launch", "status", "vehicle", "flight", "P(success)", "90% interval"):
        table.add_column(column, justify="right" if column in ("flight", "P(success)") else "left")
    for row in result.launches:
        window = f"{row.window_start:%Y-%m-%d %H:%M} → {row.window_end:%Y-%m-%d}"
        interval = f"{_pct(row.interval_90.low)} – {_pct(row.interval_90.high)}" if row.interval_90 else ""
        vehicle_text = row.vehicle or ("new vehicle" if row.new_vehicle else "unmapped")
        table.add_row(
            window,
            row.name,
            row.status,
            vehicle_text,
            str(row.flight_number or ""),
            _pct(row.probability) if row.probability is not None else "—",
            interval,
        )
    console.print(table if result.launches else "no announced launch (run 'launchcast schedule update')")
    for row in result.launches:
        if not row.mapped:
            err_console.print(f"[yellow]unmapped:[/yellow] {row.name}: {row.placement}", highlight=False)
    checked = f"{result.schedule_checked_at:%Y-%m-%d %H:%M} UTC" if result.schedule_checked_at else "never"
    console.print(f"schedule fetched {checked}; {result.credit}", highlight=False)
    _print_freshness(result)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LaunchcastError(f"{option} {text!r} is not a date: use YYYY-MM-DD") from None


SCENARIOS = ("foreign-help", "after-failure")


@app.command("scenario")
@user_errors
def forecast_scenario(
    kind: Annotated[
        str,
        typer.Argument(
            help="foreign-help: a state's next new rocket, indigenous vs "
            "with foreign help vs a variant of a foreign family; after-failure: "
            "if the next flight fails, what about the one after?"
        ),
    ],
    programme: Annotated[
        str,
        typer.Argument(
            help="a state (foreign-help), or a state or vehicle (after-failure), e.g. KP or Chollima-1"
        ),
    ] = "KP",
    family: Annotated[str, typer.Option(help="foreign-help: the variant arm's foreign family")] = "Angara",
    assistance: Help = None,
    fit_dir: FitDir = None,
    as_json: AsJson = False,
    as_of: AsOf = None,
) -> None:
    """What-if questions from the same posterior: differences with 90% intervals, and their evidence."""
    from rich.table import Table

    if kind not in SCENARIOS:
        raise LaunchcastError(f"unknown scenario {kind!r}; choose one of {', '.join(SCENARIOS)}")
    forecaster, now = _forecaster(fit_dir), now_from(as_of)
    fit = forecaster.fit
    if kind == "after-failure":
        answer = forecaster.after_outcome(_programme(programme, fit, assistance=assistance), now)
        if as_json:
            console.print_json(answer.model_dump_json())
            return
        table = Table(title=f"{answer.subject}: and the flight after?", show_header=False)
        table.add_column(style="bold")
        table.add_column()
        table.add_row(f"P(flight {answer.flight_number} succeeds)", _pct(answer.first_flight))
        for branch in (answer.after_failure, answer.after_success):
            r = branch.reliability.interval_90
            table.add_row(
                f"if {branch.given.removeprefix('the first flight ')}",
                f"{_pct(branch.probability)} (90%: {_pct(r.low)} – {_pct(r.high)})",
            )
        e = answer.failure_effect
        low, high = 100 * e.interval_90.low, 100 * e.interval_90.high
        table.add_row("a failure's own effect", f"{100 * e.mean:+.1f} pts (90%: {low:+.1f} to {high:+.1f})")
        _model_rows(table, answer.model)
        console.print(table)
        console.print(f"Rests on: {answer.evidence}.", highlight=False)
        _print_freshness(answer)
        return
    if assistance is not None:
        raise LaunchcastError(
            "--assistance is for after-failure (and the other questions): foreign-help already "
            "compares the rocket with and without help"
        )
    help_answer = forecaster.foreign_help(programme, family, now)
    if as_json:
        console.print_json(help_answer.model_dump_json())
        return
    table = Table(title=f"{fit.catalogue.state_name(help_answer.state)}'s next new rocket")
    for column in ("arm", "P(maiden flight succeeds)", "90% interval", "vs indigenous (90%)"):
        table.add_column(column, justify="left" if column == "arm" else "right")
    differences = {d.arm: d for d in help_answer.differences}
    for arm in help_answer.arms:
        d = differences.get(arm.name)
        vs = (
            f"{100 * d.mean:+.1f} pts ({100 * d.interval_90.low:+.1f} to {100 * d.interval_90.high:+.1f})"
            if d
            else ""
        )
        r = arm.reliability.interval_90
        table.add_row(arm.name, _pct(arm.probability), f"{_pct(r.low)} – {_pct(r.high)}", vs)
    console.print(table)
    evidence = Table(title=f"Evidence (counted up to '{help_answer.evidence.level}')")
    for column in ("vehicle or family", "helped", "by", "given", "confidence", "since"):
        evidence.add_column(column)
    for row in help_answer.evidence.rows:
        evidence.add_row(
            row.vehicle_or_family, row.recipient, row.helper, row.given, row.confidence, row.since
        )
    console.print(evidence)
    effect = help_answer.evidence.effect_logit
    console.print(
        f"Assistance term: {effect.mean:+.2f} logits (90%: {effect.interval_90.low:+.2f} to "
        f"{effect.interval_90.high:+.2f}; prior N(0, {help_answer.evidence.prior_sd:g})), "
        f"{help_answer.evidence.launches} launches.",
        highlight=False,
    )
    console.print(help_answer.evidence.verdict, highlight=False, soft_wrap=True)
    _print_freshness(help_answer)
