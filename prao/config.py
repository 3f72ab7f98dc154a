"""Settings read from the environment, with embedded defaults for a bare machine."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Europe/Stockholm"
TIMEZONE = ZoneInfo(TIMEZONE_NAME)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class ConfigError(RuntimeError):
    pass


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(var_dir: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when ENV=production")
    # Dev: generate once and keep it, so sessions survive restarts.
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    base_url: str
    demo: bool
    production: bool
    var_dir: Path
    smtp_url: str | None = None
    graphiql: bool = False
    sign_in_link_minutes: int = 15
    session_max_age: int = 60 * 60 * 12
    max_page_size: int = 100
    pending_flag_days: int = 5  # a pending booking older than this is flagged to the coordinator
    rate_limit_points: int = 10_000  # GraphQL query-cost points per caller per minute; 0: no limit
    # Proxies (IPs or CIDRs) whose X-Forwarded-For is believed; by default nobody's.
    forwarded_allow_ips: tuple[str, ...] = ()
    # First retry delay of a deferred message; None: the delivery's own (minutes).
    outbox_retry_seconds: float | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.https

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")


def parse_networks(text: str) -> tuple[str, ...]:
    """ "10.0.0.1, 10.1.0.0/16" -> the networks, normalised; a bad entry is a ConfigError."""
    found = []
    for part in text.split(","):
        if part.strip():
            try:
                found.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError:
                raise ConfigError(
                    f"FORWARDED_ALLOW_IPS: {part.strip()!r} is no IP or CIDR"
                ) from None
    return tuple(found)


def production_env() -> bool:
    return os.environ.get("ENV", "").lower() == "production"


def redis_url_env() -> str | None:
    """REDIS_URL alone, for what must know it before the rest of the settings is read (the
    worker's class attribute, evaluated on import)."""
    return os.environ.get("REDIS_URL") or None


def _float_or_none(value: str | None) -> float | None:
    return float(value) if value else None


def load_settings() -> Settings:
    var_dir = Path(os.environ.get("PRAO_VAR_DIR", "var")).resolve()
    production = production_env()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite://{var_dir / 'prao.sqlite3'}"
    if database_url.startswith("sqlite://"):
        var_dir.mkdir(parents=True, exist_ok=True)
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    demo = _flag(os.environ.get("DEMO"))
    if production and demo:
        raise ConfigError("DEMO=1 is not allowed when ENV=production")
    return Settings(
        database_url=database_url,
        redis_url=redis_url_env(),
        secret_key=_secret_key(var_dir, production),
        base_url=os.environ.get("BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
        demo=demo,
        production=production,
        var_dir=var_dir,
        smtp_url=os.environ.get("SMTP_URL") or None,
        graphiql=demo,
        pending_flag_days=int(os.environ.get("PENDING_FLAG_DAYS") or 5),
        rate_limit_points=int(os.environ.get("RATE_LIMIT_POINTS") or 10_000),
        forwarded_allow_ips=parse_networks(os.environ.get("FORWARDED_ALLOW_IPS", "")),
        outbox_retry_seconds=_float_or_none(os.environ.get("OUTBOX_RETRY_SECONDS")),
    )


_current: Settings | None = None


def use_settings(settings: Settings) -> None:
    """The composition root names the settings this process runs with (the app at start-up,
    a worker, a command), for domain code that is not handed them, such as the card links."""
    global _current
    _current = settings


def current_settings() -> Settings:
    """The settings named by `use_settings`; before that, those of the environment."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current
