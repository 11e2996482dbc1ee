"""The local stack behind `make demo` and `make dev`: embedded Postgres, Dagster instance, sandbox.

`shopee-pipeline demo` runs one full sync through Dagster and prints a summary; `shopee-pipeline dev`
keeps the stack running (Dagster UI and daemon, webhook receiver, a sandbox that pushes to it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from shopee_pipeline.settings import Settings, get_settings
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.database import (
    DAGSTER_SCHEMA,
    dagster_storage_url,
    ensure_schema,
    resolve_database_url,
)
from shopee_pipeline.warehouse.migrate import upgrade
from shopee_pipeline.warehouse.store import Warehouse

REPO_ROOT = Path(__file__).resolve().parent.parent
SYNC_SELECTION = "orders,order_items,logistics,escrow,bookings"


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
    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_dir / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.symlink_to(REPO_ROOT / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["DAGSTER_POSTGRES_URL"] = dagster_storage_url(url)
    return LocalStack(warehouse, home, os.environ["DAGSTER_POSTGRES_URL"])


def use_sandbox(url: str, partner_id: int, partner_key: str) -> Settings:
    """Point this process (and the processes it starts) at a sandbox Shopee; return the new settings."""
    os.environ.update(
        {"SHOPEE_API_BASE_URL": url, "SHOPEE_PARTNER_ID": str(partner_id), "SHOPEE_PARTNER_KEY": partner_key}
    )
    get_settings.cache_clear()
    return get_settings()


def connect_sandbox_shops(settings: Settings, stack: LocalStack, sandbox) -> None:
    """Authorize and connect every sandbox shop, and add their partitions to the Dagster instance."""
    import dagster as dg

    from shopee_pipeline.defs.partitions import SHOP_PARTITIONS_NAME
    from shopee_pipeline.onboarding import connect_shop

    for shop_id in sandbox.shop_ids:
        connect_shop(settings, stack.warehouse, shop_id, sandbox.authorize(shop_id))
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(SHOP_PARTITIONS_NAME, [str(s) for s in sandbox.shop_ids])


def _row_counts(warehouse: Warehouse) -> dict[str, int]:
    with warehouse.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables.metadata.sorted_tables
            if table.name not in ("shop_tokens", "sync_state")
        }


def partitions_range(first_day: date, last_day: date) -> str:
    """`first...last` partition keys covering every connected shop from `first_day` to `last_day`."""
    import dagster as dg

    from shopee_pipeline.defs.partitions import all_shops_range

    with dg.DagsterInstance.get() as instance:
        first, last = all_shops_range(instance, first_day, last_day) or ("", "")
    return f"{first}...{last}"


def materialize_range(partition_range: str) -> subprocess.CompletedProcess:
    """`dagster asset materialize` of every Shopee asset over `first...last` partition keys, in a
    process of its own (the run worker), as a user or CI would run it."""
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "shopee_pipeline.definitions"]
    command += ["--select", SYNC_SELECTION, "--partition-range", partition_range]
    return subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True, cwd=REPO_ROOT)


def demo(shops: int = 3, days: int = 3) -> int:
    """Embedded Postgres + sandbox + one full sync of every asset, every shop, the recent days."""
    from shopee_pipeline.sandbox import SandboxConfig, start_sandbox

    started = time.monotonic()
    stack = prepare_stack(get_settings())
    with start_sandbox(SandboxConfig(shops=shops, history_days=days)) as sandbox:
        settings = use_sandbox(sandbox.url, sandbox.partner_id, sandbox.partner_key)
        connect_sandbox_shops(settings, stack, sandbox)
        today = datetime.fromtimestamp(sandbox.now(), settings.timezone).date()
        partition_range = partitions_range(today - timedelta(days=days), today)
        sandbox.reset_call_counts()
        completed = materialize_range(partition_range)
        calls = sandbox.call_counts()
    if completed.returncode != 0:
        print(completed.stderr[-4000:], file=sys.stderr)
        print("demo: the sync run failed (see above)", file=sys.stderr)
        return 1
    counts = _row_counts(stack.warehouse)
    api_calls = sum(n for path, n in calls.items() if path.startswith("/api/"))
    elapsed = time.monotonic() - started
    print(f"demo: synced {shops} sandbox shops x {days + 1} days through Dagster in {elapsed:.1f} s")
    for name, n in counts.items():
        print(f"  {name:16} {n:>8} rows")
    print(f"  {'API calls':16} {api_calls:>8}")
    return 0


def dev(shops: int = 3, clock_rate: float = 60.0) -> int:
    """The stack kept running: Dagster UI and daemon on :3000 (schedule and sensors on), the webhook
    receiver on :8000, and a sandbox whose clock runs `clock_rate` times faster, pushing to the receiver."""
    from shopee_pipeline.sandbox import SandboxConfig, start_sandbox

    # On SIGTERM, exit normally so the embedded server's exit hook stops it: no process left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    settings = get_settings()
    stack = prepare_stack(settings)
    os.environ["DATABASE_URL"] = resolve_database_url(settings)
    config = SandboxConfig(shops=shops, push_url=settings.webhook_url, clock_rate=clock_rate)
    with start_sandbox(config) as sandbox:
        settings = use_sandbox(sandbox.url, sandbox.partner_id, sandbox.partner_key)
        connect_sandbox_shops(settings, stack, sandbox)
        cli = [sys.executable, "-m", "shopee_pipeline.cli"]
        receiver = subprocess.Popen([*cli, "webhook", "serve"], env=os.environ.copy())
        ui = [sys.executable, "-m", "dagster", "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-p", "3000"]
        print(
            f"dev: Dagster UI http://127.0.0.1:3000, receiver {settings.webhook_url}, sandbox {sandbox.url}"
        )
        try:
            return subprocess.call(ui, env=os.environ.copy(), cwd=REPO_ROOT)
        except KeyboardInterrupt:
            return 0
        finally:
            receiver.terminate()
            receiver.wait(timeout=10)
