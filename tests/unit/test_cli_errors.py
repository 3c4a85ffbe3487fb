"""`finboard` on odd input: one line that names the fix, exit code 1 (2 for a usage error), never
"unexpected ..." and never a changed item status. Each case is from issue 12's list."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core import cli
from core.items import list_items
from core.store import Store
from tests.unit.sync_emulated import connect, emulator, env_for, workspace
from tests.worlds import small_world


def run(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.err.strip()


def one_line_without_surprise(message: str) -> None:
    assert message.startswith("finboard: ") and "\n" not in message, message
    assert "unexpected" not in message and "Traceback" not in message


@pytest.fixture
def store(db_env):
    return small_world(Store(db_env))


@pytest.fixture
def unwritable(tmp_path) -> Path:
    """A directory this process cannot create files in: mode 0555, or /sys when running as root."""
    directory = tmp_path / "read-only"
    directory.mkdir(mode=0o555)
    if os.geteuid() == 0:
        directory = Path("/sys")
    try:
        (directory / "probe").touch()
    except OSError:
        return directory
    pytest.skip(f"no unwritable directory to test with ({directory} is writable)")


def test_out_pointing_at_a_directory_is_a_usage_error(store, tmp_path, capsys):
    code, err = run(capsys, "export", "transactions", "--out", str(tmp_path))
    assert code == cli.EXIT_USAGE
    one_line_without_surprise(err)
    assert f"--out {tmp_path} is a directory; give a file name, e.g. --out {tmp_path}/transactions.csv" in err


@pytest.mark.parametrize("name", ["t.csv", "t.xlsx", "t.parquet", "sub/t.csv"])
def test_out_in_an_unwritable_directory(store, unwritable, capsys, name):
    out = unwritable / name
    code, err = run(capsys, "export", "transactions", "--out", str(out))
    assert code == cli.EXIT_FAILED
    one_line_without_surprise(err)
    assert f"Cannot write {out}:" in err and "Choose a file in a directory you can write to." in err


def test_out_below_a_file(store, tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    code, err = run(capsys, "export", "net-worth", "--out", str(tmp_path / "afile" / "missing" / "nw.csv"))
    assert code == cli.EXIT_FAILED
    one_line_without_surprise(err)
    assert f"{tmp_path / 'afile'} is a file, not a directory" in err


def test_out_in_a_missing_directory_creates_it(store, tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "t.xlsx"
    assert run(capsys, "export", "transactions", "--out", str(out))[0] == cli.EXIT_OK
    assert out.stat().st_size > 0


def test_database_in_an_unwritable_directory(unwritable, monkeypatch, capsys):
    for db in (unwritable / "f.duckdb", unwritable / "new" / "f.duckdb"):
        monkeypatch.setenv("FINBOARD_DB", str(db))
        code, err = run(capsys, "items")
        assert code == cli.EXIT_FAILED
        one_line_without_surprise(err)
        assert str(db.parent) in err and "FINBOARD_DB" in err


def test_database_below_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("FINBOARD_DB", str(tmp_path / "afile" / "f.duckdb"))
    code, err = run(capsys, "items")
    assert code == cli.EXIT_FAILED
    one_line_without_surprise(err)
    assert "is a file, not a directory" in err and "FINBOARD_DB" in err


@pytest.mark.parametrize("keep", [0, 4096, 0.5])
def test_a_truncated_database(store, db_env, tmp_path, monkeypatch, capsys, keep):
    data = db_env.read_bytes()
    cut = tmp_path / "cut" / "f.duckdb"
    cut.parent.mkdir()
    cut.write_bytes(data[: int(len(data) * keep) if isinstance(keep, float) else keep])
    monkeypatch.setenv("FINBOARD_DB", str(cut))
    for command in (["items"], ["sync"], ["export", "transactions", "--out", str(tmp_path / "t.csv")]):
        code, err = run(capsys, *command)
        assert code == cli.EXIT_FAILED, command
        one_line_without_surprise(err)
        assert str(cut) in err and ("damaged" in err or "not a Finboard database" in err)
        assert "point finboard_db at another file" in err.lower()
    assert cut.stat().st_size == len(data[: int(len(data) * keep) if isinstance(keep, float) else keep])


@pytest.mark.parametrize("what", ["net-worth", "balance-history", "bundle"])
def test_far_dates_are_refused_and_far_but_valid_ones_work(store, tmp_path, capsys, what):
    out = str(tmp_path / ("b.zip" if what == "bundle" else "x.csv"))
    extra = ["--no-images"] if what == "bundle" else []
    for dates in (["--to", "9999-12-31"], ["--from", "9999-12-01", "--to", "9999-12-31"], ["--from", "0001-01-01"]):
        code, err = run(capsys, "export", what, *dates, *extra, "--out", out)
        assert code == cli.EXIT_USAGE, dates
        assert "is outside the dates Finboard can chart (1900-01-01 to 2199-12-31)" in err
        one_line_without_surprise(err.splitlines()[0])
    code, _ = run(capsys, "export", what, "--from", "1900-01-01", "--to", "2199-12-31", *extra, "--out", out)
    assert code == cli.EXIT_OK


def test_a_wrong_key_during_sync_changes_no_status(tmp_path, monkeypatch, capsys):
    db = tmp_path / "data" / "finboard.duckdb"
    with emulator() as emu:
        ws = workspace(emu, db)
        ids = [connect(ws), connect(ws, "ins_109511")]
        for key, value in env_for(emu, db).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("FINBOARD_KEY", Fernet.generate_key().decode())
        code, err = run(capsys, "sync")
    assert code == cli.EXIT_FAILED
    one_line_without_surprise(err)
    assert "does not match the database" in err and "Nothing was changed." in err
    after = {i.item_id: (i.status, i.error_code, i.error_message, i.last_synced_at) for i in list_items(ws)}
    assert set(after) == set(ids)
    assert all(state == ("healthy", None, None, None) for state in after.values()), after


def test_any_other_file_problem_names_the_file_not_a_stack_trace(monkeypatch, capsys):
    def unwritable_version_file(args):
        raise PermissionError(13, "Permission denied", "/srv/data/finboard.duckdb.version.tmp")

    monkeypatch.setattr(cli, "cmd_items", unwritable_version_file)
    code, err = run(capsys, "items")
    assert code == cli.EXIT_FAILED
    one_line_without_surprise(err)
    assert "cannot use /srv/data/finboard.duckdb.version.tmp: Permission denied" in err and "FINBOARD_DB" in err
