"""The command line: the contract's subcommands against the sandbox, and one clear line for bad input."""

import argparse
import os
import socket
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
    capsys.readouterr()
    assert main(["shops", "list"]) == 0
    header, row, footer = capsys.readouterr().out.splitlines()
    assert str(shop) in row and footer == "1 shops; times in Asia/Jakarta"
    for column in ("name", "active", "token expires", "authorization ends", "last sync"):
        start = header.index(column)  # each value starts under its column's name
        assert row[start - 1] == " " and row[start] != " ", column
    expiry = row[header.index("token expires") : header.index("authorization ends")].strip()
    assert expiry.endswith(" WIB") and "+00:00" not in row  # SHOPEE_TIMEZONE, never UTC
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


CONFIGURED_ID, CONFIGURED_KEY = 4242, "configured-partner-key-4242"


@pytest.mark.parametrize("source", ["environment", "flags over environment"])
def test_sandbox_takes_the_configured_partner(monkeypatch, source) -> None:
    """A client signing with the configured key gets answers; one signing with the built-in key does not."""
    from dataclasses import replace

    from shopee_pipeline.cli import build_parser, sandbox_config
    from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
    from shopee_pipeline.shopee import BadRequestError, InMemoryTokenStore, ShopeeClient, ShopeeConfig
    from shopee_pipeline_tests.pinned_clock import SANDBOX_START

    argv = ["sandbox"]
    if source == "environment":
        monkeypatch.setenv("SHOPEE_PARTNER_ID", str(CONFIGURED_ID))
        monkeypatch.setenv("SHOPEE_PARTNER_KEY", CONFIGURED_KEY)
    else:
        monkeypatch.setenv("SHOPEE_PARTNER_ID", "1")
        monkeypatch.setenv("SHOPEE_PARTNER_KEY", "a-key-the-flag-overrides")
        argv += ["--partner-id", str(CONFIGURED_ID), "--partner-key", CONFIGURED_KEY]
    get_settings.cache_clear()
    config = sandbox_config(build_parser().parse_args(argv), get_settings())
    get_settings.cache_clear()
    with start_sandbox(replace(config, start_time=SANDBOX_START)) as sandbox:
        shop = sandbox.shop_ids[0]
        signed = ShopeeConfig(partner_id=CONFIGURED_ID, partner_key=CONFIGURED_KEY, base_url=sandbox.url)
        with ShopeeClient(signed, InMemoryTokenStore(), clock=sandbox.now) as client:
            client.connect_shop(shop, sandbox.authorize(shop))
            assert client.get_shop_info(shop)
        builtin = replace(signed, partner_key=SandboxConfig.partner_key)
        client = ShopeeClient(builtin, InMemoryTokenStore(), clock=sandbox.now)
        with client, pytest.raises(BadRequestError) as info:
            client.connect_shop(shop, sandbox.authorize(shop))
    assert info.value.error.endswith("error_sign")


def _sandbox_banner(argv: list[str], env: dict[str, str]) -> str:
    """The line `shopee-pipeline sandbox` prints on start (the process is stopped right after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "shopee_pipeline.cli", "sandbox", "--port", str(port), *argv]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        try:
            return process.stdout.readline()
        finally:
            process.terminate()


def test_sandbox_never_prints_a_configured_key() -> None:
    from shopee_pipeline.sandbox import SandboxConfig

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPEE_")}
    assert f"partner_key={SandboxConfig.partner_key}" in _sandbox_banner([], env)
    from_env = _sandbox_banner([], {**env, "SHOPEE_PARTNER_KEY": CONFIGURED_KEY})
    from_flag = _sandbox_banner(["--partner-key", CONFIGURED_KEY, "--partner-id", str(CONFIGURED_ID)], env)
    for banner in (from_env, from_flag):
        assert banner.startswith("sandbox Shopee at") and CONFIGURED_KEY not in banner
    assert f"partner_id={CONFIGURED_ID}" in from_flag


def _parsers(parser: argparse.ArgumentParser, name: str = "shopee-pipeline"):
    """Every parser of the command line with its name, subcommands included."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_every_option_has_help_and_shows_its_default() -> None:
    from shopee_pipeline.cli import build_parser

    checked = 0
    for name, parser in _parsers(build_parser()):
        help_text = parser.format_help()
        for action in parser._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction):
                continue
            checked += 1
            assert action.help, f"{name} {action.option_strings[0]} has no help line"
            if action.default is not None and not action.required:
                assert f"(default: {action.default})" in help_text, f"{name} {action.option_strings[0]}"
    assert checked >= 20


# `shopee-pipeline sync`: a second shell's way to sync a shop's days now, through Dagster.

UI = "http://127.0.0.1:3999"


@pytest.fixture
def sync_shell(pipeline, pg_url, pg_engine, tmp_path, monkeypatch):
    """The environment of a second shell: the pipeline's variables, a fresh Dagster home on the session's
    database (which holds no shop partition yet) and the UI's address."""
    from shopee_pipeline_tests.integration.test_dagster_project import _dagster_env

    env = _dagster_env(pg_url, tmp_path, pg_engine) | {"SHOPEE_UI_URL": UI}
    for name in ("DAGSTER_HOME", "DAGSTER_POSTGRES_URL", "SHOPEE_UI_URL"):
        monkeypatch.setenv(name, env[name])
    return env


def _sync(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "shopee_pipeline.cli", "sync", *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def _printed_rows(stdout: str) -> dict[str, int]:
    """`table -> rows written` from the table `sync` prints."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:3] == ["table", "rows", "written"])
    rows = {}
    for line in lines[start + 1 :]:
        parts = line.split()
        if not parts or not parts[1].isdigit():
            break
        rows[parts[0]] = int(parts[1])
    return rows


def _run_of(stdout: str, tmp_home: str):
    import dagster as dg

    run_id = stdout.splitlines()[0].split()[1]
    with dg.DagsterInstance.from_config(tmp_home) as instance:
        return instance.get_run_by_id(run_id)


def _count(warehouse, table: str, shop: int) -> int:
    from sqlalchemy import func

    with warehouse.connect() as conn:
        t = tables.metadata.tables[table]
        return conn.execute(select(func.count()).select_from(t).where(t.c.shop_id == shop)).scalar_one()


@pytest.mark.slow
def test_sync_runs_one_partition_through_dagster_and_reports_it(pipeline, sync_shell) -> None:
    import dagster as dg

    from shopee_pipeline_tests.pinned_clock import sandbox_day

    shop = pipeline.sandbox.shop_ids[0]
    day = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    completed = _sync(sync_shell, "--shop", str(shop), "--date", day.isoformat())
    assert completed.returncode == 0, completed.stderr[-3000:]
    print(f"\n{completed.stdout}")
    assert completed.stderr == ""
    run = _run_of(completed.stdout, sync_shell["DAGSTER_HOME"])
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["dagster/partition"] == f"{day.isoformat()}|{shop}"
    assert (
        completed.stdout.splitlines()[0]
        == f"run {run.run_id} succeeded: shop {shop} (" + (completed.stdout.splitlines()[0].split("(", 1)[1])
    )
    assert completed.stdout.strip().splitlines()[-1] == f"{UI}/runs/{run.run_id}"
    printed = _printed_rows(completed.stdout)
    assert set(printed) >= {"orders", "order_items", "logistics", "escrow", "bookings", "returns"}
    for table in ("orders", "logistics", "escrow", "bookings"):
        assert printed[table] == _count(pipeline.warehouse, table, shop), table  # the schema was empty
    assert printed["orders"] > 0
    for other in pipeline.sandbox.shop_ids[1:]:
        assert _count(pipeline.warehouse, "orders", other) == 0


def test_sync_of_a_range_and_some_assets(pipeline, sync_shell) -> None:
    from datetime import timedelta

    from shopee_pipeline_tests.pinned_clock import sandbox_day

    shop = pipeline.sandbox.shop_ids[1]
    last = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    days = f"{(last - timedelta(days=1)).isoformat()}..{last.isoformat()}"
    completed = _sync(
        sync_shell, "--shop", str(shop), "--date", days, "--assets", "orders,order_items,logistics"
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    run = _run_of(completed.stdout, sync_shell["DAGSTER_HOME"])
    assert (
        run.tags["dagster/asset_partition_range_start"] == f"{(last - timedelta(days=1)).isoformat()}|{shop}"
    )
    assert run.tags["dagster/asset_partition_range_end"] == f"{last.isoformat()}|{shop}"
    printed = _printed_rows(completed.stdout)
    assert set(printed) == {"orders", "order_items", "logistics"}
    assert printed["orders"] == _count(pipeline.warehouse, "orders", shop) > 0
    assert _count(pipeline.warehouse, "bookings", shop) == 0


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--date", "2026-11-01"],
            "2026-11-01 is before the first partition 2026-11-10 (SHOPEE_SYNC_START_DATE)",
        ),
        (["--date", "2026-11-12..2026-11-11"], "the range 2026-11-12..2026-11-11 ends before it starts"),
        (["--date", "2026-13-01"], "'2026-13-01' is not a YYYY-MM-DD date"),
        (["--date", "2999-01-01"], "2999-01-01 is after today's partition"),
        (
            ["--date", "2026-11-12", "--assets", "orders,orderz"],
            "unknown asset 'orderz'; the synced assets are",
        ),
        (["--date", "2026-11-12", "--shop", "999"], "shop 999 is not connected; connected: "),
    ],
)
def test_sync_answers_bad_input_in_one_line_before_any_run(
    pipeline, sync_shell, monkeypatch, capsys, argv, expected
) -> None:
    import dagster as dg

    monkeypatch.setenv("SHOPEE_SYNC_START_DATE", "2026-11-10")
    get_settings.cache_clear()
    if "--shop" not in argv:
        argv = [*argv, "--shop", str(pipeline.sandbox.shop_ids[0])]
    with dg.DagsterInstance.get() as instance:  # the session's storage may hold other tests' runs
        runs_before = instance.get_runs_count()
    try:
        code = main(["sync", *argv])
    except SystemExit as exit_:
        code = exit_.code
    assert code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    if "999" in argv:  # every connected shop, named
        names = [f"{shop} (" for shop in pipeline.sandbox.shop_ids]
        assert all(name in err for name in names), err
    with dg.DagsterInstance.get() as instance:
        assert instance.get_runs_count() == runs_before
