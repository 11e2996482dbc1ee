"""Settings: every variable parsed once; a bad value is one clear line naming the variable."""

from datetime import date, time
from pathlib import Path

import pytest

from shopee_pipeline.settings import SettingsError, load_settings


def test_defaults_follow_the_contract() -> None:
    settings = load_settings({})
    assert settings.database_url is None
    assert settings.db_schema == "shopee"
    assert settings.api_base_url == "https://partner.shopeemobile.com"
    assert settings.webhook_url == "http://127.0.0.1:8000/api/webhook"
    assert settings.timezone.key == "Asia/Jakarta"
    assert settings.sync_start_date == date(2026, 1, 1)
    assert settings.partner_id is None
    assert settings.push_sensor_seconds == 10 and settings.shops_per_run == 25
    assert load_settings({"SHOPEE_PUSH_SENSOR_SECONDS": "30"}).push_sensor_seconds == 30


def test_push_key_defaults_to_partner_key_and_secrets_stay_out_of_repr() -> None:
    settings = load_settings({"SHOPEE_PARTNER_ID": "2001887", "SHOPEE_PARTNER_KEY": "s3cret-key"})
    assert settings.push_key == "s3cret-key"
    assert "s3cret-key" not in repr(settings)
    assert settings.require_partner() == (2001887, "s3cret-key")
    other = load_settings({"SHOPEE_PARTNER_KEY": "a", "SHOPEE_PUSH_PARTNER_KEY": "b"})
    assert other.push_key == "b"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://u:p@h/db"),
        ("DATABASE_URL", "postgresql://u:p@host:notaport/db"),
        ("DATABASE_URL", "not a url"),
        ("SHOPEE_TIMEZONE", "Mars/Olympus_Mons"),
        ("SHOPEE_PARTNER_ID", "12ab"),
        ("SHOPEE_SYNC_START_DATE", "25/11/2026"),
        ("SHOPEE_DB_SCHEMA", "drop table; --"),
        ("SHOPEE_API_BASE_URL", "ftp://x"),
        ("SHOPEE_WEBHOOK_URL", "nowhere"),
        ("SHOPEE_PUSH_SENSOR_SECONDS", "0"),
        ("SHOPEE_PUSH_SENSOR_SECONDS", "10s"),
        ("SHOPEE_CLOCK_OFFSET_SECONDS", "one hour"),
        ("SHOPEE_FULL_READ_AT", "half past midnight"),
    ],
)
def test_bad_value_names_the_variable_in_one_line(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({variable: value})
    message = str(err.value)
    assert variable in message
    assert "\n" not in message


def test_missing_partner_credentials_are_named() -> None:
    with pytest.raises(SettingsError, match="SHOPEE_PARTNER_ID"):
        load_settings({}).require_partner()
    with pytest.raises(SettingsError, match="SHOPEE_PARTNER_KEY"):
        load_settings({"SHOPEE_PARTNER_ID": "1"}).require_partner()


def test_supabase_urls_are_accepted() -> None:
    url = (
        "postgresql://postgres.abc:pw@aws-0-ap-southeast-1.pooler.supabase.com:6543/postgres?sslmode=require"
    )
    assert load_settings({"DATABASE_URL": url}).database_url == url


def test_data_dir_is_the_same_from_every_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    folders = set()
    for cwd in (tmp_path, tmp_path / "elsewhere"):
        cwd.mkdir(exist_ok=True)
        monkeypatch.chdir(cwd)
        folders.add(load_settings({}).data_dir)
    assert folders == {tmp_path / "home" / ".shopee_pipeline"}
    assert load_settings({"SHOPEE_DATA_DIR": "~/pg"}).data_dir == tmp_path / "home" / "pg"
    assert load_settings({"SHOPEE_DATA_DIR": "/srv/shopee"}).data_dir == Path("/srv/shopee")


def test_relative_data_dir_is_refused_in_one_line() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"SHOPEE_DATA_DIR": ".shopee_pipeline"})
    message = str(err.value)
    assert "SHOPEE_DATA_DIR" in message and "absolute" in message and "\n" not in message


def test_the_daily_whole_read_time_is_a_local_time_of_day_or_off() -> None:
    assert load_settings({}).full_read_at == time(0, 30)
    assert load_settings({"SHOPEE_FULL_READ_AT": "03:15"}).full_read_at == time(3, 15)
    assert load_settings({"SHOPEE_FULL_READ_AT": "off"}).full_read_at is None
