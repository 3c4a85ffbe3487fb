import stat

import pytest
from cryptography.fernet import Fernet

from core.config import load_settings
from core.store import Store
from core.vault import VaultKeyError, key_file_mode, open_vault, rotate_key


def make(tmp_path, **env):
    s = load_settings({"FINBOARD_DB": str(tmp_path / "fb.duckdb"), **env}, secrets_path=tmp_path / "none.toml")
    return s, Store(s.db_path)


def store_token(store, vault, item_id="item-1", token="access-sandbox-secret"):
    with store.connect() as con:
        con.execute("INSERT INTO item_tokens VALUES (?, ?)", [item_id, vault.encrypt(token)])


def tokens(store):
    with store.connect() as con:
        return dict(con.execute("SELECT item_id, access_token_enc FROM item_tokens").fetchall())


def test_new_database_gets_a_private_key_file_and_encrypts(tmp_path):
    s, store = make(tmp_path)
    vault = open_vault(s, store)
    assert stat.S_IMODE(s.key_file.stat().st_mode) == 0o600
    store_token(store, vault)
    ciphertext = tokens(store)["item-1"]
    assert "access-sandbox-secret" not in ciphertext
    assert open_vault(s, store).decrypt(ciphertext) == "access-sandbox-secret"
    assert b"access-sandbox-secret" not in s.db_path.read_bytes()


def test_wrong_key_is_refused_and_nothing_changes(tmp_path):
    s, store = make(tmp_path)
    store_token(store, open_vault(s, store))
    before = tokens(store)
    key_before = s.key_file.read_bytes()
    wrong, _ = make(tmp_path, FINBOARD_KEY=Fernet.generate_key().decode())
    with pytest.raises(VaultKeyError, match="does not match"):
        open_vault(wrong, store)
    assert tokens(store) == before and s.key_file.read_bytes() == key_before


def test_missing_key_file_for_existing_data_is_refused_not_replaced(tmp_path):
    s, store = make(tmp_path)
    store_token(store, open_vault(s, store))
    s.key_file.unlink()
    with pytest.raises(VaultKeyError, match=r"key file .* is missing"):
        open_vault(s, store)
    assert not s.key_file.exists()  # no new key was invented over existing data


def test_malformed_key(tmp_path):
    s, store = make(tmp_path, FINBOARD_KEY="not-a-key")
    with pytest.raises(VaultKeyError, match="malformed"):
        open_vault(s, store)


def test_rotate_key_reencrypts_everything(tmp_path):
    s, store = make(tmp_path)
    vault = open_vault(s, store)
    store_token(store, vault, "a", "tok-a")
    store_token(store, vault, "b", "tok-b")
    old_key = s.key_file.read_bytes()
    assert rotate_key(s, store) == 2
    assert s.key_file.read_bytes() != old_key
    assert stat.S_IMODE(s.key_file.stat().st_mode) == 0o600
    fresh = open_vault(s, store)
    assert {k: fresh.decrypt(v) for k, v in tokens(store).items()} == {"a": "tok-a", "b": "tok-b"}


def test_rotation_interrupted_before_rename_recovers(tmp_path):
    s, store = make(tmp_path)
    store_token(store, open_vault(s, store))
    rotate_key(s, store)
    # Simulate a crash after the commit but before the pending key replaced the key file.
    new_key = s.key_file.read_bytes()
    pending = s.key_file.with_name(s.key_file.name + ".new")
    pending.write_bytes(new_key)
    pending.chmod(0o600)  # as rotate_key wrote it
    s.key_file.write_bytes(Fernet.generate_key())
    vault = open_vault(s, store)
    assert vault.decrypt(tokens(store)["item-1"]) == "access-sandbox-secret"
    assert s.key_file.read_bytes() == new_key and not pending.exists()


def test_rotation_with_env_key_leaves_the_new_key_in_a_private_file(tmp_path):
    key = Fernet.generate_key().decode()
    s, store = make(tmp_path, FINBOARD_KEY=key)
    store_token(store, open_vault(s, store))
    rotate_key(s, store)
    pending = s.key_file.with_name(s.key_file.name + ".new")
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    with pytest.raises(VaultKeyError, match="key was rotated"):
        open_vault(s, store)
    rotated, _ = make(tmp_path, FINBOARD_KEY=pending.read_text().strip())
    assert open_vault(rotated, store).decrypt(tokens(store)["item-1"]) == "access-sandbox-secret"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660])
def test_a_key_file_open_to_other_users_is_refused_like_ssh(tmp_path, mode):
    s, store = make(tmp_path)
    store_token(store, open_vault(s, store))
    s.key_file.chmod(mode)
    with pytest.raises(VaultKeyError, match=rf"mode 0{mode:o}\).*chmod 600 {s.key_file}"):
        open_vault(s, store)
    assert key_file_mode(s.key_file) == f"mode 0{mode:o}, refused: open to other users (run chmod 600 {s.key_file})"
    s.key_file.chmod(0o600)
    assert open_vault(s, store) and key_file_mode(s.key_file) == "mode 0600"


def test_a_pending_key_open_to_other_users_is_refused_too(tmp_path):
    s, store = make(tmp_path)
    store_token(store, open_vault(s, store))
    pending = s.key_file.with_name(s.key_file.name + ".new")
    pending.write_bytes(Fernet.generate_key())
    pending.chmod(0o644)
    with pytest.raises(VaultKeyError, match="chmod 600"):
        open_vault(s, store)


def test_settings_reports_a_missing_key_file(tmp_path):
    assert key_file_mode(tmp_path / "nope.key") == "missing"
