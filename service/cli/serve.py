"""``launchcast serve``: the forecast API on uvicorn, fitting a first model if asked."""

from __future__ import annotations

from typing import Annotated

import typer

from launchcast.model.errors import LaunchcastError
from launchcast.service.cli.common import console, settings, user_errors


@user_errors
def serve(
    host: Annotated[str | None, typer.Option(help="default LAUNCHCAST_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="default LAUNCHCAST_PORT (8000)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
    fit_if_missing: Annotated[
        bool,
        typer.Option(help="fit the hierarchical model first if there is no saved fit this code can read"),
    ] = False,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:
    """Serve the forecast API (OpenAPI docs at /docs)."""
    from launchcast.service.server import serve as run_server

    config = settings()
    if fit_if_missing:
        _fit_if_missing()
    run_server(config, host or config.host, port or config.port, workers, access_log)


def _fit_if_missing() -> None:
    from launchcast.service.cli.refit import print_result, run_refit

    registry = settings().registry()
    try:
        registry.load_current()
        return
    except LaunchcastError as exc:  # none yet, or written by an older model version
        why = "no model has been fitted yet" if registry.current_id() is None else str(exc)
    console.print(
        f"first start: {why} (registry {registry.root}).\n"
        "Fitting the hierarchical model on the launch history now: about a minute on 2 cores; "
        "the service starts when it is done.",
        highlight=False,
    )
    result = run_refit("hierarchical", options={"progress": True})
    print_result(result)
    if result.outcome not in ("promoted", "skipped"):
        raise LaunchcastError(f"the first fit did not produce a model to serve: {result.reason}")
