import subprocess
import sys
import threading
import time

import duckdb
import pytest

from core.store import LATEST_VERSION, Store, StoreBusy, StoreError, migrate, schema_version


def test_new_file_is_created_at_the_latest_version(tmp_path):
    store = Store(tmp_path / "fb.duckdb")
    with store.connect() as con:
        assert schema_version(con) == LATEST_VERSION
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"items", "accounts", "transactions", "balance_history"} <= names


def test_an_older_file_migrates_forward_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    assert migrate(con, target=1) == 1
    con.execute("INSERT INTO items (item_id, institution_name) VALUES ('item-1', 'Old Bank')")
    con.close()
    with Store(path).connect() as con:
        assert schema_version(con) == LATEST_VERSION
        assert con.execute("SELECT institution_name FROM items").fetchall() == [("Old Bank",)]
        assert con.execute("SELECT count(*) FROM account_numbers").fetchone() == (0,)


def test_a_failing_migration_leaves_the_file_at_its_old_version(tmp_path, monkeypatch):
    import core.store as store_module

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=1)
    con.close()
    real = store_module.migrations()
    broken = [*real[:-1], store_module.Migration(real[-1].version, "broken", real[-1].sql + ";\nSELECT nonsense_fn();")]
    monkeypatch.setattr(store_module, "migrations", lambda: broken)
    with pytest.raises(duckdb.Error), Store(path).connect():
        pass
    con = duckdb.connect(str(path))
    assert schema_version(con) == 1
    assert con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'account_numbers'"
    ).fetchone() == (0,)


def test_a_newer_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "new.duckdb"
    with Store(path).connect() as con:
        con.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    with pytest.raises(StoreError, match="newer Finboard"), Store(path).connect():
        pass


def test_not_a_database_file_is_a_clear_error_and_untouched(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a Finboard database"), Store(path).connect():
        pass
    assert path.read_text().startswith("these are my notes")


HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1]); print("locked", flush=True); time.sleep(float(sys.argv[2])); con.close()
"""


def _hold_lock(path, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_waits_for_another_process_then_proceeds(tmp_path):
    path = tmp_path / "fb.duckdb"
    Store(path).connect().__enter__().close()
    proc = _hold_lock(path, 0.8)
    started = time.monotonic()
    with Store(path).connect() as con:
        assert con.execute("SELECT 1").fetchone() == (1,)
    assert time.monotonic() - started >= 0.3  # it really waited for the other process
    proc.wait()


def test_gives_up_with_a_person_readable_message(tmp_path):
    path = tmp_path / "fb.duckdb"
    Store(path).connect().__enter__().close()
    proc = _hold_lock(path, 5)
    try:
        with pytest.raises(StoreBusy) as info, Store(path, lock_timeout=0.5).connect():
            pass
        assert "busy" in str(info.value) and "could not set lock" not in str(info.value).lower()
    finally:
        proc.kill()


def test_threads_in_one_process_share_the_file(tmp_path):
    store = Store(tmp_path / "fb.duckdb")
    errors = []

    def work(n):
        try:
            for _ in range(20):
                with store.transaction() as con:
                    con.execute("INSERT INTO items (item_id) VALUES (?)", [f"item-{n}-{time.monotonic_ns()}"])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM items").fetchone() == (80,)


def test_data_version_increases(tmp_path):
    store = Store(tmp_path / "fb.duckdb")
    assert store.data_version() == 0
    first = store.bump_data_version()
    assert store.bump_data_version() > first == first
