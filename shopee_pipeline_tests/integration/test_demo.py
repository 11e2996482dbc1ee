"""`shopee-pipeline demo` as `make demo` runs it, in a data folder of its own: its summary shows what its
run wrote (never the warehouse's totals or internal tables), where the data is and what to do next."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from shopee_pipeline.sync.streams import SYNCED_TABLES
from shopee_pipeline.warehouse.embedded import embedded_database_url, release_embedded_server

pytestmark = pytest.mark.slow


def test_demo_reports_what_its_run_wrote_and_what_to_do_next(tmp_path) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPEE_", "DAGSTER_", "DATABASE_URL"))}
    env["SHOPEE_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-m", "shopee_pipeline.cli", "demo", "--shops", "1", "--days", "1"]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    print(f"\n{completed.stdout}")
    lines = completed.stdout.splitlines()
    first = lines.index(
        next(line for line in lines if line.startswith("demo: synced 1 sandbox shops x 2 days"))
    )
    run_id = lines[first].split(" run ")[1].split(";")[0]
    header = lines[first + 1].split()
    assert header == ["table", "rows", "written", "inserted", "updated"]
    printed = {}
    for line in lines[first + 2 :]:
        parts = line.split()
        if not parts[1].isdigit():
            break
        printed[parts[0]] = (int(parts[1]), parts[2])
    assert set(printed) == set(SYNCED_TABLES)  # no rate_budget, rate_limits, shops, sync_state, ...
    assert any(line.strip().startswith("shopee-pipeline db serve &") for line in lines)
    psql = next(line.strip() for line in lines if "psql" in line and "-c 'SELECT" in line)
    assert f"host={data_dir}" in psql and "FROM shopee.orders" in psql
    assert any(line.strip().startswith("make dev ") and f"/runs/{run_id}" in line for line in lines)
    assert any("shopee-pipeline sync --shop" in line for line in lines)

    url = embedded_database_url(data_dir)  # the demo's server stopped with it: start it again to look
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            for name in ("orders", "order_items", "logistics", "escrow", "bookings"):
                stored = conn.execute(text(f"SELECT count(*) FROM shopee.{name}")).scalar_one()
                # A fresh folder: every stored row is one this run wrote, inserted once.
                assert printed[name] == (stored, str(stored)), name
            assert printed["orders"][0] > 0
            status = text("SELECT status FROM dagster.runs WHERE run_id = :run_id")
            assert conn.execute(status, {"run_id": run_id}).scalar_one() == "SUCCESS"
        opened = subprocess.run(["bash", "-c", psql], capture_output=True, text=True, timeout=60)
        assert opened.returncode == 0 and "order_status" in opened.stdout, opened.stderr  # the line works
    finally:
        engine.dispose()
        release_embedded_server(data_dir)
