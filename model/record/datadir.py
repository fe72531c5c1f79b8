"""The data directory as one consistent set of files: one writer at a time, all-or-nothing changes.

``launches.csv`` and ``vehicles.csv`` (with ``orgs.csv`` and ``upstream.json``) only
make sense together: a launch of a new vehicle touches both.  Updates, scheduled
refits, ``data add`` and ``data ingest-gcat`` may run at once, so:

- **One writer at a time.** A writer holds an exclusive ``flock`` on
  ``.launchcast.lock`` from the moment it reads the files until its change is
  committed: two writers never merge into the same old state, so no row is lost.
  Readers take the same lock shared, so they never see half a change.  The OS
  drops the lock when its holder dies, even by SIGKILL.
- **All or nothing.** A change writes every new file under ``.staging/`` (fsynced),
  reads each back — the bytes as written, then the whole set as its readers will read it
  (``check``: a schedule with a lone carriage return in a name once committed a file nothing
  could read) — then writes the journal ``.commit.json`` naming them — the commit point — then renames
  each into place.  A full disk fails while staging, before anything moved: the
  old set is whole.  A crash after the journal is rolled forward by the next
  writer; until then readers read the staged files the journal names, so they see
  the new set whole, never a mix.

A read-only data directory (a serving pod's mount) reads normally; only writes fail,
with a message.  ``flock`` is used directly (the refit lock uses it too) because a
reader/writer lock needs shared mode, which ``filelock``'s ``FileLock`` lacks.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from launchcast.model.errors import DataBusy, LaunchcastError
from launchcast.model.storage import atomic_write_text, fsync_directory

LOCK_FILE = ".launchcast.lock"
JOURNAL_FILE = ".commit.json"
STAGING_DIR = ".staging"
WAIT_SECONDS = 120.0


class Snapshot:
    """The committed files of a data directory, read under the shared lock."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staged = _journal(root)

    def path(self, name: str) -> Path:
        """Where ``name``'s committed content is (its staged copy after a crashed commit)."""
        if name in self._staged:
            staged = self.root / STAGING_DIR / name
            if staged.exists():
                return staged
        return self.root / name

    def read_bytes(self, name: str) -> bytes:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:  # renamed into place between our check and our read
            return (self.root / name).read_bytes()


class Transaction(Snapshot):
    """A writer's view: read the current files, then ``commit`` the new ones together."""

    def commit(self, files: dict[str, bytes], *, check: Callable[[Snapshot], object]) -> None:
        """Replace ``files`` as one set; on any error nothing changed and the error says why.

        ``check`` reads the new set (the staged files over the committed ones) as its readers
        will, raising ``LaunchcastError`` if it cannot: a set that does not read back is never
        committed."""
        if not files:
            return
        staging = self.root / STAGING_DIR
        try:
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            for name, content in files.items():
                with open(staging / name, "wb") as handle:
                    handle.write(content)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(staging / name, 0o644)
            fsync_directory(staging)
            self._read_back(files, check)
            atomic_write_text(self.root / JOURNAL_FILE, json.dumps(sorted(files)))
        except OSError as exc:
            _drop_staging(self.root)
            raise LaunchcastError(
                f"could not write the new data files in {self.root} ({exc.strerror or exc}); "
                "nothing was changed — free some space or fix the permissions, then run it again"
            ) from None
        except BaseException:
            _drop_staging(self.root)
            raise
        _roll_forward(self.root)
        self._staged = set()

    def _read_back(self, files: dict[str, bytes], check: Callable[[Snapshot], object]) -> None:
        staged = Snapshot(self.root)
        staged._staged = set(files)
        for name, content in files.items():
            if staged.read_bytes(name) != content:
                raise LaunchcastError(f"{name} did not read back as written; nothing was changed")
        try:
            check(staged)
        except LaunchcastError as exc:
            raise LaunchcastError(
                f"the new {', '.join(sorted(files))} would not read back ({exc}); nothing was changed"
            ) from None


def _as_written(_: Snapshot) -> None:
    """No reader beyond the bytes themselves (the package's own files, checked by its tests)."""


def _drop_staging(root: Path) -> None:
    shutil.rmtree(root / STAGING_DIR, ignore_errors=True)
    (root / JOURNAL_FILE).unlink(missing_ok=True)


def _journal(root: Path) -> set[str]:
    try:
        return set(json.loads((root / JOURNAL_FILE).read_text()))
    except FileNotFoundError:
        return set()
    except (ValueError, UnicodeDecodeError):  # a journal cut by a crash: the commit never happened
        return set()


def _roll_forward(root: Path) -> None:
    """Finish a committed change (rename its staged files into place); drop an uncommitted one."""
    for name in sorted(_journal(root)):
        staged = root / STAGING_DIR / name
        if staged.exists():
            os.replace(staged, root / name)
    fsync_directory(root)
    (root / JOURNAL_FILE).unlink(missing_ok=True)
    shutil.rmtree(root / STAGING_DIR, ignore_errors=True)
    fsync_directory(root)


def _open_lock(root: Path, write: bool) -> IO[str] | None:
    path = root / LOCK_FILE
    try:
        return open(path, "a+", encoding="utf-8")
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        if write:
            raise LaunchcastError(
                f"the data directory {root} is read-only ({exc.strerror}): changes to the launch "
                "data must be made where it is writable"
            ) from None
    try:
        return open(path, encoding="utf-8")  # flock works on a read-only descriptor
    except FileNotFoundError:
        return None  # a read-only directory with no lock file has no writers either


@contextmanager
def _locked(root: Path, write: bool, wait: float) -> Iterator[None]:
    if not root.is_dir():
        raise LaunchcastError(
            f"data directory {root} not found: point LAUNCHCAST_DATA_DIR (or --data-dir) at a "
            "directory holding launches.csv and vehicles.csv"
        )
    handle = _open_lock(root, write)
    if handle is None:
        yield
        return
    with handle:
        deadline = time.monotonic() + wait
        mode = fcntl.LOCK_EX if write else fcntl.LOCK_SH
        while True:
            try:
                fcntl.flock(handle, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DataBusy(
                        f"another launchcast process has been changing {root} for over {wait:.0f} s; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def reading(root: Path, wait: float = WAIT_SECONDS) -> Iterator[Snapshot]:
    """The committed set of files, held still while the caller reads them."""
    root = Path(root)
    with _locked(root, write=False, wait=wait):
        yield Snapshot(root)


@contextmanager
def writing(root: Path, wait: float = WAIT_SECONDS) -> Iterator[Transaction]:
    """The only way to change the data: exclusive from the first read to the commit."""
    root = Path(root)
    with _locked(root, write=True, wait=wait):
        try:
            _roll_forward(root)
        except OSError as exc:
            raise LaunchcastError(f"could not finish an interrupted change in {root}: {exc}") from None
        yield Transaction(root)


#: The files of a data set, as shipped in the package (``launchcast.data``).
SHIPPED_FILES = (
    "launches.csv",
    "vehicles.csv",
    "states.csv",
    "agencies.csv",
    "orgs.csv",
    "names.csv",
    "README.md",
)


def seed(root: Path) -> bool:
    """Give an empty data directory the data shipped with the package; True if it did.

    An installed launchcast keeps its live data (which updates change) apart from the
    copy in the wheel (which they must not): the first run copies the shipped set into
    the data directory, as one commit under the writer's lock, so two workers starting
    together copy it once.  A directory that already holds ``launches.csv`` is left alone.
    """
    from importlib.resources import files

    root = Path(root)
    if (root / "launches.csv").exists():
        return False
    root.mkdir(parents=True, exist_ok=True)
    shipped = files("launchcast.data")
    with writing(root) as tx:
        if (root / "launches.csv").exists():
            return False
        tx.commit({name: shipped.joinpath(name).read_bytes() for name in SHIPPED_FILES}, check=_as_written)
    return True
