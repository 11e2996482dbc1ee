"""`shopee-pipeline`: the command line of docs/CONTRACT.md (every option in docs/interface.md).

Every subcommand answers bad input with one clear line on stderr and a non-zero exit, never a traceback;
`costs import` gives one line per bad row of its file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from shopee_pipeline.settings import Settings, SettingsError, get_settings
from shopee_pipeline.shopee import ShopeeError
from shopee_pipeline.sync_request import (
    Days,
    SyncRequestError,
    check_days,
    check_shop,
    parse_assets,
    parse_days,
)
from shopee_pipeline.warehouse.store import Warehouse

if TYPE_CHECKING:
    from shopee_pipeline.lib.manual_runs import RunReport
    from shopee_pipeline.sandbox import SandboxConfig
    from shopee_pipeline.warehouse.costs import CostsLoaded


class CommandError(Exception):
    """A user-facing failure: its message is printed as one line."""


def _warehouse(settings: Settings) -> Warehouse:
    return Warehouse.from_settings(settings)


def _add_shop_partition(warehouse: Warehouse) -> str:
    """Bring the `shops` partitions of the Dagster instance of `DAGSTER_HOME` (when there is one) in line
    with the active shops (`align_shop_partitions`: the new shop's partition, the `shops` asset)."""
    if not os.environ.get("DAGSTER_HOME"):
        return " (DAGSTER_HOME unset: the shop_partitions_sensor will add its partition)"
    import dagster as dg

    from shopee_pipeline.defs.shops import align_shop_partitions
    from shopee_pipeline.warehouse.shops import active_shops_named

    with warehouse.connect() as conn:
        active = active_shops_named(conn)
    with dg.DagsterInstance.get() as instance:
        align_shop_partitions(instance, active)
    return " and added its partition"


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    """Create or migrate every table."""
    from shopee_pipeline.warehouse.migrate import head_revision, upgrade

    warehouse = _warehouse(settings)
    upgrade(warehouse.engine, settings.db_schema)
    print(f"schema {settings.db_schema} is at revision {head_revision()}")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a YYYY-MM-DD date") from None


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> None:
    """Ask Dagster for backfills of every synced asset, one per slice of SHOPEE_SHOPS_PER_RUN shops."""
    if not os.environ.get("DAGSTER_HOME"):
        raise CommandError("DAGSTER_HOME is not set: a backfill is added to that Dagster instance")
    import dagster as dg

    from shopee_pipeline.definitions import build_definitions
    from shopee_pipeline.lib.backfills import request_shop_backfills

    shops = [s.strip() for s in args.shops.split(",") if s.strip()] if args.shops else None
    with dg.DagsterInstance.get() as instance:
        try:
            ids = request_shop_backfills(
                instance, build_definitions(settings), args.start, args.end, settings.shops_per_run, shops
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    print(
        f"{len(ids)} backfills of at most {settings.shops_per_run} shops requested ({', '.join(ids)}); "
        "the Dagster daemon launches their runs through the run queue"
    )


DEFAULT_UI_URL = "http://127.0.0.1:3000"
UI_URL_ENV = "SHOPEE_UI_URL"


def ui_url() -> str:
    """Where the Dagster UI answers, for links to runs: `SHOPEE_UI_URL` (`dev` prints it among its
    exports), else http://127.0.0.1:3000."""
    from urllib.parse import urlsplit

    url = (os.environ.get(UI_URL_ENV) or DEFAULT_UI_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CommandError(f"{UI_URL_ENV} must be an http(s) URL (got '{url}')")
    return url


def _sync_days(text: str) -> Days:
    try:
        return parse_days(text)
    except SyncRequestError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_sync(args: argparse.Namespace, settings: Settings) -> None:
    """Check the shop, days and assets, then materialize them as one Dagster run and report it."""
    from shopee_pipeline import clock
    from shopee_pipeline.sync.streams import SYNC_ASSET_KEYS
    from shopee_pipeline.warehouse.shops import active_shop_ids, shop_label, shop_names

    days: Days = args.date
    try:
        assets = parse_assets(args.assets, SYNC_ASSET_KEYS)
        check_days(days, settings.sync_start_date, clock.now().astimezone(settings.timezone).date())
        link = ui_url()
        if not os.environ.get("DAGSTER_HOME"):
            raise CommandError(
                "DAGSTER_HOME is not set: the run is recorded in that Dagster instance "
                "(paste the export lines `shopee-pipeline dev` prints)"
            )
        with _warehouse(settings).connect() as conn:
            active, names = active_shop_ids(conn), shop_names(conn)
        check_shop(args.shop, active, names)
    except SyncRequestError as exc:
        raise CommandError(str(exc)) from None
    report = _run_sync(settings, args.shop, days, assets)
    runs_link = f"{link}/runs/{report.run_id}"
    if not report.success:
        raise CommandError(f"run {report.run_id} failed: {report.failure} ({runs_link})")
    _print_run(report, f"shop {shop_label(args.shop, names)}, {days}")
    print(runs_link)


def _run_sync(settings: Settings, shop_id: int, days: Days, assets: Sequence[str]) -> RunReport:
    import dagster as dg

    from shopee_pipeline.definitions import build_definitions
    from shopee_pipeline.lib.manual_runs import run_assets
    from shopee_pipeline.lib.partitions import SHOP_PARTITIONS_NAME, partition_key
    from shopee_pipeline.run_tags import TRIGGER_TAG

    first, last = str(partition_key(days.first, shop_id)), str(partition_key(days.last, shop_id))
    with dg.DagsterInstance.get() as instance:
        if str(shop_id) not in instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME):
            instance.add_dynamic_partitions(SHOP_PARTITIONS_NAME, [str(shop_id)])  # as the sensor would
        try:
            return run_assets(
                instance, build_definitions(settings), assets, first, last, {TRIGGER_TAG: "sync"}
            )
        except dg.DagsterError as exc:
            raise CommandError(str(exc).strip().splitlines()[0]) from None


def _print_run(report: RunReport, what: str) -> None:
    """`run <id> succeeded: <what>`, then the rows it wrote per table and its Shopee calls."""
    print(f"run {report.run_id} succeeded: {what}")
    print("\n".join(report.table_lines()))


def cmd_db_revision(args: argparse.Namespace, settings: Settings) -> None:
    """Write the migration that brings the shipped ones to `warehouse/tables.py`."""
    from shopee_pipeline.warehouse.migrate import write_revision

    if not args.message.strip():
        raise CommandError("the migration needs a message: db revision -m 'add returns'")
    path = write_revision(_warehouse(settings).engine, args.message, args.versions_dir)
    print(f"wrote {path}: read it, adjust it, then run `shopee-pipeline db upgrade`")


def cmd_db_serve(args: argparse.Namespace, settings: Settings) -> None:
    """Hold the embedded server up (for `dagster asset materialize` and the UI) until interrupted."""
    from shopee_pipeline.warehouse.database import resolve_database_url

    if settings.database_url:
        raise CommandError("DATABASE_URL is set: there is no embedded server to serve")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # exit hooks stop the server
    print(f"embedded Postgres at {resolve_database_url(settings)} (Ctrl-C stops it)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


def cmd_auth_url(args: argparse.Namespace, settings: Settings) -> None:
    """Print the authorization link."""
    from shopee_pipeline.onboarding import shopee_config
    from shopee_pipeline.shopee import InMemoryTokenStore, ShopeeClient

    with ShopeeClient(shopee_config(settings), InMemoryTokenStore()) as client:
        print(client.auth_url(args.redirect))


def cmd_shops_connect(args: argparse.Namespace, settings: Settings) -> None:
    """Exchange a code for tokens and activate the shop."""
    from shopee_pipeline.onboarding import connect_shop

    warehouse = _warehouse(settings)
    name = connect_shop(settings, warehouse, args.shop_id, args.code)
    print(f"connected shop {args.shop_id} ({name or 'unnamed'}){_add_shop_partition(warehouse)}")


def cmd_shops_add(args: argparse.Namespace, settings: Settings) -> None:
    """Import a refresh token."""
    from shopee_pipeline.onboarding import add_shop

    warehouse = _warehouse(settings)
    name = add_shop(settings, warehouse, args.shop_id, args.refresh_token, args.name)
    print(f"added shop {args.shop_id} ({name or 'unnamed'}){_add_shop_partition(warehouse)}")


def cmd_shops_list(args: argparse.Namespace, settings: Settings) -> None:
    """Print every known shop as an aligned table, its times in SHOPEE_TIMEZONE."""
    from shopee_pipeline.text_table import local_minute, render_table
    from shopee_pipeline.warehouse.shops import list_shops

    with _warehouse(settings).connect() as conn:
        shops = list_shops(conn)
    tz = settings.timezone
    header = ["shop_id", "name", "active", "token expires", "authorization ends", "last sync"]
    rows = [
        [
            shop.shop_id,
            shop.shop_name or "",
            "yes" if shop.active else "no",
            local_minute(shop.refresh_token_expires_at, tz),
            local_minute(shop.authorization_expires_at, tz),
            local_minute(shop.last_success_at, tz),
        ]
        for shop in shops
    ]
    print("\n".join(render_table(header, rows)))
    print(
        f"{len(shops)} shops; times in {tz.key}"
        if shops
        else "no shop yet: see `shopee-pipeline shops connect`"
    )


def cmd_shops_deactivate(args: argparse.Namespace, settings: Settings) -> None:
    """Stop syncing a shop; keep its data."""
    from shopee_pipeline.warehouse.shops import set_active

    with _warehouse(settings).begin() as conn:
        if not set_active(conn, args.shop_id, False):
            raise CommandError(f"shop {args.shop_id} is not known: see `shopee-pipeline shops list`")
    print(f"deactivated shop {args.shop_id}; its data stays")


def cmd_costs_import(args: argparse.Namespace, settings: Settings) -> None:
    """Check the whole costs file against the catalogue, then load it in one transaction (or not at all)
    and record the load in the Dagster instance when it changed the table."""
    from shopee_pipeline.costs import CostsFileError, read_costs_file
    from shopee_pipeline.warehouse.costs import catalogue, cost_count, load_costs

    warehouse = _warehouse(settings)
    try:
        with warehouse.connect() as conn:
            costs_file = read_costs_file(args.file, lambda shop_ids: catalogue(conn, shop_ids))
    except CostsFileError as exc:
        raise CommandError(
            "\n".join([*(f"{args.file}: {line}" for line in exc.problems), f"{args.file}: nothing loaded"])
        ) from None
    with warehouse.begin() as conn:
        loaded = load_costs(conn, costs_file.costs)
        total = cost_count(conn)
    print(
        f"{len(costs_file.costs)} costs read from {args.file}: {loaded.inserted} new, {loaded.updated} "
        f"changed, {loaded.unchanged} unchanged; product_costs holds {total}"
        + (
            f" ({costs_file.unfilled_rows} rows without unit_cost left out)"
            if costs_file.unfilled_rows
            else ""
        )
    )
    if loaded.inserted or loaded.updated:
        print(f"recorded in Dagster{_record_costs_load(loaded, total, str(args.file))}")


def _record_costs_load(loaded: CostsLoaded, total: int, source: str) -> str:
    """Record the load as a materialization of `product_costs` in the instance of `DAGSTER_HOME`."""
    if not os.environ.get("DAGSTER_HOME"):
        return ": no (DAGSTER_HOME unset)"
    import dagster as dg

    from shopee_pipeline.defs.product_costs import costs_materialization

    with dg.DagsterInstance.get() as instance:
        instance.report_runless_asset_event(costs_materialization(loaded, total, source))
    return " as a materialization of product_costs"


def cmd_costs_export(args: argparse.Namespace, settings: Settings) -> None:
    """Write the costs template of the shops' catalogues, pre-filled with the costs already loaded."""
    from shopee_pipeline.costs import write_template
    from shopee_pipeline.warehouse.costs import template_rows
    from shopee_pipeline.warehouse.shops import list_shops

    path: Path = args.file
    if path.exists() and not args.force:
        raise CommandError(f"{path} exists: choose another name, or pass --force to overwrite it")
    with _warehouse(settings).connect() as conn:
        known = [shop.shop_id for shop in list_shops(conn)]
        if args.shop_id is not None and args.shop_id not in known:
            raise CommandError(f"shop {args.shop_id} is not known: see `shopee-pipeline shops list`")
        shop_ids = [args.shop_id] if args.shop_id is not None else known
        rows = template_rows(conn, shop_ids, settings.sync_start_date)
    if not rows:
        raise CommandError("no item in the catalogue yet: sync items and item_models first")
    with path.open("w", encoding="utf-8", newline="") as out:
        count = write_template(out, rows)
    print(
        f"wrote {count} variations to {path}: fill in unit_cost (and valid_from, the first day it applies), "
        f"then `shopee-pipeline costs import {path}`"
    )


def sandbox_config(args: argparse.Namespace, settings: Settings) -> SandboxConfig:
    """The emulator of `shopee-pipeline sandbox ...`: partner credentials from the flags, else from the
    environment, else the sandbox's built-in test ones."""
    from shopee_pipeline.launcher import sandbox_credentials
    from shopee_pipeline.sandbox import SandboxConfig

    return SandboxConfig(
        shops=args.shops,
        seed=args.seed,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        push_url=args.push_url,
        clock_rate=args.clock_rate,
        **sandbox_credentials(settings, args.partner_id, args.partner_key, args.push_key),
    )


def cmd_sandbox(args: argparse.Namespace, settings: Settings) -> None:
    """Run the Shopee emulator."""
    from shopee_pipeline.sandbox import run_sandbox

    run_sandbox(sandbox_config(args, settings), args.host, args.port)


def cmd_webhook_serve(args: argparse.Namespace, settings: Settings) -> None:
    """Run the webhook receiver."""
    from shopee_pipeline.webhook import serve

    serve(settings, args.host, args.port)


def cmd_dagster_env(args: argparse.Namespace, settings: Settings) -> None:
    """Print the Dagster storage URL for this database (the embedded server must stay up meanwhile)."""
    from shopee_pipeline.warehouse.database import (
        DAGSTER_SCHEMA,
        create_warehouse_engine,
        dagster_storage_url,
        ensure_schema,
        resolve_database_url,
    )

    url = resolve_database_url(settings)
    ensure_schema(create_warehouse_engine(url), DAGSTER_SCHEMA)
    print(f"export DAGSTER_POSTGRES_URL='{dagster_storage_url(url)}'")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    """Run the whole stack once against the sandbox and print a summary."""
    from shopee_pipeline.launcher import demo

    if demo(shops=args.shops, days=args.days) != 0:
        raise CommandError("the demo sync failed")


def cmd_dev(args: argparse.Namespace, settings: Settings) -> None:
    """Keep the whole stack running until interrupted."""
    from shopee_pipeline.launcher import PortInUseError, dev

    try:
        status = dev(
            shops=args.shops,
            clock_rate=args.clock_rate,
            ui_port=args.ui_port,
            receiver_port=args.receiver_port,
            orders_per_day=args.orders_per_day,
        )
    except PortInUseError as exc:
        raise CommandError(str(exc)) from None
    if status != 0:
        raise CommandError("the stack stopped because one of its processes exited")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return int(text)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"'{text}' is not between 0 and 1")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative")
    return value


def _faster_than_real(text: str) -> float:
    value = _non_negative(text)
    if value <= 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not above 1 (the real clock's own rate)")
    return value


class _HelpFormatter(argparse.HelpFormatter):
    """Help that ends each option's line with its default, when it has one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if action.option_strings and not action.required and action.default not in (None, argparse.SUPPRESS):
            help_text += " (default: %(default)s)"
        return help_text


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad input in one line and exits 2, and shows every option's default."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"shopee-pipeline: {message}\n")


SHOP_ID_HELP = "the shop's id at Shopee"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="shopee-pipeline", description="Keep a Shopee seller's data synced into Postgres.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or migrate every table (safe to run again)").set_defaults(
        func=cmd_db_upgrade
    )
    revision = db.add_parser("revision", help="write a new migration from the changes in warehouse/tables.py")
    revision.add_argument(
        "-m", "--message", required=True, help="what the migration does, e.g. 'add returns'"
    )
    revision.add_argument(
        "--versions-dir",
        type=Path,
        help="folder to write it to (default: shopee_pipeline/warehouse/migrations/versions)",
    )
    revision.set_defaults(func=cmd_db_revision)
    db.add_parser("serve", help="keep the embedded Postgres running until Ctrl-C").set_defaults(
        func=cmd_db_serve
    )

    auth = commands.add_parser("auth-url", help="print the link a seller opens to authorize the app")
    auth.add_argument("--redirect", required=True, help="where Shopee sends the seller back with ?code=")
    auth.set_defaults(func=cmd_auth_url)

    shops = commands.add_parser("shops", help="connected shops").add_subparsers(
        dest="shops_command", required=True
    )
    connect = shops.add_parser("connect", help="exchange an authorization code and start syncing the shop")
    connect.add_argument("--shop-id", type=_positive_int, required=True, help=SHOP_ID_HELP)
    connect.add_argument("--code", required=True, help="the code Shopee added to the redirect URL")
    connect.set_defaults(func=cmd_shops_connect)
    add = shops.add_parser("add", help="import a shop whose refresh token you already hold")
    add.add_argument("--shop-id", type=_positive_int, required=True, help=SHOP_ID_HELP)
    add.add_argument("--refresh-token", required=True, help="a refresh token of that shop (used once)")
    add.add_argument("--name", help="the shop's name (default: the name Shopee returns)")
    add.set_defaults(func=cmd_shops_add)
    shops.add_parser("list", help="every shop, its token expiry and last sync").set_defaults(
        func=cmd_shops_list
    )
    deactivate = shops.add_parser("deactivate", help="stop syncing a shop (its data stays)")
    deactivate.add_argument("--shop-id", type=_positive_int, required=True, help=SHOP_ID_HELP)
    deactivate.set_defaults(func=cmd_shops_deactivate)

    sandbox = commands.add_parser("sandbox", help="run the Shopee emulator")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sandbox.add_argument("--port", type=_positive_int, default=8900, help="port to listen on")
    sandbox.add_argument("--shops", type=_positive_int, default=3, help="how many shops the seller has")
    sandbox.add_argument("--seed", type=int, default=7, help="seed of the generated shops and orders")
    sandbox.add_argument("--latency-ms", type=_non_negative, default=0.0, help="delay added to each answer")
    sandbox.add_argument(
        "--fault-rate", type=_rate, default=0.0, help="share of API calls answered with a fault, 0 to 1"
    )
    sandbox.add_argument("--push-url", help="where to push order updates (default: no pushes)")
    sandbox.add_argument("--clock-rate", type=_non_negative, default=1.0, help="simulated seconds per second")
    sandbox.add_argument(
        "--partner-id",
        type=_positive_int,
        help="partner id (default: $SHOPEE_PARTNER_ID, else the built-in test id)",
    )
    sandbox.add_argument(
        "--partner-key",
        help="partner key that signs requests (default: $SHOPEE_PARTNER_KEY, else the built-in test key)",
    )
    sandbox.add_argument(
        "--push-key", help="key that signs pushes (default: $SHOPEE_PUSH_PARTNER_KEY, else the partner key)"
    )
    sandbox.set_defaults(func=cmd_sandbox)

    webhook = commands.add_parser("webhook", help="push receiver").add_subparsers(
        dest="webhook_command", required=True
    )
    serve = webhook.add_parser("serve", help="run the webhook receiver")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_positive_int, default=8000, help="port to listen on")
    serve.set_defaults(func=cmd_webhook_serve)

    backfill = commands.add_parser(
        "backfill", help="backfill days of every shop as Dagster backfills of SHOPEE_SHOPS_PER_RUN shops each"
    )
    backfill.add_argument("--start", type=_day, required=True, help="first day, YYYY-MM-DD")
    backfill.add_argument("--end", type=_day, required=True, help="last day, YYYY-MM-DD (included)")
    backfill.add_argument("--shops", default=None, help="comma-separated shop ids (default: every shop)")
    backfill.set_defaults(func=cmd_backfill)
    costs = commands.add_parser("costs", help="the seller's product costs").add_subparsers(
        dest="costs_command", required=True
    )
    costs_import = costs.add_parser(
        "import", help="load unit costs from a CSV file: every row or none (see docs/interface.md)"
    )
    costs_import.add_argument("file", type=Path, help="the CSV file (header: shop_id, item_id or sku, ...)")
    costs_import.set_defaults(func=cmd_costs_import)
    costs_export = costs.add_parser(
        "export", help="write a costs template: one row per variation of the catalogue, to fill in"
    )
    costs_export.add_argument("file", type=Path, help="the CSV file to write")
    costs_export.add_argument("--shop-id", type=_positive_int, help="one shop (default: every shop)")
    costs_export.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    costs_export.set_defaults(func=cmd_costs_export)
    sync = commands.add_parser(
        "sync", help="sync one shop's day (or days) now, as one Dagster run; prints its rows and UI link"
    )
    sync.add_argument("--shop", type=_positive_int, required=True, help="a connected shop's id")
    sync.add_argument(
        "--date",
        type=_sync_days,
        required=True,
        help="the day, YYYY-MM-DD, or days FIRST..LAST (both included), in SHOPEE_TIMEZONE",
    )
    sync.add_argument("--assets", help="comma-separated synced assets (default: every one)")
    sync.set_defaults(func=cmd_sync)
    commands.add_parser("dagster-env", help="print DAGSTER_POSTGRES_URL for this database").set_defaults(
        func=cmd_dagster_env
    )
    demo = commands.add_parser("demo", help="embedded Postgres + sandbox + one full sync, then a summary")
    demo.add_argument("--shops", type=_positive_int, default=3, help="how many sandbox shops to sync")
    demo.add_argument("--days", type=_positive_int, default=3, help="days of history before today to sync")
    demo.set_defaults(func=cmd_demo)
    dev = commands.add_parser("dev", help="the stack kept running: Dagster UI, receiver, pushing sandbox")
    dev.add_argument("--shops", type=_positive_int, default=3, help="how many sandbox shops to sync")
    dev.add_argument("--ui-port", type=_positive_int, default=3000, help="port of the Dagster UI")
    dev.add_argument(
        "--receiver-port",
        type=_positive_int,
        default=8000,
        help="port of the webhook receiver the sandbox pushes to",
    )
    dev.add_argument(
        "--clock-rate",
        type=_faster_than_real,
        default=60.0,
        help="how much faster than real time the sandbox's clock runs until it has caught up with the real "
        "time (it starts a day behind)",
    )
    dev.add_argument(
        "--orders-per-day",
        type=_positive_int,
        default=40,
        help="orders each sandbox shop takes per simulated day: with --clock-rate, how many pushes arrive",
    )
    dev.set_defaults(func=cmd_dev)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shopee-pipeline` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace, Settings], None] = args.func
    try:
        func(args, get_settings())
    except (SettingsError, CommandError, ShopeeError) as exc:
        for line in str(exc).splitlines():  # one line per problem (a costs file's bad rows)
            print(f"shopee-pipeline: {line}", file=sys.stderr)
        return 1
    except Exception as exc:  # a database that cannot be reached, a refused connection, ...
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"shopee-pipeline: {type(exc).__name__}: {first_line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
