"""The command line: the contract's subcommands against the sandbox, and one clear line for bad input."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from shopee_pipeline.cli import main
from shopee_pipeline.settings import get_settings
from shopee_pipeline.warehouse import tables


@pytest.fixture
def cli_env(monkeypatch, pg_url, warehouse, sandbox):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("SHOPEE_DB_SCHEMA", warehouse.schema)
    monkeypatch.setenv("SHOPEE_PARTNER_ID", str(sandbox.partner_id))
    monkeypatch.setenv("SHOPEE_PARTNER_KEY", sandbox.partner_key)
    monkeypatch.setenv("SHOPEE_API_BASE_URL", sandbox.url)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_connect_list_deactivate(cli_env, sandbox, warehouse, capsys) -> None:
    shop = sandbox.shop_ids[0]
    assert main(["db", "upgrade"]) == 0
    assert main(["shops", "connect", "--shop-id", str(shop), "--code", sandbox.authorize(shop)]) == 0
    assert main(["shops", "list"]) == 0
    assert str(shop) in capsys.readouterr().out
    assert main(["shops", "deactivate", "--shop-id", str(shop)]) == 0
    with warehouse.connect() as conn:
        assert (
            conn.execute(select(tables.shops.c.active).where(tables.shops.c.shop_id == shop)).scalar_one()
            is False
        )


def test_auth_url_is_signed_and_keyless(cli_env, sandbox, capsys) -> None:
    assert main(["auth-url", "--redirect", "https://example.com/back"]) == 0
    url = capsys.readouterr().out.strip()
    assert "/api/v2/shop/auth_partner" in url and "sign=" in url and sandbox.partner_key not in url


def test_shops_add_imports_a_refresh_token(cli_env, sandbox, warehouse) -> None:
    from shopee_pipeline.onboarding import connect_shop
    from shopee_pipeline.warehouse.token_store import PostgresTokenStore

    shop = sandbox.shop_ids[1]
    connect_shop(get_settings(), warehouse, shop, sandbox.authorize(shop))
    store = PostgresTokenStore(warehouse.engine, warehouse.schema)
    old = store.load(shop).refresh_token
    assert main(["shops", "add", "--shop-id", str(shop), "--refresh-token", old, "--name", "Toko Baju"]) == 0
    assert store.load(shop).refresh_token != old  # rotated and stored
    assert main(["shops", "add", "--shop-id", str(shop), "--refresh-token", old]) == 1  # single use


@pytest.mark.parametrize(
    "argv",
    [
        ["shops", "deactivate", "--shop-id", "999"],
        ["shops", "connect", "--shop-id", "12|34", "--code", "x"],
        ["shops", "connect", "--shop-id", "123"],
        ["sandbox", "--fault-rate", "2"],
    ],
)
def test_bad_input_is_one_line_and_non_zero(cli_env, argv, capsys) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    assert code != 0
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://nobody:pw@127.0.0.1:1/none"}, "shopee-pipeline:"),
        ({"SHOPEE_TIMEZONE": "Nowhere/City"}, "SHOPEE_TIMEZONE"),
    ],
)
def test_bad_environment_in_a_real_process(env, needle) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "shopee_pipeline.cli", "db", "upgrade"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in completed.stderr


def test_missing_partner_key_is_named(cli_env, monkeypatch, capsys) -> None:
    monkeypatch.delenv("SHOPEE_PARTNER_KEY")
    get_settings.cache_clear()
    assert main(["auth-url", "--redirect", "https://example.com"]) == 1
    assert "SHOPEE_PARTNER_KEY" in capsys.readouterr().err
