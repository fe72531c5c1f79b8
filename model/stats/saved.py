"""Saving and loading fits: ``posterior.nc`` (ArviZ InferenceData, NetCDF) + ``manifest.json``.

The NetCDF holds only the constrained posterior draws (``chain, draw, …``), the
sampler statistics the gate needs, and a closed-form fit's constants; the
manifest holds everything else (model, version, config, coords, vehicle
records, data hash, as-of, diagnostics, wall time, package versions) and the
sha256 of ``posterior.nc``.  Loading checks both, and loads eagerly (ArviZ
opens NetCDF lazily, which would put file I/O on the request path).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from launchcast.model.errors import LaunchcastError
from launchcast.model.storage import atomic_write_bytes, atomic_write_text, sha256_file

if TYPE_CHECKING:  # xarray and the fit classes load with a fit, not with the registry's listing
    import xarray as xr

    from launchcast.model.stats.fit import Fit

POSTERIOR_FILE = "posterior.nc"
MANIFEST_FILE = "manifest.json"


def package_versions() -> dict[str, str]:
    versions = {}
    for name in ("launchcast", "numpy", "pymc", "pytensor", "arviz", "nutpie", "xarray"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _dataset(
    arrays: dict[str, np.ndarray],
    dims: dict[str, list[str]],
    coords: dict[str, list[str]],
    leading: list[str],
) -> xr.Dataset:
    import xarray as xr

    variables = {}
    for name, values in arrays.items():
        extra = dims.get(name, [f"{name}_dim_{i}" for i in range(values.ndim - len(leading))])
        variables[name] = (leading + extra, values)
    used = {d for _, (ds, _) in variables.items() for d in ds}
    return xr.Dataset(variables, coords={d: labels for d, labels in coords.items() if d in used})


#: How many known vehicles the probe asks about (spread over the whole record), besides a new
#: vehicle of each of a few states: every answer must be a probability.
PROBE_VEHICLES = 40


def check_fit(fit: Fit, where: Path | str) -> None:
    """Refuse a fit that cannot be served: non-finite draws, shapes that disagree with the coords
    or with one another, or a probe set of forecasts outside [0, 1].

    Called before a fit is saved and after one is loaded, so a fit that fails is never
    published, never promoted, and never served (the service falls back to the newest
    intact version, as for a corrupt file).
    """
    problems = []
    if "rates" not in fit.manifest:
        problems.append("it has no launch-rate model (made by an older launchcast)")
    draws = {len(v) for v in fit.posterior.values()}
    if not fit.posterior or len(draws) != 1 or 0 in draws:
        problems.append(f"posterior arrays disagree on the number of draws ({sorted(draws)})")
    for name, values in fit.posterior.items():
        if not np.issubdtype(values.dtype, np.number):
            problems.append(f"{name} is not numeric ({values.dtype})")
            continue
        for axis, dim in enumerate(fit.dims.get(name, []), start=1):
            if dim in fit.coords and (values.ndim <= axis or values.shape[axis] != len(fit.coords[dim])):
                problems.append(
                    f"{name} has shape {values.shape[1:]}: its {dim} axis does not match "
                    f"the {len(fit.coords[dim])} {dim} labels"
                )
                break
        bad = int(values.size - np.isfinite(values).sum())
        if bad:
            problems.append(f"{name} holds {bad:,} non-finite draw(s) (NaN or ±inf)")
    for name, values in fit.constants.items():
        if np.issubdtype(values.dtype, np.floating) and not np.all(np.isfinite(values)):
            problems.append(f"constant {name} is not finite")
    if not problems:
        problems += _probe(fit)
    if problems:
        raise LaunchcastError(
            f"{where}: the fit cannot be served: {'; '.join(problems[:5])}; refit with 'launchcast fit'"
        )


def _probe(fit: Fit) -> list[str]:
    records = list(fit.records)
    step = max(1, len(records) // PROBE_VEHICLES)
    queries = [fit.catalogue.next_launch_query(v) for v in records[::step]]
    for state in sorted({r.state for r in fit.records.values()})[:5]:
        queries.append(fit.catalogue.new_vehicle_query(state))
    for query in queries:
        try:
            p = fit.success_probability(query)
        except (IndexError, ValueError, KeyError) as exc:
            return [
                f"the forecast for {query.vehicle or 'a new vehicle'} fails ({type(exc).__name__}: {exc})"
            ]
        if p.shape != (fit.n_draws,) or not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
            return [f"the forecast for {query.vehicle or 'a new vehicle'} is not a probability per draw"]
    return []


def save_fit(fit: Fit, directory: Path) -> Path:
    """Write ``posterior.nc`` then ``manifest.json`` (the manifest last: it vouches for the file)."""
    import xarray as xr

    directory = Path(directory)
    check_fit(fit, "the new fit")
    directory.mkdir(parents=True, exist_ok=True)
    chains = fit.chains
    posterior = {k: v.reshape(chains, -1, *v.shape[1:]) for k, v in fit.posterior.items()}
    groups = {"posterior": _dataset(posterior, fit.dims, fit.coords, ["chain", "draw"])}
    if fit.sample_stats:
        groups["sample_stats"] = _dataset(fit.sample_stats, {}, {}, ["chain", "draw"])
    if fit.constants:
        const_dims = {k: ["vehicle"] for k, v in fit.constants.items() if k in ("alpha", "beta")}
        groups["constant_data"] = _dataset(fit.constants, const_dims, fit.coords, [])
    # Serialise in memory, then one atomic write: a full disk fails cleanly (OSError) and
    # leaves no half-written file; the layout is ArviZ's InferenceData groups.
    # Compressed (byte shuffle + zlib): float32 draws of effects near zero shrink by about a tenth.
    encoding = {
        f"/{name}": {var: {"zlib": True, "complevel": 4, "shuffle": True} for var in group.data_vars}
        for name, group in groups.items()
    }
    content = bytes(xr.DataTree.from_dict(groups).to_netcdf(engine="h5netcdf", encoding=encoding))
    atomic_write_bytes(directory / POSTERIOR_FILE, content)
    manifest = {
        **fit.manifest,
        "model": fit.model,
        "version": fit.version,
        "config": fit.config,
        "chains": chains,
        "coords": fit.coords,
        "dims": fit.dims,
        "records": [vars(r) for r in fit.records.values()],
        "packages": package_versions(),
        "posterior_sha256": sha256_file(directory / POSTERIOR_FILE),
    }
    atomic_write_text(directory / MANIFEST_FILE, json.dumps(manifest, indent=1, default=_json))
    return directory


def _json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to a manifest")


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST_FILE
    if not path.exists():
        raise LaunchcastError(
            f"no fit at {directory} ({MANIFEST_FILE} missing): make one with 'launchcast fit'"
        )
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LaunchcastError(f"{path} is corrupt ({exc}); refit with 'launchcast fit'") from None


def load_fit(directory: Path) -> Fit:
    """Load a saved fit, refusing one whose file does not match its manifest."""
    from launchcast.model.record.catalogue import VehicleRecord
    from launchcast.model.stats.models import fit_classes

    directory = Path(directory)
    manifest = read_manifest(directory)
    model, version = manifest.get("model"), manifest.get("version")
    classes = fit_classes()
    if model not in classes:
        raise LaunchcastError(f"{directory}: unknown model {model!r}; known: {', '.join(classes)}")
    fit_class, supported = classes[model]
    if version != supported:
        raise LaunchcastError(
            f"{directory}: {model} version {version} cannot be read by this launchcast "
            f"(it reads version {supported}); refit with 'launchcast fit --model {model}'"
        )
    path = directory / POSTERIOR_FILE
    if not path.exists():
        raise LaunchcastError(f"{path} is missing; refit with 'launchcast fit'")
    if sha256_file(path) != manifest.get("posterior_sha256"):
        raise LaunchcastError(
            f"{path} does not match its manifest (truncated or corrupt file); refit with 'launchcast fit'"
        )
    try:
        groups = {group: _load_group(path, group) for group in ("posterior", "sample_stats", "constant_data")}
    except (OSError, ValueError, KeyError) as exc:
        raise LaunchcastError(f"{path} cannot be read ({exc}); refit with 'launchcast fit'") from None
    posterior = groups["posterior"] or {}
    fit = fit_class(
        model=model,
        version=version,
        posterior={k: v.reshape(-1, *v.shape[2:]) for k, v in posterior.items()},
        coords=manifest["coords"],
        dims=manifest["dims"],
        records={r["vehicle"]: VehicleRecord(**r) for r in manifest["records"]},
        config=manifest["config"],
        manifest=manifest,
        constants=groups["constant_data"] or {},
        sample_stats=groups["sample_stats"] or {},
        chains=int(manifest["chains"]),
    )
    check_fit(fit, directory)
    return fit


def _load_group(path: Path, group: str) -> dict[str, np.ndarray] | None:
    import xarray as xr

    try:
        with xr.open_dataset(path, group=group, engine="h5netcdf") as dataset:
            return {str(name): np.asarray(dataset[name].values) for name in dataset.data_vars}
    except OSError as exc:
        if "not found" in str(exc).lower() or "group" in str(exc).lower():
            return None
        raise
