"""The model registry: immutable fit versions, an atomically switched ``current``, and aliases.

Layout under the registry root (default ``./var/registry``)::

    versions/<id>/posterior.nc      a saved fit (see model.saved)
    versions/<id>/manifest.json
    current                         the id being served (one line)
    aliases.json                    pinned names → ids (e.g. "champion")
    promotions.log                  every promotion and rollback, oldest first
    refits.jsonl                    every refit run, success or not (model.refit)

Aliases follow MLflow's model-registry aliases: ``current`` is the served version,
``previous`` the one a rollback returns to (derived from the promotion history),
and any other name is pinned by hand (``launchcast models alias champion ID``).
Promotions form a stack: a rollback pops the current version, so a second rollback
goes one further back instead of toggling between two versions.

A version directory is written under a temporary name and renamed into place, so
it is either complete or absent; ``current`` is replaced by write-temp, fsync,
rename.  A failed publish, a crash, or a corrupt file therefore never changes
what ``current`` points at.  The last ``keep`` versions are kept, and never the
current one or one an alias names.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchcast.model.errors import LaunchcastError, NotFoundError
from launchcast.model.stats.diagnostics import Diagnostics
from launchcast.model.stats.saved import MANIFEST_FILE, load_fit, read_manifest, save_fit
from launchcast.model.storage import atomic_write_text, fsync_directory

if TYPE_CHECKING:
    from launchcast.model.stats.fit import Fit

CURRENT_FILE = "current"
PROMOTIONS_FILE = "promotions.log"
ALIASES_FILE = "aliases.json"
#: Aliases the registry derives itself; the rest are pinned by hand.
DERIVED_ALIASES = ("current", "previous")
REFIT_LOG = "refits.jsonl"
#: What a version id may look like (``20261123T214200Z-hierarchical-1a2b3c4d``): a plain
#: directory name, so an id can never reach outside ``versions/``.
VERSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_version_id(version_id: str) -> str:
    if not VERSION_ID.match(version_id) or ".." in version_id:
        shown = version_id if len(version_id) <= 60 else version_id[:60] + "…"
        raise NotFoundError(
            f"{shown!r} is not a version id (letters, digits, '.', '_', '-'; at most 128); "
            "'launchcast models list' shows them"
        )
    return version_id


@dataclass(frozen=True)
class VersionInfo:
    """A version's summary: what ``models list`` and ``models show`` print."""

    id: str
    model: str
    version: str
    data_as_of: str
    data_hash: str
    n_launches: int | None
    fitted_at: str
    fit_seconds: float | None
    gate: str
    passed_gate: bool
    aliases: tuple[str, ...]

    @property
    def current(self) -> bool:
        return "current" in self.aliases


class Registry:
    def __init__(self, root: Path, keep: int = 5) -> None:
        self.root = Path(root)
        self.keep = keep

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    # --- reading -------------------------------------------------------------------------

    def current_id(self) -> str | None:
        """The id in ``current``; a file that is not one (binary, over-long) is a clear error."""
        path = self.root / CURRENT_FILE
        try:
            raw = path.read_bytes()[:4096]
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LaunchcastError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise LaunchcastError(
                f"{path} is corrupt (not text); repair it with 'launchcast models promote ID'"
            ) from None
        if not text:
            return None
        try:
            return check_version_id(text)
        except NotFoundError as exc:
            raise LaunchcastError(
                f"{path} is corrupt: {exc}; repair it with 'launchcast models promote ID'"
            ) from None

    def ids(self) -> list[str]:
        """Complete versions, oldest first: by the id's time stamp (seconds), then by when the
        manifest was written (two publishes in one second)."""
        if not self.versions_dir.exists():
            return []
        found = []
        for p in self.versions_dir.iterdir():
            if p.is_dir() and not p.is_symlink() and VERSION_ID.match(p.name):
                try:
                    found.append((p.name.split("-", 1)[0], (p / MANIFEST_FILE).stat().st_mtime_ns, p.name))
                except FileNotFoundError:
                    continue  # incomplete
        return [name for *_, name in sorted(found)]

    def manifest(self, version_id: str) -> dict[str, Any]:
        directory = self.versions_dir / check_version_id(version_id)
        if directory.is_symlink() or any(p.is_symlink() for p in _entries(directory)):
            raise LaunchcastError(
                f"version {version_id!r} is a link, or holds one: a version must be a real directory "
                f"inside {self.versions_dir}; remove it and publish again"
            )
        if not directory.is_dir():
            raise NotFoundError(
                f"no version {version_id!r} in {self.root}; 'launchcast models list' shows them"
            )
        return read_manifest(directory)

    def info(self, version_id: str, aliases: dict[str, str] | None = None) -> VersionInfo:
        m = self.manifest(version_id)
        gate = Diagnostics.of_manifest(m)
        named = aliases if aliases is not None else self.aliases()
        return VersionInfo(
            id=version_id,
            model=m.get("model", "?"),
            version=m.get("version", "?"),
            data_as_of=m.get("as_of", ""),
            data_hash=m.get("data_hash", ""),
            n_launches=m.get("n_launches"),
            fitted_at=m.get("fitted_at", ""),
            fit_seconds=m.get("fit_seconds"),
            gate=gate.summary(),
            passed_gate=gate.passed,
            aliases=tuple(name for name, target in named.items() if target == version_id),
        )

    def list(self) -> list[VersionInfo]:
        aliases = self.aliases()
        return [self.info(i, aliases) for i in self.ids()]

    # --- aliases -------------------------------------------------------------------------

    def aliases(self) -> dict[str, str]:
        """Every alias → id: ``current``, ``previous`` (the rollback target), then pinned ones."""
        out: dict[str, str] = {}
        current = self._current_or_none()
        if current:
            out["current"] = current
        previous = self._rollback_target()
        if previous:
            out["previous"] = previous
        out.update(self._pinned())
        return out

    def resolve(self, ref: str) -> str:
        """An id, or an alias naming one (``current``, ``previous``, ``champion`` …)."""
        aliases = self.aliases()
        if ref in aliases:
            return aliases[ref]
        if ref in DERIVED_ALIASES:
            raise NotFoundError(f"no version is {ref!r} yet in {self.root}")
        return check_version_id(ref)

    def set_alias(self, name: str, version_id: str) -> None:
        """Pin ``name`` to a version (kept from pruning while pinned)."""
        if name in DERIVED_ALIASES:
            raise LaunchcastError(f"{name!r} is set by promotions; use 'launchcast models promote'")
        check_version_id(name)
        self.manifest(version_id)
        self._write_aliases({**self._pinned(), name: version_id})

    def remove_alias(self, name: str) -> None:
        pinned = self._pinned()
        if name not in pinned:
            raise NotFoundError(f"no alias {name!r}; pinned: {', '.join(pinned) or 'none'}")
        del pinned[name]
        self._write_aliases(pinned)

    def _pinned(self) -> dict[str, str]:
        try:
            raw = json.loads((self.root / ALIASES_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            path = self.root / ALIASES_FILE
            raise LaunchcastError(f"{path} cannot be read ({exc}); fix or delete it") from None
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

    def _write_aliases(self, pinned: dict[str, str]) -> None:
        try:
            atomic_write_text(self.root / ALIASES_FILE, json.dumps(pinned, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            raise LaunchcastError(f"could not write {self.root / ALIASES_FILE}: {exc}") from None

    def _current_or_none(self) -> str | None:
        try:
            return self.current_id()
        except LaunchcastError:
            return None

    def load(self, version_id: str) -> Fit:
        self.manifest(version_id)  # clear error for an unknown id
        return load_fit(self.versions_dir / version_id)

    def load_current(self) -> Fit:
        current = self.current_id()
        if current is None:
            raise LaunchcastError(
                f"no current model in {self.root}: make one with 'launchcast refit' (or 'launchcast fit')"
            )
        return self.load(current)

    def find(self, model: str, model_version: str, data_hash: str, config: dict[str, Any]) -> str | None:
        """A version already fitted with this model (and model version: a fit of an older
        model is not this one), data and config — what makes refits idempotent."""
        wanted = (model, model_version, data_hash, config)
        for version_id in reversed(self.ids()):
            m = self.manifest(version_id)
            if "rates" not in m:
                continue  # made before the launch-rate model: not what a fit makes now
            if (m.get("model"), m.get("version"), m.get("data_hash"), m.get("config")) == wanted:
                return version_id
        return None

    # --- writing -------------------------------------------------------------------------

    def publish(self, fit: Fit) -> str:
        """Save a gated fit as a new immutable version (not yet current)."""
        if not fit.diagnostics.passed:
            raise LaunchcastError(
                "refusing to publish a fit that failed the convergence gate: "
                + "; ".join(fit.diagnostics.failures[:5])
            )
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        data_hash = str(fit.manifest.get("data_hash", ""))[:8] or "nodata"
        version_id = f"{stamp}-{fit.model}-{data_hash}"
        suffix = 1
        while (self.versions_dir / version_id).exists():
            suffix += 1
            version_id = f"{stamp}-{fit.model}-{data_hash}-{suffix}"
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        staging = self.versions_dir / f".staging-{version_id}-{os.getpid()}"
        try:
            save_fit(fit, staging)
            os.rename(staging, self.versions_dir / version_id)
            fsync_directory(self.versions_dir)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise LaunchcastError(f"could not write the new version to {self.root}: {exc}") from None
        return version_id

    def promote(self, version_id: str, action: str = "promote") -> None:
        """Make a version current (after checking it loads: a corrupt version is refused).

        Callers that publish a new fit go through ``model.operations.refit.refit`` (gate, sanity
        score, the served model's name); this is the pointer switch underneath it and
        ``launchcast models promote``, an operator's explicit choice.
        """
        self.load(version_id)
        try:
            atomic_write_text(self.root / CURRENT_FILE, version_id + "\n")
            with open(self.root / PROMOTIONS_FILE, "a", encoding="utf-8") as log:
                log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {version_id} {action}\n")
                log.flush()
                os.fsync(log.fileno())
        except OSError as exc:
            raise LaunchcastError(f"could not switch the current version in {self.root}: {exc}") from None
        self.prune()

    def rollback(self) -> str:
        """Go back one step along the promotion history (a second rollback goes further back)."""
        target = self._rollback_target()
        if target is None:
            raise LaunchcastError("nothing to roll back to: no earlier promoted version is kept")
        self.promote(target, action="rollback")
        return target

    def _stack(self) -> builtins.list[str]:
        """The promotion stack: each promotion pushes, each rollback pops back to its target."""
        path = self.root / PROMOTIONS_FILE
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []
        stack: builtins.list[str] = []
        for line in lines:
            fields = line.split()
            if len(fields) < 2:
                continue  # a line cut by a crash
            version_id, action = fields[1], fields[2] if len(fields) > 2 else "promote"
            if action == "rollback":
                while stack and stack[-1] != version_id:
                    stack.pop()
                if not stack:
                    stack.append(version_id)
            else:
                stack.append(version_id)
        return stack

    def _rollback_target(self) -> str | None:
        stack, kept, current = self._stack(), set(self.ids()), self._current_or_none()
        while stack and stack[-1] == current:
            stack.pop()
        while stack and (stack[-1] not in kept or stack[-1] == current):
            stack.pop()
        return stack[-1] if stack else None

    def prune(self) -> builtins.list[str]:
        """Delete all but the newest ``keep`` versions, never the current one; staging leftovers too."""
        removed: builtins.list[str] = []
        try:
            protected = {self._current_or_none(), *self._pinned().values()}
        except LaunchcastError:
            return removed  # an unreadable alias file: delete nothing rather than a pinned version
        ids = self.ids()
        for version_id in ids[: max(0, len(ids) - self.keep)]:
            if version_id not in protected:
                shutil.rmtree(self.versions_dir / version_id, ignore_errors=True)
                removed.append(version_id)
        if self.versions_dir.exists():
            for leftover in self.versions_dir.glob(".staging-*"):
                pid = leftover.name.rsplit("-", 1)[-1]
                if not (pid.isdigit() and _alive(int(pid))):
                    shutil.rmtree(leftover, ignore_errors=True)
        return removed

    # --- the refit log -------------------------------------------------------------------

    def record_refit(self, entry: dict[str, Any]) -> None:
        """Append one refit run to ``refits.jsonl`` (best effort: a full disk must not crash it).

        Text fields are cut to ``MAX_LOG_TEXT`` characters: whatever an upstream file or an
        error says, one entry stays small (``/v1/refit/status`` serves them)."""
        entry = {k: _cut(v) if isinstance(v, str) else v for k, v in entry.items()}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.root / REFIT_LOG, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry, sort_keys=True) + "\n")
                log.flush()
                os.fsync(log.fileno())
        except OSError:
            pass

    def refits(self, last: int = 50, running: int | bool | None = None) -> builtins.list[dict[str, Any]]:
        """Refit runs, newest last, one entry per run.

        A run that logged 'started' but never finished is 'running' if it is the one
        holding the refit lock — ``running`` is that refit's pid (``refit.refit_running``;
        ``True`` or ``-1`` when the pid is unknown: the newest unfinished run) — and
        'interrupted' otherwise (it was killed).
        """
        path = self.root / REFIT_LOG
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        runs: dict[str, dict[str, Any]] = {}
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
            key = entry.get("run") or f"line-{len(runs)}"
            runs[key] = {**runs.get(key, {}), **entry}
        entries = list(runs.values())
        unfinished = [i for i, e in enumerate(entries) if e.get("outcome") == "started"]
        for i in unfinished:
            entry = entries[i]
            if running is True or running == -1:
                holder = i == unfinished[-1]
            else:
                holder = running is not None and running is not False and entry.get("pid") == running
            entry["outcome"] = "running" if holder else "interrupted"
            if not holder:
                entry["reason"] = "the run stopped without finishing (killed or crashed)"
        return entries[-last:]


#: The longest text one refit-log entry keeps per field.
MAX_LOG_TEXT = 2000


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LOG_TEXT else text[: MAX_LOG_TEXT - 30] + f" … ({len(text):,} characters)"


def _entries(directory: Path) -> list[Path]:
    try:
        return list(directory.iterdir()) if directory.is_dir() else []
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
