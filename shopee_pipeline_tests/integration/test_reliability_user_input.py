"""Bad input from users, on the Dagster side: a malformed partition key or a shop id containing `|` is
refused with one message naming the key, before anything is fetched or written. (The `shopee-pipeline`
command's bad input, unknown shops, wrong `DATABASE_URL` and missing partner key are in `test_cli.py`.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from shopee_pipeline.definitions import defs
from shopee_pipeline.lib.partitions import PartitionKeyError, parse_partition_key
from shopee_pipeline.warehouse import tables

BAD_KEYS = ["not-a-key", "2026-11-25|12|34", "2026-13-45|123456", "2026-11-25|", "|123456", "2026-11-25|12a"]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_malformed_key_is_one_clear_error(key: str) -> None:
    with pytest.raises(PartitionKeyError) as caught:
        parse_partition_key(key)
    assert key in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("key", ["not-a-key", "2026-11-25|12|34", "2026-13-45|{shop}"])
def test_run_for_a_malformed_key_is_refused_before_any_call(pipeline, key: str) -> None:
    key = key.format(shop=pipeline.sandbox.shop_ids[0])
    pipeline.sandbox.reset_call_counts()
    with pytest.raises(dg.DagsterUnknownPartitionError, match="Could not find a partition"):
        defs.resolve_job_def("sync_shopee").execute_in_process(partition_key=key, instance=pipeline.instance)
    assert pipeline.sandbox.call_counts()["total"] == 0
    with pipeline.warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.orders)).scalar_one() == 0


def test_dagster_cli_with_a_pipe_in_the_shop_id_exits_non_zero(tmp_path: Path) -> None:
    key = "2026-11-25|12|34"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "shopee_pipeline.definitions",
            "--select",
            "orders,order_items,logistics",
            "--partition",
            key,
        ],
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    last = completed.stderr.strip().splitlines()[-1]
    assert key in last  # Dagster's own CLI prints its traceback; its last line names the key
