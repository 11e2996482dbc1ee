"""Environment variables of docs/CONTRACT.md (all listed in docs/interface.md), read once into one typed,
validated object.

Every bad value raises `SettingsError` whose message is one line naming the variable, so the CLI and the
Dagster layer can show it to a user without a traceback.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopee_pipeline import clock

DEFAULT_API_BASE_URL = "https://partner.shopeemobile.com"
DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/api/webhook"
DEFAULT_TIMEZONE = "Asia/Jakarta"
DEFAULT_SYNC_START_DATE = date(2026, 1, 1)
DEFAULT_SCHEMA = "shopee"
DEFAULT_DATA_DIR_NAME = ".shopee_pipeline"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """The pipeline's configuration, as read from the environment."""

    database_url: str | None = field(repr=False)
    db_schema: str
    partner_id: int | None
    partner_key: str | None = field(repr=False)
    push_partner_key: str | None = field(repr=False)
    api_base_url: str
    webhook_url: str
    timezone: ZoneInfo
    sync_start_date: date
    data_dir: Path
    overlap_minutes: int
    max_requests_per_second: float
    shops_per_run: int = 25
    push_sensor_seconds: int = 10
    alert_webhook_url: str | None = field(default=None, repr=False)
    full_read_at: time | None = time(0, 30)

    def require_partner(self) -> tuple[int, str]:
        """Return `(partner_id, partner_key)`, or raise a `SettingsError` naming what is missing."""
        if self.partner_id is None:
            raise SettingsError("SHOPEE_PARTNER_ID is not set: it is the Shopee app's partner id")
        if not self.partner_key:
            raise SettingsError("SHOPEE_PARTNER_KEY is not set: it is the Shopee app's partner key")
        return self.partner_id, self.partner_key

    @property
    def push_key(self) -> str | None:
        """The key that signs push webhooks: `SHOPEE_PUSH_PARTNER_KEY`, else the partner key."""
        return self.push_partner_key or self.partner_key


def _database_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise SettingsError(
            "DATABASE_URL is not a valid URL (expected postgresql://user:pass@host:port/db)"
        ) from None
    if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise SettingsError(
            f"DATABASE_URL must start with postgresql:// (got scheme '{parts.scheme or 'none'}')"
        )
    if not parts.hostname and "host=" not in parts.query:
        raise SettingsError("DATABASE_URL has no host")
    return value


def _schema(value: str | None) -> str:
    schema = (value or DEFAULT_SCHEMA).strip()
    if not _IDENTIFIER.match(schema):
        raise SettingsError(
            f"SHOPEE_DB_SCHEMA '{schema}' is not a plain lowercase identifier (letters, digits, underscore)"
        )
    return schema


def _partner_id(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise SettingsError("SHOPEE_PARTNER_ID must be a positive whole number")
    return int(value.strip())


def _http_url(name: str, value: str | None, default: str) -> str:
    url = (value or default).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL (got '{url}')")
    return url


def _alert_url(value: str | None) -> str | None:
    """An incoming-webhook URL carries its secret in the path: checked, never echoed."""
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError("SHOPEE_ALERT_WEBHOOK_URL must be an http(s) URL (its value is not shown)")
    return value.strip()


def _timezone(value: str | None) -> ZoneInfo:
    name = (value or DEFAULT_TIMEZONE).strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"SHOPEE_TIMEZONE '{name}' is not a known IANA time zone (e.g. Asia/Jakarta)"
        ) from None


def _start_date(value: str | None) -> date:
    if value is None or not value.strip():
        return DEFAULT_SYNC_START_DATE
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SettingsError(f"SHOPEE_SYNC_START_DATE '{value}' is not a date in YYYY-MM-DD form") from None


def _data_dir(value: str | None) -> Path:
    """`SHOPEE_DATA_DIR`, else `~/.shopee_pipeline`: the same folder whichever directory a process starts
    in (a run worker started elsewhere must find the same embedded database), hence no relative path."""
    if value is None or not value.strip():
        return Path.home() / DEFAULT_DATA_DIR_NAME
    path = Path(value.strip()).expanduser()
    if not path.is_absolute():
        raise SettingsError(
            f"SHOPEE_DATA_DIR '{value}' is a relative path: give an absolute one (e.g. $PWD/{value}), "
            "so that every process finds the same embedded database"
        )
    return path


def _positive_int(name: str, value: str | None, default: int, minimum: int = 1, unit: str = "") -> int:
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit() or int(value.strip()) < minimum:
        raise SettingsError(f"{name} must be a whole number{unit} of at least {minimum} (got '{value}')")
    return int(value.strip())


def _time_of_day(name: str, value: str | None, default: time) -> time | None:
    """`HH:MM` (local), `off` for None, unset for `default`."""
    if value is None or not value.strip():
        return default
    if value.strip().lower() == "off":
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a time of day HH:MM or 'off' (got '{value}')") from None


def _positive_float(name: str, value: str | None, default: float) -> float:
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number (got '{value}')") from None
    if number <= 0:
        raise SettingsError(f"{name} must be greater than 0 (got '{value}')")
    return number


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every variable of docs/CONTRACT.md (and our extensions) from `environ`."""
    env = os.environ if environ is None else environ
    try:
        clock.offset_seconds(env)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    partner_key = env.get("SHOPEE_PARTNER_KEY") or None
    return Settings(
        database_url=_database_url(env.get("DATABASE_URL")),
        db_schema=_schema(env.get("SHOPEE_DB_SCHEMA")),
        partner_id=_partner_id(env.get("SHOPEE_PARTNER_ID")),
        partner_key=partner_key,
        push_partner_key=env.get("SHOPEE_PUSH_PARTNER_KEY") or None,
        api_base_url=_http_url("SHOPEE_API_BASE_URL", env.get("SHOPEE_API_BASE_URL"), DEFAULT_API_BASE_URL),
        webhook_url=_http_url("SHOPEE_WEBHOOK_URL", env.get("SHOPEE_WEBHOOK_URL"), DEFAULT_WEBHOOK_URL),
        timezone=_timezone(env.get("SHOPEE_TIMEZONE")),
        sync_start_date=_start_date(env.get("SHOPEE_SYNC_START_DATE")),
        data_dir=_data_dir(env.get("SHOPEE_DATA_DIR")),
        max_requests_per_second=_positive_float(
            "SHOPEE_MAX_REQUESTS_PER_SECOND", env.get("SHOPEE_MAX_REQUESTS_PER_SECOND"), 100.0
        ),
        overlap_minutes=_positive_int(
            "SHOPEE_SYNC_OVERLAP_MINUTES", env.get("SHOPEE_SYNC_OVERLAP_MINUTES"), 10, 0, " of minutes"
        ),
        shops_per_run=_positive_int("SHOPEE_SHOPS_PER_RUN", env.get("SHOPEE_SHOPS_PER_RUN"), 25),
        push_sensor_seconds=_positive_int(
            "SHOPEE_PUSH_SENSOR_SECONDS", env.get("SHOPEE_PUSH_SENSOR_SECONDS"), 10, unit=" of seconds"
        ),
        alert_webhook_url=_alert_url(env.get("SHOPEE_ALERT_WEBHOOK_URL")),
        full_read_at=_time_of_day("SHOPEE_FULL_READ_AT", env.get("SHOPEE_FULL_READ_AT"), time(0, 30)),
    )


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once from `os.environ`."""
    return load_settings()
