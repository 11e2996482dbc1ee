"""`make screenshots`: the README's pictures of the Dagster UI, taken with Debian's chromium driven by
Playwright (the `docs` extra) against `shopee-pipeline dev`.

Unless `--url` names a running UI, it starts `shopee-pipeline dev` on free ports with its data in a
temporary folder (a clean environment: none of this shell's SHOPEE_/DAGSTER_ settings or DATABASE_URL),
waits until the UI answers, a sync has landed and Declarative Automation has built the mart a few times,
takes the pictures, then stops the stack (SIGTERM to its process group; `dev` stops its children).

  docs/images/lineage.png        the global asset lineage, both code locations' groups expanded
  docs/images/<asset>_plot.png   the asset's page, its Metadata section switched to Plots

UI details it relies on (Dagster 1.13): the lineage at /asset-groups, Alt+E expanding every group, the
sidebar button holding the `panel_show_right` icon, a double click on the graph fitting it to the width,
localStorage keys `dagster-nav-collapsed`, `asset-graph-direction` and `communityNux`, and the asset
page's "Plots" button in its "Metadata" section.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from shopee_pipeline.process_groups import start_group, stop_groups

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES = REPO_ROOT / "docs" / "images"
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1600, "height": 1000}
SYNCED_ASSET = "orders"
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


def materializations(url: str, asset: str, limit: int) -> int:
    """How many materializations of `asset` the UI's GraphQL API lists (at most `limit`)."""
    body = json.dumps({"query": MATERIALIZATIONS, "variables": {"key": {"path": [asset]}, "limit": limit}})
    request = urllib.request.Request(f"{url}/graphql", body.encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            nodes = json.load(response)["data"]["assetNodes"]
    except OSError as error:
        raise ScreenshotError(f"the Dagster UI at {url} stopped answering: {error}") from None
    return len(nodes[0]["assetMaterializations"]) if nodes else 0


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

    def stop(self) -> None:
        """SIGTERM to `dev` (it stops Dagster, the receiver and Postgres), then to whatever is left."""
        stop_groups([self.process], grace=60.0)


def wait_until_ready(url: str, mart: str, points: int, timeout: float, stack: DevStack | None) -> None:
    """Until the UI answers, `orders` has a materialization and `mart` has `points` of them."""
    deadline = time.monotonic() + timeout
    while not _ui_answers(url):
        if stack is None:
            raise ScreenshotError(f"no Dagster UI answers at {url}: start `make dev` or leave out --url")
        stack.check()
        if time.monotonic() > deadline:
            raise ScreenshotError(f"the Dagster UI at {url} did not answer within {timeout:.0f} s")
        time.sleep(2)
    print(f"screenshots: UI at {url}; waiting for a sync and {points} materializations of {mart}", flush=True)
    while materializations(url, SYNCED_ASSET, 1) < 1 or materializations(url, mart, points) < points:
        if stack is not None:
            stack.check()
        if time.monotonic() > deadline:
            raise ScreenshotError(
                f"no sync of {SYNCED_ASSET} or {points} builds of {mart} in {timeout:.0f} s"
            )
        time.sleep(10)


def shoot_lineage(page, url: str, path: Path) -> None:
    """The global asset lineage with every group expanded, fitted to the width, sidebar hidden."""
    page.goto(f"{url}/asset-groups")
    graph = page.locator('svg[class*="svgContainer"]')
    graph.wait_for()
    page.keyboard.press("Alt+KeyE")  # "Expand all groups"
    page.locator('button:has([aria-label="panel_show_right"])').first.click()  # "Hide sidebar"
    page.wait_for_timeout(1000)
    graph.dispatch_event("dblclick")  # fit the graph to the wider canvas
    page.wait_for_timeout(3000)
    page.screenshot(path=path)


def shoot_plot(page, url: str, asset: str, path: Path) -> None:
    """`asset`'s page scrolled to its Metadata section, shown as Plots."""
    page.goto(f"{url}/assets/{asset}")
    page.get_by_role("button", name="Plots").click()
    page.locator("canvas").first.wait_for()  # the first plot drawn
    page.get_by_text("Metadata", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(2000)
    page.screenshot(path=path)


def take(url: str, asset: str, chromium: Path, out: Path) -> list[Path]:
    """Both pictures of the UI at `url`; returns their paths."""
    from playwright.sync_api import Error, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "lineage.png", out / f"{asset}_plot.png"]
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # chromium refuses its sandbox as root
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=args)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.add_init_script(UI_PREFERENCES)
            shoot_lineage(page, url, paths[0])
            shoot_plot(page, url, asset, paths[1])
        except Error as error:  # a selector above no longer matches the UI
            raise ScreenshotError(f"the UI at {page.url}: {error.message.splitlines()[0]}") from None
        finally:
            browser.close()
    return paths


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
    parser.add_argument("--asset", default="daily_shop_sales", help="the asset whose plots to show")
    parser.add_argument("--points", type=int, default=3, help="materializations of --asset to wait for")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the stack")
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
                wait_until_ready(url, args.asset, args.points, args.timeout, stack)
                paths = take(url, args.asset, args.chromium, args.out)
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
