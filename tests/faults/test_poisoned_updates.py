"""An upstream that lies, trickles or sends garbage, against `launchcast data update` and
`launchcast refit --update` run as real processes on a real loopback HTTP server.

What must hold: the data is byte-identical after a refused update, the refusal names
its bound and how to accept the change, the attempt is in ``updates.jsonl``, a refit
goes on with the data it has, and nothing oversized lands in a log.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, data_files
from tests.gcat_server import LAUNCH, ORGS, GcatServer, gcat_launch_row, newer_gcat


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA, tmp_path / "data"))


def launchcast(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launchcast", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
        timeout=timeout,
        check=False,
    )


def update(
    server: GcatServer, data: Path, tmp_path: Path, *extra: str, **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {"LAUNCHCAST_REGISTRY_DIR": str(tmp_path / "registry"), "LAUNCHCAST_GCAT_RETRIES": "0", **settings}
    return launchcast("data", "update", "--url", server.url, "--data-dir", str(data), *extra, env=env)


def fabricated(files: dict[str, bytes], rows: int) -> dict[str, bytes]:
    """Well-formed, made-up Falcon 9 launches dated 2024 (the fault round sent 10⁶)."""
    made_up = "".join(
        gcat_launch_row(
            f"2024-X{i:07d}", 2460310.5 + i / 1e4, "2024 Jan  1 1200", "Falcon 9", "SPX", "OS", site="CCSFS"
        )
        for i in range(rows)
    )
    return {**files, LAUNCH: files[LAUNCH] + made_up.encode()}


def test_fabricated_launches_are_refused_and_change_nothing(
    data_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Before: 10⁶ made-up Falcon 9 rows were taken in ("added 1000002"), and the next refit
    would fit on them. Now: a year over 3× the busiest is refused, by name, before the file
    is read to its end; --accept-large-change is the operator's way through."""
    before = data_files(data_dir)
    server = GcatServer(fabricated(newer_gcat(shared_data), 100_000))
    with server.running():
        refused = update(server, data_dir, tmp_path)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "more than 669 orbital launches in 2024" in refused.stderr
        assert "--accept-large-change" in refused.stderr and "Traceback" not in refused.stderr
        assert data_files(data_dir) == before
        log = [
            json.loads(line) for line in (tmp_path / "registry" / "updates.jsonl").read_text().splitlines()
        ]
        assert log[-1]["outcome"] == "failed" and "implausible" in log[-1]["reason"]
        server.files = fabricated(newer_gcat(shared_data), 700)
        accepted = update(server, data_dir, tmp_path, "--accept-large-change")
        assert accepted.returncode == 0, accepted.stderr
        assert "added 702 launch(es)" in accepted.stdout


def test_an_orgs_table_that_moves_a_state_is_refused_and_reported(
    data_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Before: an orgs.tsv placing North Korea's operator in the US silently "corrected" 8
    launches from KP to US. Now: refused, naming the operator, the states and the count."""
    files = newer_gcat(shared_data)
    orgs = files[ORGS].decode().splitlines(keepends=True)
    for i, line in enumerate(orgs):
        fields = line.split("\t")
        if fields[0].strip() == "KCST":
            fields[2] = "US"
            orgs[i] = "\t".join(fields)
    files[ORGS] = "".join(orgs).encode()
    before = data_files(data_dir)
    server = GcatServer(files)
    with server.running():
        refused = update(server, data_dir, tmp_path)
    assert refused.returncode == 1
    assert "launches moved to another state: " in refused.stderr
    assert "7 launch(es) of KCST: KP → US" in refused.stderr
    assert data_files(data_dir) == before


def test_a_trickling_server_meets_the_download_deadline(
    data_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Before: a server sending a byte a second was never timed out (the read timeout is per
    read), and inside `refit --update` the refit lock stayed held. Now: an overall deadline,
    one line, and the refit goes on with the data it has."""
    server = GcatServer(newer_gcat(shared_data))
    server.faults[LAUNCH].extend(["trickle"] * 3)
    with server.running():
        started = time.monotonic()
        done = update(server, data_dir, tmp_path, LAUNCHCAST_GCAT_DEADLINE_SECONDS="2")
        took = time.monotonic() - started
        assert done.returncode == 1 and took < 30, took
        assert "the download took longer than 2 s" in done.stderr and "trickling" in done.stderr
        env = {
            "LAUNCHCAST_REGISTRY_DIR": str(tmp_path / "registry"),
            "LAUNCHCAST_GCAT_RETRIES": "0",
            "LAUNCHCAST_GCAT_DEADLINE_SECONDS": "2",
            "LAUNCHCAST_TRACK_RECORD": "false",
        }
        refit = launchcast(
            "refit",
            "--update",
            "--url",
            server.url,
            "--model",
            "laplace",
            "--data-dir",
            str(data_dir),
            env=env,
        )
    assert refit.returncode == 0, refit.stdout + refit.stderr
    assert "update: failed:" in refit.stdout and "promoted" in refit.stdout


def test_invalid_utf8_is_one_logged_line_and_the_refit_goes_on(
    data_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Before: a traceback, no updates.jsonl entry, `refit --update` aborted, and a 1.5 MB
    refit-log entry. Now: one line naming the line, recorded, and the refit fits the data it has."""
    files = newer_gcat(shared_data)
    files[LAUNCH] = files[LAUNCH].replace(b"NIIP-5", b"NIIP-\xff\xfe5", 1)
    server = GcatServer(files)
    env = {
        "LAUNCHCAST_REGISTRY_DIR": str(tmp_path / "registry"),
        "LAUNCHCAST_GCAT_RETRIES": "0",
        "LAUNCHCAST_TRACK_RECORD": "false",
    }
    with server.running():
        refit = launchcast(
            "refit",
            "--update",
            "--url",
            server.url,
            "--model",
            "laplace",
            "--data-dir",
            str(data_dir),
            env=env,
        )
    assert refit.returncode == 0, refit.stdout + refit.stderr
    assert "launch.tsv, line 3: not UTF-8 text" in refit.stdout and "Traceback" not in refit.stdout
    log = (tmp_path / "registry" / "updates.jsonl").read_text().splitlines()
    assert "not UTF-8" in json.loads(log[-1])["reason"]
    entries = (tmp_path / "registry" / "refits.jsonl").read_text().splitlines()
    assert json.loads(entries[-1])["outcome"] == "promoted"
    assert max(len(line) for line in entries) < 5000


def test_a_hostile_launch_list_is_refused_in_bounded_memory(
    data_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Before: 10⁶ garbage rows peaked at 1.5 GB of RSS before being refused. Now the reader
    streams the file and stops at the first implausible year: the process stays small."""
    files = fabricated(newer_gcat(shared_data), 1_000_000)
    source = tmp_path / "launch.tsv"
    source.write_bytes(files[LAUNCH])
    code = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'launchcast', 'data', 'ingest-gcat', sys.argv[1],"
        " '--data-dir', sys.argv[2]], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
        "print(done.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(source), str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    status, peak_mb = map(int, done.stdout.split("\n", 1)[0].split())
    assert status == 1 and "implausible" in done.stdout
    assert peak_mb < 400, f"peak RSS {peak_mb} MB"


def test_a_nul_in_a_hand_entered_field_is_refused(data_dir: Path, tmp_path: Path) -> None:
    """Before: a NUL byte in the site field was accepted. Now: refused, naming the option and the
    character (GCAT's rows with one are refused by line and column in validation)."""
    before = data_files(data_dir)
    done = launchcast(
        "data",
        "add",
        "--time",
        "2023-12-31T10:00Z",
        "--vehicle",
        "Nuri",
        "--outcome",
        "success",
        "--site",
        "NARO\x01",
        "--data-dir",
        str(data_dir),
        env={"LAUNCHCAST_TRACK_RECORD": "false"},
    )
    assert done.returncode == 1
    assert "--site holds the control character U+0001" in done.stderr
    assert data_files(data_dir) == before


def test_a_tag_on_two_rows_is_refused_not_taken_as_a_correction(
    data_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Before: a launch list with one tag on two rows passed, the second as a "correction" of
    the first. Now it is refused, naming both lines, and the data is unchanged."""
    files = newer_gcat(shared_data)
    lines = files[LAUNCH].decode().splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("2023-001 "))
    lines.append(lines[row].replace("OS", "OF", 1))
    source = tmp_path / "launch.tsv"
    source.write_text("".join(lines))
    before = data_files(data_dir)
    done = launchcast("data", "ingest-gcat", str(source), "--data-dir", str(data_dir), env={})
    assert done.returncode == 1
    assert f"launch tag '2023-001' is on line {row + 1} and on line {len(lines)}" in done.stderr
    assert data_files(data_dir) == before
