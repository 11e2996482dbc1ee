"""Every asset, check, job, schedule and sensor of the code location, with its partitions and automation,
listed and compared with `definitions_snapshot.json`: a definition that appears, vanishes or changes shows
up in review as a diff of that file.

Update the file after an intended change with
`UPDATE_SNAPSHOT=1 .venv/bin/pytest -q shopee_pipeline_tests/unit/test_definitions_snapshot.py`.
The listing is built in a fresh interpreter with no `SHOPEE_*` variable set (`python -m` this module), so
it shows the default settings whatever the environment and whichever modules the session imported first.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from shopee_pipeline_tests.fresh_interpreter import run_without_settings

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.json")
UPDATE_COMMAND = f"UPDATE_SNAPSHOT=1 .venv/bin/pytest -q {Path(*Path(__file__).parts[-3:])}"


def _partitions(partitions_def: dg.PartitionsDefinition | None) -> Any:
    """A partitions definition as plain values: its dimensions, their calendars and names."""
    if partitions_def is None:
        return None
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return {
            "multi": {dim.name: _partitions(dim.partitions_def) for dim in partitions_def.partitions_defs}
        }
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
        return {
            "time_window": {
                "cron": partitions_def.cron_schedule,
                "start": partitions_def.start.isoformat(),
                "end": partitions_def.end.isoformat() if partitions_def.end else None,
                "timezone": partitions_def.timezone,
                "end_offset": partitions_def.end_offset,
                "format": partitions_def.fmt,
            }
        }
    if isinstance(partitions_def, dg.DynamicPartitionsDefinition):
        return {"dynamic": partitions_def.name}
    if isinstance(partitions_def, dg.StaticPartitionsDefinition):
        return {"static": partitions_def.get_partition_keys()}
    return {type(partitions_def).__name__: repr(partitions_def)}


def _condition(condition: dg.AutomationCondition | None) -> str | None:
    """An automation condition by its label (`eager`, ...), else its operator over its operands."""
    if condition is None:
        return None
    if condition.get_label():
        return condition.get_label()
    operands = ", ".join(_condition(child) or "" for child in condition.children)
    return f"{condition.name}({operands})" if operands else condition.name


def _plain(value: Any) -> Any:
    """A policy's fields as JSON values (time spans as `H:MM:SS`)."""
    if hasattr(value, "to_timedelta"):  # Dagster's SerializableTimeDelta
        value = value.to_timedelta()
    if isinstance(value, timedelta):
        return str(value)
    if hasattr(value, "_fields"):  # a Dagster record
        return {"type": type(value).__name__} | {f: _plain(getattr(value, f)) for f in value._fields}
    return value if value is None or isinstance(value, str | int | float | bool) else repr(value)


def _assets(defs: dg.Definitions) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    return {
        node.key.to_user_string(): {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
            "partitions": _partitions(node.partitions_def),
            "automation_condition": _condition(node.automation_condition),
            "freshness_policy": _plain(node.freshness_policy),
            "backfill_policy": repr(node.backfill_policy) if node.backfill_policy else None,
            "deps": sorted(key.to_user_string() for key in node.parent_keys),
        }
        for node in sorted(graph.asset_nodes, key=lambda n: n.key.to_user_string())
    }


def _checks(defs: dg.Definitions) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    nodes = sorted(graph.asset_check_nodes, key=lambda n: n.key.to_user_string())
    return {
        node.key.to_user_string(): {
            "asset": node.key.asset_key.to_user_string(),
            "blocking": node.blocking,
            "automation_condition": _condition(node.automation_condition),
        }
        for node in nodes
    }


def _jobs(defs: dg.Definitions) -> dict[str, Any]:
    jobs = sorted(
        (j for j in defs.resolve_all_job_defs() if not j.name.startswith("__")), key=lambda j: j.name
    )
    listing = {}
    for job in jobs:
        assets = job.asset_layer.selected_asset_keys
        checks = [key for key in job.asset_layer.asset_graph.asset_check_keys if key.asset_key in assets]
        listing[job.name] = {
            "assets": sorted(key.to_user_string() for key in assets),
            "asset_checks": sorted(key.to_user_string() for key in checks),
            "ops": sorted(job.graph.node_names()),
            "partitions": _partitions(job.partitions_def),
            "executor": job.executor_def.name,
            "tags": dict(sorted(job.tags.items())),
        }
    return listing


def _schedules(defs: dg.Definitions) -> dict[str, Any]:
    listing = {}
    for name in sorted(s.name for s in defs.schedules or []):
        schedule = defs.resolve_schedule_def(name)
        listing[name] = {
            "cron": schedule.cron_schedule,
            "timezone": schedule.execution_timezone,
            "job": schedule.job_name,
            "default_status": schedule.default_status.value,
        }
    return listing


def _sensors(defs: dg.Definitions) -> dict[str, Any]:
    listing = {}
    for name in sorted(s.name for s in defs.sensors or []):
        sensor = defs.resolve_sensor_def(name)
        listing[name] = {
            "type": sensor.sensor_type.value,
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
            "jobs": sorted(target.job_name for target in sensor.targets),
            "default_status": sensor.default_status.value,
        }
    return listing


def describe(defs: dg.Definitions) -> str:
    """The listing of `defs`: stable order, no value taken from the clock or the machine."""
    listing = {
        "assets": _assets(defs),
        "asset_checks": _checks(defs),
        "jobs": _jobs(defs),
        "schedules": _schedules(defs),
        "sensors": _sensors(defs),
    }
    return json.dumps(listing, indent=2) + "\n"


def _listing_with_default_settings() -> str:
    """`describe` of the code location, run in a new interpreter without any `SHOPEE_*` variable."""
    return run_without_settings("-m", __name__)


def test_definitions_match_the_snapshot() -> None:
    actual = _listing_with_default_settings()
    if os.environ.get("UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(actual)
    expected = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{SNAPSHOT.name} (committed)",
            tofile="definitions now",
        )
    )
    if diff:
        pytest.fail(f"the definitions changed; if that is intended, run `{UPDATE_COMMAND}`\n{diff}", False)


if __name__ == "__main__":
    from shopee_pipeline.definitions import defs

    sys.stdout.write(describe(defs))
