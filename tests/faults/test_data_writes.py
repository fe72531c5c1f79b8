"""Concurrent writers, full disks and crashes against the data directory (real processes, real files)."""

from __future__ import annotations

import json
import multiprocessing
import resource
import shutil
import signal
from pathlib import Path

import pytest

from launchcast.model.errors import LaunchcastError
from launchcast.model.record import datadir
from launchcast.model.record.history import load_history
from launchcast.model.record.ingest import add_launch
from tests.conftest import DATA, data_files

CONTEXT = multiprocessing.get_context("fork")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


def _add(data_dir: Path, day: str, vehicle: str, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    if vehicle == "Nuri":
        add_launch(data_dir, f"2024-02-{day}", vehicle, "success")
    else:  # a new vehicle: touches vehicles.csv and launches.csv together
        add_launch(data_dir, f"2024-02-{day}", vehicle, "failure", family="Chollima", state="KP")


def test_concurrent_writers_lose_no_row(data_dir: Path) -> None:
    """Two writers started together, ten times: every row of both arrives, and no orphan vehicle."""
    rounds = 10
    for i in range(rounds):
        start = CONTEXT.Event()
        day = f"{i + 1:02d}"
        writers = [
            CONTEXT.Process(target=_add, args=(data_dir, day, "Nuri", start)),
            CONTEXT.Process(target=_add, args=(data_dir, day, f"Chollima-X{i}", start)),
        ]
        for writer in writers:
            writer.start()
        start.set()
        for writer in writers:
            writer.join(60)
            assert writer.exitcode == 0
    history = load_history(data_dir)
    tags = set(history.launches["launch_tag"])
    for i in range(rounds):
        assert f"manual-2024-02-{i + 1:02d}-Nuri" in tags
        assert f"manual-2024-02-{i + 1:02d}-Chollima-X{i}" in tags
    assert set(history.vehicles["vehicle"]) <= set(history.launches["vehicle"])  # no orphan


def _add_with_file_limit(data_dir: Path, limit: int, errors: multiprocessing.Queue) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        add_launch(data_dir, "2024-05-27", "Chollima-2", "failure", family="Chollima", state="KP")
        errors.put("")
    except LaunchcastError as exc:
        errors.put(str(exc))


def test_a_full_disk_leaves_the_old_set_whole(data_dir: Path) -> None:
    """vehicles.csv (small) can be staged, launches.csv (~700 kB) cannot: nothing may change."""
    before = data_files(data_dir)
    errors: multiprocessing.Queue = CONTEXT.Queue()
    child = CONTEXT.Process(target=_add_with_file_limit, args=(data_dir, 100_000, errors))
    child.start()
    child.join(60)
    message = errors.get(timeout=5)
    assert "could not write the new data files" in message and "nothing was changed" in message
    assert data_files(data_dir) == before
    assert not (data_dir / datadir.STAGING_DIR).exists()


def test_a_crash_after_the_commit_point_is_rolled_forward(data_dir: Path) -> None:
    """A writer killed between its journal and its renames: readers see the new set whole,
    and the next writer finishes the change."""
    old_launches = (data_dir / "launches.csv").read_bytes()
    add_launch(data_dir, "2024-05-27", "Chollima-2", "failure", family="Chollima", state="KP")
    new = {name: (data_dir / name).read_bytes() for name in ("launches.csv", "vehicles.csv")}
    # Recreate the state a crash would leave: new vehicles.csv renamed in, launches.csv still staged.
    (data_dir / "launches.csv").write_bytes(old_launches)
    (data_dir / datadir.STAGING_DIR).mkdir()
    (data_dir / datadir.STAGING_DIR / "launches.csv").write_bytes(new["launches.csv"])
    (data_dir / datadir.JOURNAL_FILE).write_text(json.dumps(["launches.csv", "vehicles.csv"]))
    assert load_history(data_dir).vehicles.set_index("vehicle").loc["Chollima-2", "state"] == "KP"
    assert "manual-2024-05-27-Chollima-2" in set(load_history(data_dir).launches["launch_tag"])
    add_launch(data_dir, "2024-06-01", "Nuri", "success")
    assert not (data_dir / datadir.JOURNAL_FILE).exists()
    tags = list(load_history(data_dir).launches["launch_tag"])
    assert tags[-2:] == ["manual-2024-05-27-Chollima-2", "manual-2024-06-01-Nuri"]


def test_an_uncommitted_staging_is_dropped(data_dir: Path) -> None:
    """Staged files with no journal were never committed: readers ignore them, writers remove them."""
    before = data_files(data_dir)
    (data_dir / datadir.STAGING_DIR).mkdir()
    (data_dir / datadir.STAGING_DIR / "launches.csv").write_text("garbage")
    assert load_history(data_dir).n_launches == 6573
    add_launch(data_dir, "2024-06-01", "Nuri", "success")
    assert not (data_dir / datadir.STAGING_DIR).exists()
    assert data_files(data_dir)["vehicles.csv"] == before["vehicles.csv"]


def test_data_add_on_a_full_disk_is_one_line(data_dir: Path) -> None:
    """Before: a raw traceback, and vehicles.csv rewritten without its launch row."""
    import subprocess
    import sys

    from tests.conftest import REPO

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    before = data_files(data_dir)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "launchcast",
            "data",
            "add",
            "--time",
            "2024-05-27",
            "--vehicle",
            "Chollima-2",
            "--outcome",
            "failure",
            "--family",
            "Chollima",
            "--state",
            "KP",
            "--data-dir",
            str(data_dir),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limit,  # noqa: PLW1509
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "nothing was changed" in done.stderr
    assert data_files(data_dir) == before
