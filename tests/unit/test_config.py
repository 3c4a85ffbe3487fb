from pathlib import Path

import pytest

from core.config import DEFAULT_DB, DEFAULT_SECRETS, default_locations, load_settings
from core.errors import ConfigError

NO_SECRETS = Path("/nonexistent/secrets.toml")


def settings(env, secrets=NO_SECRETS):
    return load_settings(env, secrets_path=secrets)


def test_no_keys_means_offline_with_the_default_database():
    s = settings({})
    assert s.mode == "offline"
    assert s.plaid_base_url is None
    assert s.db_path == DEFAULT_DB
    assert s.key_file == DEFAULT_DB.with_suffix(".key")
    assert s.days_requested == 730 and s.products == ("transactions", "auth", "identity")


def test_sandbox_and_production_hosts():
    base = {"PLAID_CLIENT_ID": "id", "PLAID_SECRET": "sec"}
    assert settings({**base, "PLAID_ENV": "sandbox"}).plaid_base_url == "https://sandbox.plaid.com"
    prod = settings({**base, "PLAID_ENV": "Production"})
    assert prod.mode == "production" and prod.plaid_base_url == "https://production.plaid.com"


def test_base_url_overrides_the_host():
    s = settings(
        {"PLAID_CLIENT_ID": "id", "PLAID_SECRET": "s", "PLAID_ENV": "sandbox", "PLAID_BASE_URL": "http://127.0.0.1:9/"}
    )
    assert s.mode == "sandbox" and s.plaid_base_url == "http://127.0.0.1:9"


def test_secrets_never_appear_in_repr():
    s = settings(
        {"PLAID_CLIENT_ID": "id-123", "PLAID_SECRET": "top-secret", "PLAID_ENV": "sandbox", "FINBOARD_KEY": "k" * 44}
    )
    assert "top-secret" not in repr(s) and "id-123" not in repr(s) and "k" * 44 not in repr(s)


def test_env_wins_over_the_secrets_file(tmp_path):
    f = tmp_path / "secrets.toml"
    f.write_text('PLAID_CLIENT_ID = "file-id"\nPLAID_SECRET = "file-secret"\nPLAID_ENV = "sandbox"\nOTHER = 1\n')
    s = settings({"PLAID_ENV": "production"}, f)
    assert s.mode == "production" and s.client_id == "file-id"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"PLAID_CLIENT_ID": "id"}, "PLAID_SECRET is not"),
        ({"PLAID_SECRET": "s"}, "PLAID_CLIENT_ID is not"),
        ({"PLAID_CLIENT_ID": "id", "PLAID_SECRET": "s"}, "PLAID_ENV is not"),
        ({"PLAID_CLIENT_ID": "id", "PLAID_SECRET": "s", "PLAID_ENV": "development"}, "Use PLAID_ENV=sandbox"),
        ({"PLAID_BASE_URL": "http://x"}, "PLAID_SECRET are not"),
        (
            {"PLAID_CLIENT_ID": "i", "PLAID_SECRET": "s", "PLAID_ENV": "sandbox", "PLAID_BASE_URL": "ftp:x"},
            "not an http",
        ),
        ({"PLAID_DAYS_REQUESTED": "900"}, "outside 1-730"),
        ({"PLAID_DAYS_REQUESTED": "lots"}, "not a whole number"),
        ({"PLAID_PRODUCTS": "auth"}, "needs 'transactions'"),
        ({"PLAID_COUNTRY_CODES": "USA"}, "two-letter"),
    ],
)
def test_half_configured_states_name_the_fix(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        settings(env)


def test_malformed_secrets_file_is_a_clear_error(tmp_path):
    f = tmp_path / "secrets.toml"
    f.write_text("PLAID_CLIENT_ID = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        settings({}, f)


def test_unreadable_secrets_file_is_a_clear_error(tmp_path):
    f = tmp_path / "secrets.toml"
    f.mkdir()  # reading a directory fails like an unreadable file, even as root
    with pytest.raises(ConfigError, match="Cannot read"):
        settings({}, f)


def test_db_path_pointing_at_a_directory(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        settings({"FINBOARD_DB": str(tmp_path)})


def test_a_checkout_keeps_data_in_data_and_secrets_in_dot_streamlit():
    root = Path(__file__).resolve().parents[2]
    assert default_locations(root) == (root / "data" / "finboard.duckdb", root / ".streamlit" / "secrets.toml")
    assert default_locations(root) == (DEFAULT_DB, DEFAULT_SECRETS)  # this test runs in a checkout


def test_an_installed_copy_uses_the_user_directories_never_site_packages(tmp_path, monkeypatch):
    site_packages = tmp_path / "lib" / "python3.11" / "site-packages"  # core/ lives here, no pyproject.toml
    site_packages.mkdir(parents=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    db, secrets = default_locations(site_packages)
    assert db == tmp_path / "share" / "finboard" / "finboard.duckdb"
    assert secrets == tmp_path / "config" / "finboard" / "secrets.toml"
