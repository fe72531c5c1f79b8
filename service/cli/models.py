"""``launchcast models …``: the registry's versions, aliases, promotion and rollback."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from launchcast.service.cli.common import console, keep_record, settings, user_errors

app = typer.Typer(help="The model registry: versions, aliases, promotion, rollback.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(help="a version id or an alias (current, previous, champion, …)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@app.command("list")
@user_errors
def models_list(as_json: AsJson = False) -> None:
    """Every kept version, oldest first, with its aliases (full ids: copy them as they are)."""
    from rich.table import Table

    registry = settings().registry()
    versions = registry.list()
    if as_json:
        print(json.dumps([{**asdict(v), "current": v.current} for v in versions], indent=2))
        return
    table = Table(title=f"registry {registry.root}", caption="gate: the convergence gate (models show ID)")
    table.add_column("aliases")
    table.add_column("id", no_wrap=True, min_width=max((len(v.id) for v in versions), default=2))
    for column in ("model", "version", "data as of", "fitted at", "gate"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            ", ".join(v.aliases),
            v.id,
            v.model,
            v.version,
            v.data_as_of,
            v.fitted_at[:19],
            "passed" if v.passed_gate else "FAILED",
        )
    console.print(table)


@app.command("show")
@user_errors
def models_show(ref: Ref = "current", as_json: AsJson = False) -> None:
    """A version's summary; --json prints its whole manifest."""
    from rich.table import Table

    registry = settings().registry()
    version_id = registry.resolve(ref)
    if as_json:
        print(json.dumps(registry.manifest(version_id), indent=1))
        return
    info = registry.info(version_id)
    manifest = registry.manifest(version_id)
    table = Table(title=version_id, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = {
        "aliases": ", ".join(info.aliases) or "none",
        "model": f"{info.model} {info.version}",
        "data": f"{info.n_launches or '?'} launches as of {info.data_as_of}, hash {info.data_hash[:12]}",
        "fitted": f"{info.fitted_at} in {info.fit_seconds or 0:.1f} s",
        "gate": info.gate,
        "config": json.dumps(manifest.get("config", {}), sort_keys=True),
    }
    for key, value in rows.items():
        table.add_row(key, value)
    console.print(table)


@app.command("promote")
@user_errors
def models_promote(ref: Ref) -> None:
    """Make a version current (the service switches to it within seconds)."""
    registry = settings().registry()
    version_id = registry.resolve(ref)
    registry.promote(version_id)
    console.print(f"current: {version_id}", highlight=False)
    keep_record()


@app.command("rollback")
@user_errors
def models_rollback() -> None:
    """Go back one promotion (again: one further back, not back and forth)."""
    console.print(f"current: {settings().registry().rollback()}", highlight=False)
    keep_record()


@app.command("alias")
@user_errors
def models_alias(
    name: Annotated[str, typer.Argument(help="alias to pin, e.g. champion")],
    ref: Annotated[str | None, typer.Argument(help="version id or alias (omit with --remove)")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="unpin the alias")] = False,
) -> None:
    """Pin a name to a version (pinned versions are never pruned), or --remove it."""
    registry = settings().registry()
    if remove:
        registry.remove_alias(name)
        console.print(f"removed alias {name}", highlight=False)
        return
    if ref is None:
        raise typer.BadParameter("give the version id or alias to pin, or --remove")
    version_id = registry.resolve(ref)
    registry.set_alias(name, version_id)
    console.print(f"{name}: {version_id}", highlight=False)
