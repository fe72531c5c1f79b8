"""The ``launchcast`` command line, one module per resource (as ``service/routes`` is for HTTP).

``data`` (history), ``schedule`` (announced launches), ``forecast``, ``models`` (registry),
``refit`` (fit/refit), ``track-record`` (the forecast ledger), ``backtest`` and ``serve``.  Commands import
the model inside their bodies, so ``--help``, ``--version`` and ``models list`` start
without pandas or PyMC.
User errors print one clear line and exit 1, never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from launchcast.service.cli import backtest, data, forecast, models, refit, schedule, serve, track_record
from launchcast.service.cli.common import settings, user_errors

app = typer.Typer(
    help="Launch-reliability forecasts from the world's orbital launch history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from launchcast import __version__

        typer.echo(f"launchcast {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Launch-reliability forecasts from the world's orbital launch history."""
    from launchcast.service.logs import configure_logging

    config = settings()
    configure_logging(config.log_format, config.log_level)


app.add_typer(data.app, name="data")
app.add_typer(forecast.app, name="forecast")
app.add_typer(models.app, name="models")
app.add_typer(schedule.app, name="schedule")
app.command("fit")(user_errors(refit.fit))
app.command("refit")(user_errors(refit.refit))
app.command("backtest")(backtest.backtest)
app.command("track-record")(track_record.track_record)
app.command("serve")(serve.serve)
