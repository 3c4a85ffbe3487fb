"""Settings from environment variables and .streamlit/secrets.toml (env wins), as one typed object."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from core.errors import ConfigError
from core.products import linkable

Mode = Literal["offline", "sandbox", "production"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "data" / "finboard.duckdb"
DEFAULT_SECRETS = PROJECT_ROOT / ".streamlit" / "secrets.toml"

PLAID_HOSTS = {
    "sandbox": "https://sandbox.plaid.com",
    "production": "https://production.plaid.com",
}
KNOWN_PRODUCTS = linkable()  # the products Link may ask for, as their modules in core/products declare

# Every key Finboard reads; .streamlit/secrets.toml.example documents each one.
KEYS = (
    "PLAID_CLIENT_ID",
    "PLAID_SECRET",
    "PLAID_ENV",
    "PLAID_BASE_URL",
    "PLAID_WEBHOOK_URL",
    "PLAID_REDIRECT_URI",
    "PLAID_PRODUCTS",
    "PLAID_COUNTRY_CODES",
    "PLAID_DAYS_REQUESTED",
    "FINBOARD_DB",
    "FINBOARD_KEY",
    "FINBOARD_WEBHOOK_PORT",
    "FINBOARD_HOST",
    "FINBOARD_PASSWORD",
    "FINBOARD_ALLOWED_HOSTS",
)
LOOPBACK = "127.0.0.1"
# Every Finboard process runs with this umask: what it creates (database, WAL, key, exports, staging files and
# their directories) is the owner's alone, 0600 and 0700. Directories it did not create keep their mode.
PRIVATE_UMASK = 0o077
# A name in FINBOARD_ALLOWED_HOSTS: a DNS name (optionally "*." for its subdomains) or a bracketed IPv6 literal.
_HOST_NAME = re.compile(r"(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*|\[[0-9a-f:.]+\]")


@dataclass(frozen=True)
class Settings:
    """Everything Finboard is configured with. Secrets are kept out of repr()."""

    mode: Mode
    db_path: Path
    plaid_base_url: str | None  # None in offline mode: the embedded emulator picks its own port
    client_id: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    key: str | None = field(default=None, repr=False)
    webhook_url: str | None = None
    redirect_uri: str | None = None
    products: tuple[str, ...] = KNOWN_PRODUCTS
    country_codes: tuple[str, ...] = ("US",)
    days_requested: int = 730
    webhook_port: int = 8599
    host: str = LOOPBACK  # the dashboard's listening address; anything but loopback needs `password`
    password: str | None = field(default=None, repr=False)  # FINBOARD_PASSWORD: a login before every page
    allowed_hosts: tuple[str, ...] = ()  # extra names the dashboard answers to (a reverse proxy's)

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.host).is_loopback

    @property
    def key_file(self) -> Path:
        """The key file beside the database, used when FINBOARD_KEY is not set."""
        return self.db_path.with_suffix(".key")

    @property
    def data_dir(self) -> Path:
        return self.db_path.parent

    @property
    def is_offline(self) -> bool:
        return self.mode == "offline"


def load_settings(env: Mapping[str, str] | None = None, secrets_path: Path | None = None) -> Settings:
    """Read settings: environment first, then the secrets file. Raises ConfigError naming the fix."""
    env = os.environ if env is None else env
    path = secrets_path or Path(env.get("FINBOARD_SECRETS") or DEFAULT_SECRETS)
    values = {**_read_secrets_file(path), **{k: env[k] for k in KEYS if env.get(k)}}
    values = {k: v.strip() for k, v in values.items() if v.strip()}

    client_id, secret = values.get("PLAID_CLIENT_ID"), values.get("PLAID_SECRET")
    if bool(client_id) != bool(secret):
        have, missing = ("PLAID_CLIENT_ID", "PLAID_SECRET") if client_id else ("PLAID_SECRET", "PLAID_CLIENT_ID")
        raise ConfigError(
            f"{have} is set but {missing} is not. Set both (from the Plaid dashboard, Team Settings "
            f"> Keys) to use Plaid, or unset both to run offline with the built-in emulator."
        )

    mode: Mode = "offline"
    base_url = values.get("PLAID_BASE_URL")
    plaid_env = values.get("PLAID_ENV", "").lower()
    if plaid_env and plaid_env not in PLAID_HOSTS:
        raise ConfigError(
            f"PLAID_ENV={values['PLAID_ENV']!r} is not a Plaid environment. "
            "Use PLAID_ENV=sandbox or PLAID_ENV=production."
        )
    if client_id:
        if not plaid_env:
            raise ConfigError("Plaid keys are set but PLAID_ENV is not. Set PLAID_ENV=sandbox or PLAID_ENV=production.")
        mode = "sandbox" if plaid_env == "sandbox" else "production"
        base_url = _check_url("PLAID_BASE_URL", base_url) if base_url else PLAID_HOSTS[plaid_env]
    elif base_url:
        raise ConfigError(
            "PLAID_BASE_URL is set but PLAID_CLIENT_ID and PLAID_SECRET are not. Set the keys too, "
            "or unset PLAID_BASE_URL to run offline with the built-in emulator."
        )

    return Settings(
        mode=mode,
        db_path=_db_path(values.get("FINBOARD_DB")),
        plaid_base_url=base_url,
        client_id=client_id,
        secret=secret,
        key=values.get("FINBOARD_KEY"),
        webhook_url=_optional_url("PLAID_WEBHOOK_URL", values),
        redirect_uri=_optional_url("PLAID_REDIRECT_URI", values),
        products=_products(values.get("PLAID_PRODUCTS")),
        country_codes=_country_codes(values.get("PLAID_COUNTRY_CODES")),
        days_requested=_int_in_range("PLAID_DAYS_REQUESTED", values, 730, 1, 730),
        webhook_port=_int_in_range("FINBOARD_WEBHOOK_PORT", values, 8599, 1, 65535),
        host=check_host("FINBOARD_HOST", values.get("FINBOARD_HOST", LOOPBACK)),
        password=values.get("FINBOARD_PASSWORD"),
        allowed_hosts=_allowed_hosts(values.get("FINBOARD_ALLOWED_HOSTS")),
    )


def _read_secrets_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"Cannot read {path}: {e.strerror}. Fix its permissions or remove it.") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML ({e}). Compare it with .streamlit/secrets.toml.example.") from e
    out: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            continue  # the file may hold other Streamlit secrets
        if not isinstance(value, str | int):
            raise ConfigError(f"{key} in {path} must be a string, got {type(value).__name__}.")
        out[key] = str(value)
    return out


def _db_path(raw: str | None) -> Path:
    if not raw:
        return DEFAULT_DB
    path = Path(raw).expanduser()
    if path.exists() and path.is_dir():
        raise ConfigError(f"FINBOARD_DB={raw} is a directory; point it at a file such as {path / 'finboard.duckdb'}.")
    return path.resolve()


def _check_url(name: str, raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name}={raw!r} is not an http(s) URL, e.g. https://example.com/path.")
    return raw.rstrip("/") if name == "PLAID_BASE_URL" else raw


def _optional_url(name: str, values: Mapping[str, str]) -> str | None:
    raw = values.get(name)
    return _check_url(name, raw) if raw else None


def _products(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return KNOWN_PRODUCTS
    products = tuple(p.strip().lower() for p in raw.split(",") if p.strip())
    unknown = [p for p in products if p not in KNOWN_PRODUCTS]
    if unknown or "transactions" not in products:
        raise ConfigError(
            f"PLAID_PRODUCTS={raw!r}: Finboard needs 'transactions' and understands only {', '.join(KNOWN_PRODUCTS)}."
        )
    return products


def _country_codes(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ("US",)
    codes = tuple(c.strip().upper() for c in raw.split(",") if c.strip())
    if not codes or any(len(c) != 2 or not c.isalpha() for c in codes):
        raise ConfigError(f"PLAID_COUNTRY_CODES={raw!r}: use two-letter codes separated by commas, e.g. US,CA.")
    return codes


def check_host(name: str, raw: str) -> str:
    """A listening address: an IPv4 or IPv6 literal (0.0.0.0 and :: mean every interface)."""
    try:
        return str(ipaddress.ip_address(raw.strip("[]")))
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not an IP address. Use one of this machine's addresses, e.g. 192.168.1.20, "
            "or 0.0.0.0 for every interface."
        ) from None


def _allowed_hosts(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    names = tuple(n.strip().lower() for n in raw.split(",") if n.strip())
    if not all(_HOST_NAME.fullmatch(n) for n in names):
        raise ConfigError(
            f"FINBOARD_ALLOWED_HOSTS={raw!r}: give host names without scheme or port, separated by commas, "
            "e.g. finboard.example.com,*.corp.example.com."
        )
    return names


def _int_in_range(name: str, values: Mapping[str, str], default: int, low: int, high: int) -> int:
    raw = values.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number between {low} and {high}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is outside {low}-{high}.")
    return value
