"""Access tokens (and account numbers) encrypted at rest with Fernet.

The key comes from FINBOARD_KEY, else from a key file beside the database (mode 0600,
created with the database). A canary row in the database catches a wrong key before
anything is written; a missing or wrong key is an error that names the fix and never
replaces the key or touches the data.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
from cryptography.fernet import Fernet, InvalidToken

from core.config import Settings
from core.errors import FinboardError
from core.store import Store

CANARY = "finboard-vault-check"


class VaultKeyError(FinboardError):
    """The key is missing, malformed or not the one this database was encrypted with."""


class Vault:
    """Encrypts and decrypts short secrets with one Fernet key."""

    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise VaultKeyError(
                "The encryption key is malformed: a Fernet key is 44 URL-safe base64 characters. "
                "Check FINBOARD_KEY (or the key file) for truncation or stray characters."
            ) from None

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise VaultKeyError(
                "A stored secret cannot be decrypted with the current key. Set FINBOARD_KEY (or "
                "restore the key file) to the key this database was created with."
            ) from None

    def __repr__(self) -> str:
        return "Vault(<key hidden>)"


def open_vault(settings: Settings, store: Store) -> Vault:
    """The vault for this database: checks the key against the canary, creating both when new."""
    with store.connect() as con:
        canary = _canary(con)
        if canary is None:
            vault = Vault(_key_for_new_database(settings))
            con.execute("INSERT INTO vault_check VALUES (1, ?)", [vault.encrypt(CANARY)])
            return vault
    return _vault_opening(canary, settings)


def rotate_key(settings: Settings, store: Store) -> int:
    """Re-encrypt every secret under a fresh key in one transaction; returns how many were re-encrypted.

    The new key is written to `<key file>.new` before the transaction and renamed over the key
    file after it commits; `open_vault` finishes an interrupted rotation, so a crash at any point
    leaves a key that opens the data.
    """
    old = open_vault(settings, store)
    new_key = Fernet.generate_key()
    new = Vault(new_key)
    pending = _pending_file(settings)
    _write_private(pending, new_key)
    count = 0
    with store.transaction() as con:
        for table, key_cols, enc_cols in ENCRYPTED_COLUMNS:
            rows = con.execute(f"SELECT {', '.join(key_cols + enc_cols)} FROM {table}").fetchall()
            for row in rows:
                keys, secrets = row[: len(key_cols)], row[len(key_cols) :]
                fresh = [None if s is None else new.encrypt(old.decrypt(s)) for s in secrets]
                where = " AND ".join(f"{c} = ?" for c in key_cols)
                sets = ", ".join(f"{c} = ?" for c in enc_cols)
                con.execute(f"UPDATE {table} SET {sets} WHERE {where}", [*fresh, *keys])
                count += sum(s is not None for s in secrets)
        con.execute("UPDATE vault_check SET canary_enc = ? WHERE id = 1", [new.encrypt(CANARY)])
    if settings.key:
        # The old key came from the environment: the person must update it themselves. Never print it.
        return count
    os.replace(pending, settings.key_file)
    return count


# (table, primary-key columns, encrypted columns): every place a secret is stored.
ENCRYPTED_COLUMNS: list[tuple[str, list[str], list[str]]] = [
    ("item_tokens", ["item_id"], ["access_token_enc"]),
    ("account_numbers", ["account_id", "scheme"], ["account_enc", "routing_enc", "wire_routing_enc"]),
]


def _canary(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT canary_enc FROM vault_check WHERE id = 1").fetchone()
    return str(row[0]) if row else None


def _opens(vault: Vault, canary: str) -> bool:
    try:
        return vault.decrypt(canary) == CANARY
    except VaultKeyError:
        return False


def _pending_file(settings: Settings) -> Path:
    return settings.key_file.with_name(settings.key_file.name + ".new")


def _vault_opening(canary: str, settings: Settings) -> Vault:
    """The vault whose key opens the canary, finishing or discarding an interrupted rotation."""
    pending = _pending_file(settings)
    pending_key = read_key_file(pending) if pending.exists() else None
    if settings.key:
        vault = Vault(settings.key)
        if _opens(vault, canary):
            return vault
        if pending_key and _opens(Vault(pending_key), canary):
            raise VaultKeyError(
                f"The key was rotated: set FINBOARD_KEY to the new key stored in {pending}, then "
                "delete that file. Nothing was changed."
            )
        raise _wrong_key("FINBOARD_KEY", settings)
    path = settings.key_file
    if path.exists():
        vault = Vault(read_key_file(path))
        if _opens(vault, canary):
            pending.unlink(missing_ok=True)  # a rotation that never committed
            return vault
    if pending_key and _opens(Vault(pending_key), canary):
        os.replace(pending, path)  # a rotation committed but stopped before the rename
        return Vault(pending_key)
    if not path.exists():
        raise VaultKeyError(
            f"The database {settings.db_path} holds encrypted tokens but its key file {path} is "
            "missing. Restore the key file, or set FINBOARD_KEY to the key. Nothing was changed."
        )
    raise _wrong_key(f"the key file {path}", settings)


def _wrong_key(source: str, settings: Settings) -> VaultKeyError:
    return VaultKeyError(
        f"The encryption key from {source} does not match the database {settings.db_path}. "
        "Set FINBOARD_KEY to the key this database was created with (or restore its key file). "
        "Nothing was changed."
    )


def _key_for_new_database(settings: Settings) -> str | bytes:
    if settings.key:
        return settings.key
    if settings.key_file.exists():
        return read_key_file(settings.key_file)
    key = Fernet.generate_key()
    _write_private(settings.key_file, key)
    return key


def read_key_file(path: Path) -> bytes:
    """A key file's key, refused (as ssh refuses a private key) when group or others may read or write it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise VaultKeyError(
            f"The key file {path} is open to other users (mode {mode:04o}): anyone who can read it can decrypt your "
            f"bank tokens. Run `chmod 600 {path}` and start again. Nothing was changed."
        )
    return path.read_bytes().strip()


def key_file_mode(path: Path) -> str:
    """What Settings says about the key file: its real mode, or that it is missing."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return "missing"
    verdict = "" if not mode & 0o077 else f", refused: open to other users (run chmod 600 {path})"
    return f"mode {mode:04o}{verdict}"


def _write_private(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key + b"\n")
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
