"""One Finboard installation: its settings, database, vault and Plaid connection.

In offline mode the Plaid host is the built-in emulator, started in this process on a free
loopback port, with its state kept beside the database so tokens stay valid across restarts.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property

from core.config import Settings
from core.plaid_gateway import PlaidGateway
from core.store import Store
from core.vault import Vault, open_vault

# The keys Finboard uses offline; the embedded emulator accepts no others (INVALID_API_KEYS, as Plaid would).
OFFLINE_CLIENT_ID = "finboard-offline"
OFFLINE_SECRET = "finboard-offline"  # noqa: S105 - not a secret: it stands for one on this machine's emulator

# Set by `finboard run` for the dashboard it starts, so both use the emulator it owns.
EMULATOR_URL_ENV = "FINBOARD_EMULATOR_URL"

_emulator_lock = threading.Lock()
_emulator_urls: dict[str, str] = {}


class Workspace:
    """Lazily opens what each command needs: the store always, the vault and gateway on demand."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)

    @cached_property
    def vault(self) -> Vault:
        return open_vault(self.settings, self.store)

    @cached_property
    def gateway(self) -> PlaidGateway:
        s = self.settings
        if s.is_offline:
            return PlaidGateway(embedded_emulator_url(s), OFFLINE_CLIENT_ID, OFFLINE_SECRET)
        assert s.plaid_base_url and s.client_id and s.secret  # guaranteed by load_settings
        return PlaidGateway(s.plaid_base_url, s.client_id, s.secret)

    @property
    def webhook_url(self) -> str | None:
        """Where Plaid should POST webhooks: the configured URL, or the local receiver when offline."""
        if self.settings.webhook_url:
            return self.settings.webhook_url
        if self.settings.is_offline:
            return f"http://127.0.0.1:{self.settings.webhook_port}/plaid/webhook"
        return None

    @property
    def allows_sandbox_shortcuts(self) -> bool:
        """/sandbox/* endpoints exist on the emulator and Plaid's sandbox, never in production."""
        return self.settings.mode != "production"


def embedded_emulator_url(settings: Settings) -> str:
    """Start (once per process and data directory) the offline emulator; returns its URL."""
    if os.environ.get(EMULATOR_URL_ENV):
        return os.environ[EMULATOR_URL_ENV]
    from core.emulator import start_emulator  # imported late: only offline mode needs it

    key = str(settings.data_dir)
    with _emulator_lock:
        if key not in _emulator_urls:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            emulator = start_emulator(
                port=0,
                state_path=settings.data_dir / "emulator-state.json",
                credentials=(OFFLINE_CLIENT_ID, OFFLINE_SECRET),
            )
            _emulator_urls[key] = emulator.url
        return _emulator_urls[key]
