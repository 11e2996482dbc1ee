"""`make screenshots`: the README's pictures of the Dagster UI, taken with Debian's chromium driven by
Playwright (the `docs` extra) against `shopee-pipeline dev`.

Unless `--url` names a running UI, it starts `shopee-pipeline dev` on free ports with its data in a
temporary folder (a clean environment: none of this shell's SHOPEE_/DAGSTER_ settings or DATABASE_URL).
The sandbox knows no product costs, so once every shop's catalogue has been read whole it gives each
variation a unit cost of `COST_SHARE` of its original price and loads them with `shopee-pipeline costs
import`, as a seller would (with the variables `dev` prints for a second shell). It waits until a sync has
landed and Declarative Automation has built each mart a few times, the last build after the costs load,
takes the pictures, then stops the stack (SIGTERM to its process group; `dev` stops its children). Against
`--url` nothing is loaded: the pictures show what that stack holds.

  docs/images/lineage.png             the global asset lineage, both code locations' groups expanded
  docs/images/<asset>_plot.png        each --asset's page, its Metadata section switched to Plots
  docs/images/<asset>_overview.png    the top of each --overview asset's page: status, columns

UI details it relies on (Dagster 1.13): the lineage at /asset-groups, Alt+E expanding every group, the
sidebar button holding the `panel_show_right` icon, a double click on the graph fitting it to the width,
localStorage keys `dagster-nav-collapsed`, `asset-graph-direction` and `communityNux`, the asset
page's "Plots" button in its "Metadata" section, and its "Row count" and "Column name" labels.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from pathlib import Path

from shopee_pipeline.process_groups import start_group, stop_groups

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES = REPO_ROOT / "docs" / "images"
CHROMIUM = Path("/usr/bin/chromium")
# The lineage is about five times wider than tall: a wide picture keeps its names legible at full size.
LINEAGE_VIEWPORT = {"width": 2560, "height": 760}
PLOTS_VIEWPORT = {"width": 1600, "height": 1200}  # the Metadata section's plots, three rows of two
OVERVIEW_VIEWPORT = {"width": 1600, "height": 1340}  # status, description and up to about 18 columns
SYNCED_ASSET = "orders"
PLOTTED = ["daily_shop_sales"]
"""The marts shown with their Metadata as Plots: those recording totals (`meta: totals:`)."""
OVERVIEWED = ["daily_shop_profit"]
"""The marts shown by the top of their Overview: status, row count, checks, columns."""
COST_SHARE = Decimal("0.55")
"""The unit cost given to each sandbox variation, as a share of its original price (rounded to 100)."""
# Before any page script runs: the navigation folded, the lineage drawn top-down (wider than tall, so it
# fits a wide picture), and no "Join the Dagster community" dialog over it.
UI_PREFERENCES = """
window.localStorage.setItem('dagster-nav-collapsed', 'true');
window.localStorage.setItem('asset-graph-direction', 'vertical');
window.localStorage.setItem('communityNux', '1');
"""
MATERIALIZATIONS = """
query Materializations($key: AssetKeyInput!, $limit: Int!) {
  assetNodes(assetKeys: [$key]) { assetMaterializations(limit: $limit) { timestamp } }
}
"""


class ScreenshotError(Exception):
    """Why no pictures were taken, in one line."""


def _free_ports(count: int) -> list[str]:
    """`count` distinct TCP ports free on the loopback interface now."""
    servers = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [str(server.getsockname()[1]) for server in servers]
    for server in servers:
        server.close()
    return ports


def _ui_answers(url: str) -> bool:
    """Whether a Dagster webserver at `url` serves its /server_info (an HTTP error is an OSError)."""
    try:
        urllib.request.urlopen(f"{url}/server_info", timeout=5).close()
    except OSError:
        return False
    return True


def materializations(url: str, asset: str, limit: int) -> list[float]:
    """When (epoch seconds) the latest materializations of `asset` were, as the UI's GraphQL API lists
    them (at most `limit`)."""
    body = json.dumps({"query": MATERIALIZATIONS, "variables": {"key": {"path": [asset]}, "limit": limit}})
    request = urllib.request.Request(f"{url}/graphql", body.encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            nodes = json.load(response)["data"]["assetNodes"]
    except OSError as error:
        raise ScreenshotError(f"the Dagster UI at {url} stopped answering: {error}") from None
    return [int(m["timestamp"]) / 1000 for m in nodes[0]["assetMaterializations"]] if nodes else []


class DevStack:
    """`shopee-pipeline dev` on free ports in a process group of its own, its data in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        ui_port, receiver_port = _free_ports(2)
        self.url = f"http://127.0.0.1:{ui_port}"
        self.log_path = data_dir / "dev.log"
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SHOPEE_", "DAGSTER_", "DATABASE_URL"))
        }
        env["SHOPEE_DATA_DIR"] = str(data_dir)
        self.env = env
        command = [sys.executable, "-m", "shopee_pipeline.cli", "dev"]
        command += ["--ui-port", ui_port, "--receiver-port", receiver_port]
        with self.log_path.open("wb") as log:
            self.process = start_group(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)

    def check(self) -> None:
        """Raise if `dev` exited."""
        if self.process.poll() is not None:
            print(*self.log_path.read_text(errors="replace").splitlines()[-20:], sep="\n", file=sys.stderr)
            raise ScreenshotError(
                f"shopee-pipeline dev exited ({self.process.returncode}), its last lines above"
            )

    def second_shell(self) -> dict[str, str]:
        """The environment of a second shell on the stack: its own, with the `export` lines `dev` printed
        (PATH aside: commands run with this Python)."""
        exports = dict(
            shlex.split(line)[1].split("=", 1)
            for line in self.log_path.read_text(errors="replace").splitlines()
            if line.startswith("export ") and not line.startswith("export PATH=")
        )
        return {**self.env, **exports}

    def stop(self) -> None:
        """SIGTERM to `dev` (it stops Dagster, the receiver and Postgres), then to whatever is left."""
        stop_groups([self.process], grace=60.0)


def load_costs(env: Mapping[str, str], out: Path) -> bool:
    """Once every active shop's catalogue has been read whole: write each variation's unit cost
    (`COST_SHARE` of its original price, valid from the first partition) to a costs file in `out` and load
    it with `shopee-pipeline costs import` under `env`. False (nothing loaded) while a catalogue is unread."""
    from sqlalchemy import select

    from shopee_pipeline.costs import write_template
    from shopee_pipeline.lib.sync_runs import full_read_stream
    from shopee_pipeline.settings import load_settings
    from shopee_pipeline.sync.streams import ITEMS
    from shopee_pipeline.warehouse.costs import template_rows
    from shopee_pipeline.warehouse.shops import active_shops_named
    from shopee_pipeline.warehouse.store import Warehouse
    from shopee_pipeline.warehouse.sync_state import high_water_marks
    from shopee_pipeline.warehouse.tables import item_models

    settings = load_settings(env)
    warehouse = Warehouse.from_settings(settings)
    try:
        with warehouse.connect() as conn:
            shops = list(active_shops_named(conn))
            if not shops or len(high_water_marks(conn, full_read_stream(ITEMS), shops)) < len(shops):
                return False
            variation = (item_models.c.shop_id, item_models.c.item_id, item_models.c.model_id)
            prices = {
                (shop, item, model): price
                for shop, item, model, price in conn.execute(select(*variation, item_models.c.original_price))
            }
            rows = template_rows(conn, shops, settings.sync_start_date)
    finally:
        warehouse.engine.dispose()
    for row in rows:
        price = prices.get((row["shop_id"], row["item_id"], row["model_id"]))
        row["unit_cost"] = None if price is None else (price * COST_SHARE / 100).quantize(Decimal(1)) * 100
    path = out / "costs.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        write_template(file, rows)
    command = [sys.executable, "-m", "shopee_pipeline.cli", "costs", "import", str(path)]
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise ScreenshotError(f"costs import failed: {done.stderr.strip() or done.stdout.strip()}")
    print(*(f"screenshots: {line}" for line in done.stdout.strip().splitlines()), sep="\n", flush=True)
    return True


def wait_until_ready(url: str, marts: list[str], points: int, timeout: float, stack: DevStack | None) -> None:
    """Until the UI answers, `orders` has a materialization and each of `marts` has `points` of them;
    on a stack of our own, once costs are loaded (`load_costs`) and each mart's last one after that."""
    deadline = time.monotonic() + timeout
    while not _ui_answers(url):
        if stack is None:
            raise ScreenshotError(f"no Dagster UI answers at {url}: start `make dev` or leave out --url")
        stack.check()
        if time.monotonic() > deadline:
            raise ScreenshotError(f"the Dagster UI at {url} did not answer within {timeout:.0f} s")
        time.sleep(2)
    print(
        f"screenshots: UI at {url}; waiting for a sync and {points} builds each of {', '.join(marts)}",
        flush=True,
    )
    costs_loaded_at = None if stack is not None else 0.0

    def ready() -> bool:
        if costs_loaded_at is None or not materializations(url, SYNCED_ASSET, 1):
            return False
        builds = [materializations(url, mart, points) for mart in marts]
        return all(len(times) >= points and max(times) > costs_loaded_at for times in builds)

    while not ready():
        if stack is not None:
            stack.check()
            if costs_loaded_at is None and load_costs(stack.second_shell(), stack.log_path.parent):
                costs_loaded_at = time.time()
        if time.monotonic() > deadline:
            costs = "" if costs_loaded_at is not None else "catalogue read whole (for the costs), "
            builds = f"{points} builds of {', '.join(marts)}"
            raise ScreenshotError(f"no {costs}sync of {SYNCED_ASSET} or {builds} in {timeout:.0f} s")
        time.sleep(10)


def shoot_lineage(page, url: str, path: Path) -> None:
    """The global asset lineage with every group expanded, fitted to the width, sidebar hidden."""
    page.set_viewport_size(LINEAGE_VIEWPORT)
    page.goto(f"{url}/asset-groups")
    graph = page.locator('svg[class*="svgContainer"]')
    graph.wait_for()
    page.keyboard.press("Alt+KeyE")  # "Expand all groups"
    page.locator('button:has([aria-label="panel_show_right"])').first.click()  # "Hide sidebar"
    page.wait_for_timeout(1000)
    graph.dispatch_event("dblclick")  # fit the graph to the wider canvas
    page.wait_for_timeout(3000)
    page.screenshot(path=path)


def shoot_plot(page, url: str, path: Path, asset: str) -> None:
    """`asset`'s page scrolled to its Metadata section, shown as Plots."""
    page.set_viewport_size(PLOTS_VIEWPORT)
    page.goto(f"{url}/assets/{asset}")
    page.get_by_role("button", name="Plots").click()
    page.locator("canvas").first.wait_for()  # the first plot drawn
    page.get_by_text("Metadata", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(2000)
    page.screenshot(path=path)


def shoot_overview(page, url: str, path: Path, asset: str) -> None:
    """The top of `asset`'s Overview: its status (last build, checks, row count), description and columns
    with their types and descriptions, and the definition beside them."""
    page.set_viewport_size(OVERVIEW_VIEWPORT)
    page.goto(f"{url}/assets/{asset}")
    page.get_by_text("Row count", exact=True).wait_for()  # the latest materialization's figures
    page.get_by_text("Column name", exact=True).wait_for()
    page.wait_for_timeout(2000)
    page.screenshot(path=path)


def take(url: str, plotted: list[str], overviewed: list[str], chromium: Path, out: Path) -> list[Path]:
    """The lineage, the `plotted` marts' plots and the `overviewed` marts' overviews in the UI at `url`;
    returns the pictures' paths."""
    from playwright.sync_api import Error, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots = [(out / "lineage.png", shoot_lineage)]
    shots += [(out / f"{asset}_plot.png", partial(shoot_plot, asset=asset)) for asset in plotted]
    shots += [(out / f"{asset}_overview.png", partial(shoot_overview, asset=asset)) for asset in overviewed]
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # chromium refuses its sandbox as root
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=args)
        try:
            page = browser.new_page()
            page.add_init_script(UI_PREFERENCES)
            for path, shoot in shots:
                shoot(page, url, path)
        except Error as error:  # a selector above no longer matches the UI
            raise ScreenshotError(f"the UI at {page.url}: {error.message.splitlines()[0]}") from None
        finally:
            browser.close()
    return [path for path, _ in shots]


def check_tools(chromium: Path) -> None:
    """Raise if chromium or Playwright is missing."""
    if not os.access(chromium, os.X_OK):
        raise ScreenshotError(f"no chromium at {chromium}: apt-get install -y chromium (or give --chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise ScreenshotError(
            "Playwright is missing: pip install -e '.[docs]' (make screenshots does)"
        ) from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running Dagster UI (e.g. http://127.0.0.1:3000 of `make dev`)")
    parser.add_argument(
        "--asset",
        action="append",
        help=f"an asset whose Metadata plots to show (repeatable; default: {', '.join(PLOTTED)})",
    )
    parser.add_argument(
        "--overview",
        action="append",
        help=f"an asset whose Overview to show (repeatable; default: {', '.join(OVERVIEWED)})",
    )
    parser.add_argument("--points", type=int, default=3, help="materializations of each asset to wait for")
    parser.add_argument("--timeout", type=float, default=2400.0, help="seconds to wait for the stack")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help="the browser to drive")
    parser.add_argument("--out", type=Path, default=IMAGES, help="where to write the PNGs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start (or join) the stack, wait for its data, take the pictures, stop what it started."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops the stack as Ctrl-C does
    try:
        check_tools(args.chromium)
        with tempfile.TemporaryDirectory(prefix="shopee-screenshots-") as data_dir:
            stack = None if args.url else DevStack(Path(data_dir))
            url = args.url.rstrip("/") if args.url else stack.url
            try:
                plotted, overviewed = args.asset or PLOTTED, args.overview or OVERVIEWED
                wait_until_ready(url, plotted + overviewed, args.points, args.timeout, stack)
                paths = take(url, plotted, overviewed, args.chromium, args.out)
            finally:
                if stack is not None:
                    stack.stop()
    except ScreenshotError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("screenshots: interrupted, no pictures taken", file=sys.stderr)
        return 130
    for path in paths:
        print(f"screenshots: wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
