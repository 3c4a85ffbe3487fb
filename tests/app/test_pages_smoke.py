"""Every page renders without an exception (AppTest), empty or with data."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "dashboard" / "app.py")
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def run_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"../pages/{page}")
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_an_empty_database(db_env, page):
    at = run_page(page)
    assert not at.exception, at.exception
    assert at.title, "every page has a title"


def test_overview_empty_state_offers_the_demo_bank(db_env):
    at = run_page("overview.py")
    assert any("No bank connected" in i.value for i in at.info)
    assert any(b.label == "Load demo bank" for b in at.button)


def test_mode_banner_says_offline(db_env):
    at = run_page("overview.py")
    assert any("Offline mode" in c.value for c in at.sidebar.caption)


def test_configuration_error_is_a_message_not_a_stack_trace(db_env, monkeypatch):
    monkeypatch.setenv("PLAID_CLIENT_ID", "only-the-id")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("PLAID_SECRET is not" in e.value for e in at.error)


def test_settings_shows_the_key_files_real_mode(db_env):
    from core.config import load_settings
    from core.store import Store
    from core.vault import open_vault

    settings = load_settings()
    open_vault(settings, Store(settings.db_path))  # creates the key file (0600)
    settings.key_file.chmod(0o640)
    at = run_page("settings.py")
    shown = " ".join(str(v) for frame in at.dataframe for v in frame.value["value"])
    assert f"key file {settings.key_file} (mode 0640, refused: open to other users (run chmod 600" in shown
    settings.key_file.chmod(0o600)
    at = run_page("settings.py")
    assert f"key file {settings.key_file} (mode 0600)" in " ".join(
        str(v) for frame in at.dataframe for v in frame.value["value"]
    )


def test_with_a_password_the_sidebar_offers_log_out(db_env, monkeypatch):
    monkeypatch.setenv("FINBOARD_PASSWORD", "pw")
    at = run_page("overview.py")
    assert any("/finboard/logout" in h.proto.body for h in at.sidebar.get("html"))
