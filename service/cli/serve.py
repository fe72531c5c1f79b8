"""``launchcast serve``: the forecast API on uvicorn, fitting a first model if asked."""

from __future__ import annotations

import os
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
    access_log: Annotated[
        bool | None,
        typer.Option(help="log every request with its fields (default LAUNCHCAST_ACCESS_LOG, on)"),
    ] = None,
) -> None:
    """Serve the forecast API (OpenAPI docs at /docs)."""
    from launchcast.service.server import serve as run_server

    if access_log is not None:  # the app is made in each worker from the environment
        os.environ["LAUNCHCAST_ACCESS_LOG"] = "true" if access_log else "false"
    config = settings()
    if fit_if_missing:
        _fit_if_missing()
    run_server(config, host or config.host, port or config.port, workers)


def _fit_if_missing() -> None:
    """No model to serve yet: serve the eb-beta baseline at once (closed form, a second), marked
    provisional, and let the service fit the hierarchical model in a child process; it answers
    from the baseline, saying so in every answer, until the hierarchical fit passes its gate and
    is hot-swapped in (``service.app``'s lifespan starts that fit)."""
    from launchcast.model.record.history import load_history
    from launchcast.model.stats.models import make_model
    from launchcast.service.refits import PROVISIONAL

    config = settings()
    registry = config.registry()
    try:
        registry.load_current()
        return
    except LaunchcastError as exc:  # none yet, or written by an older model version
        why = "no model has been fitted yet" if registry.current_id() is None else str(exc)
    fit = make_model("eb-beta").fit(load_history(config.ensure_data()))
    fit.manifest["provisional"] = PROVISIONAL
    version_id = registry.publish(fit)
    registry.promote(version_id)
    console.print(
        f"first start: {why} (registry {registry.root}).\n"
        f"Answering at once from the eb-beta baseline ({version_id}); the hierarchical model is fitted "
        "in the background (about a minute on 2 cores) and served as soon as it passes its gate.",
        highlight=False,
    )
