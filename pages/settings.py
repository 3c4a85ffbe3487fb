"""Settings: where the data lives and how Finboard is configured (never a secret)."""

import streamlit as st

from core.store import schema_version
from core.vault import key_file_mode
from dashboard.context import workspace

ws = workspace()
s = ws.settings
st.title("Settings")
st.caption("Change these with environment variables or .streamlit/secrets.toml (see the README), then restart.")

host = "built-in emulator (offline)" if s.is_offline else s.plaid_base_url
with ws.store.connect() as con:
    version = schema_version(con)
size_mb = s.db_path.stat().st_size / 1e6 if s.db_path.exists() else 0.0

st.subheader("Plaid")
st.dataframe(
    {
        "setting": ["Mode", "Host", "Products", "Countries", "History requested", "Webhook URL", "OAuth redirect URI"],
        "value": [
            s.mode,
            host,
            ", ".join(s.products),
            ", ".join(s.country_codes),
            f"{s.days_requested} days",
            ws.webhook_url or "not set",
            s.redirect_uri or "not set (OAuth banks need PLAID_REDIRECT_URI)",
        ],
    },
    hide_index=True,
)

st.subheader("Data")
st.dataframe(
    {
        "setting": ["Database", "Size", "Schema version", "Encryption key", "Who can open the dashboard"],
        "value": [
            str(s.db_path),
            f"{size_mb:,.1f} MB",
            str(version),
            "FINBOARD_KEY (environment)" if s.key else f"key file {s.key_file} ({key_file_mode(s.key_file)})",
            ("this computer only" if s.is_loopback else "your network") + f" (listening on {s.host})"
            + (", with the FINBOARD_PASSWORD login" if s.password else ""),
        ],
    },
    hide_index=True,
)
st.info(
    "Back up the database and its key together: without the key, stored bank connections cannot be used.",
    icon=":material/backup:",
)
