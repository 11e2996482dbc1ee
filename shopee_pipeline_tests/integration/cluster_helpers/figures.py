"""What a cluster run shows: run workers and database connections sampled while it runs, the runs'
overlaps (all at once, and per shop), and the sandbox's truth for the synced day."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import text

from shopee_pipeline.warehouse.database import create_warehouse_engine
from shopee_pipeline_tests.integration.soak_helpers.audit import truth_records

SPAWNED_WORKER = b"multiprocessing.spawn"  # the code server starts each run in a spawned process
CLIENT_CONNECTIONS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
)
SHOPS_TAG = "shopee/shops"


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent` and that are spawned multiprocessing workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == parent and SPAWNED_WORKER in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _peak_rss_kb(pid: int) -> int | None:
    """VmHWM (peak resident set) of `pid` in kB, None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float | None:
    """User plus system CPU seconds `pid` has used so far, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class ClusterSampler:
    """Every `interval_s`, in a thread: the run workers of the code server `grpc_pid` (their number and
    each one's peak RSS) and the client connections of the database at `database_url`."""

    grpc_pid: int
    database_url: str
    interval_s: float = 0.25
    peak_rss_kb: dict[int, int] = field(default_factory=dict)
    cpu_s: dict[int, float] = field(default_factory=dict)
    peak_workers: int = 0
    peak_connections: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> ClusterSampler:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self) -> None:
        engine = create_warehouse_engine(self.database_url)
        try:
            with engine.connect() as conn:
                while not self._stop.is_set():
                    workers = _children(self.grpc_pid)
                    self.peak_workers = max(self.peak_workers, len(workers))
                    for pid in workers:
                        rss = _peak_rss_kb(pid)
                        if rss is not None:
                            self.peak_rss_kb[pid] = max(rss, self.peak_rss_kb.get(pid, 0))
                        if (cpu := _cpu_s(pid)) is not None:
                            self.cpu_s[pid] = cpu
                    count = conn.execute(CLIENT_CONNECTIONS).scalar_one()
                    self.peak_connections = max(self.peak_connections, count)
                    conn.rollback()
                    self._stop.wait(self.interval_s)
        finally:
            engine.dispose()

    def worker_cpu_s(self) -> float:
        """CPU seconds of every run worker seen, as last sampled (up to `interval_s` short of the end)."""
        return round(sum(self.cpu_s.values()), 1)

    def worker_peak_mb(self) -> dict[str, float | int | None]:
        """Run workers seen and their peak RSS in MB (max and mean over workers)."""
        values = [kb / 1024 for kb in self.peak_rss_kb.values()]
        return {
            "workers_seen": len(values),
            "max": round(max(values), 1) if values else None,
            "mean": round(sum(values) / len(values), 1) if values else None,
        }


def intervals(records: list[Any]) -> list[tuple[float, float]]:
    """`[start_time, end_time]` of each finished run record."""
    return [(r.start_time, r.end_time) for r in records if r.start_time and r.end_time]


def peak_overlap(spans: list[tuple[float, float]]) -> int:
    """The most spans open at one instant (an end at the instant of a start does not overlap it)."""
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    open_now = peak = 0
    for _, step in edges:
        open_now += step
        peak = max(peak, open_now)
    return peak


def shop_overlaps(records: list[Any]) -> list[str]:
    """One line per shop synced by two runs whose `[start_time, end_time]` overlap (tag `shopee/shops`)."""
    by_shop: dict[str, list[tuple[float, float, str]]] = {}
    for r in records:
        for shop in filter(None, r.dagster_run.tags.get(SHOPS_TAG, "").split(",")):
            by_shop.setdefault(shop, []).append((r.start_time, r.end_time, r.dagster_run.run_id))
    lines = []
    for shop, spans in sorted(by_shop.items()):
        spans.sort()
        lines += [
            f"shop {shop}: run {b[2]} started at {b[0]} before run {a[2]} ended at {a[1]}"
            for a, b in pairwise(spans)
            if b[0] < a[1]
        ]
    return lines


def truth_since(truth: dict[str, Any], since: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """`truth_records` of the orders and bookings updated at `since` (Unix seconds) or later: what a sync
    of the day starting at `since` brings into the warehouse."""
    orders, bookings = truth_records(truth)
    return (
        {sn: order for sn, order in orders.items() if order[1] >= since},
        {sn: booking for sn, booking in bookings.items() if booking[1] >= since},
    )
