"""Runs a person starts from the command line (`shopee-pipeline sync`, the demo), and what they wrote.

A run is what `dagster asset materialize -m shopee_pipeline.definitions --select ... --partition ...`
(or `--partition-range`) makes: the implicit asset job of the selected assets, executed in this process
with the code location's in-process executor and recorded in the given instance. Unlike that command, it
returns the run id, and `rows_written` reads back what each table received from the run's own
materialization metadata (the `run` entry the sync assets record).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg

from shopee_pipeline.lib.metadata import RUN_METADATA
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sync.streams import SYNCED_TABLES
from shopee_pipeline.text_table import render_table

# The run's events stay in its event log (and the UI); the console keeps to the command's own summary.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
_ROWS = "rows_written"
_CHILD_ROWS = "_rows_written"


@dataclass(frozen=True)
class TableRows:
    """What one run wrote to one table: rows handed over, and of those inserted and updated (None where
    the run recorded only the rows handed over, for a child table that is no asset of its own)."""

    written: int
    inserted: int | None = None
    updated: int | None = None


@dataclass(frozen=True)
class RunReport:
    """How a run ended: its id, success, rows per table, Shopee calls, and the first failure's line."""

    run_id: str
    success: bool
    rows: dict[str, TableRows] = field(default_factory=dict)
    api_calls: int = 0
    failure: str | None = None

    def table_lines(self, indent: str = "  ") -> list[str]:
        """The rows written per table as an aligned table, tables in the stream registry's order, then
        the Shopee calls."""
        order = {table: i for i, table in enumerate(SYNCED_TABLES)}
        tables = sorted(self.rows, key=lambda table: order.get(table, len(order)))
        rows = [[t, self.rows[t].written, self.rows[t].inserted, self.rows[t].updated] for t in tables]
        header = ["table", "rows written", "inserted", "updated"]
        return [*render_table(header, rows, indent=indent), f"{indent}Shopee API calls: {self.api_calls}"]


def rows_written(instance: dg.DagsterInstance, run_id: str) -> tuple[dict[str, TableRows], int]:
    """Rows per table and Shopee API calls of run `run_id`, from its materializations' `run` entries.

    Each synced asset records `rows_written` (with `rows_inserted`, `rows_updated`) once per run, and a
    stream's parent asset also `<child>_rows_written` for child tables that are no asset (`escrow_items`,
    ...) and `api_calls`."""
    rows: dict[str, TableRows] = {}
    api_calls = 0
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    for record in records:
        materialization = record.event_log_entry.asset_materialization
        entry = materialization.metadata.get(RUN_METADATA) if materialization is not None else None
        if materialization is None or entry is None:  # a range run's per-partition figures: no run totals
            continue
        figures: Mapping[str, int] = entry.value  # type: ignore[assignment]
        table = materialization.asset_key.to_user_string()
        rows[table] = TableRows(figures[_ROWS], figures.get("rows_inserted"), figures.get("rows_updated"))
        api_calls += figures.get("api_calls", 0)
        for name, value in figures.items():
            if name.endswith(_CHILD_ROWS) and name != _ROWS:
                rows.setdefault(name.removesuffix(_CHILD_ROWS), TableRows(value))
    return rows, api_calls


def _first_failure(instance: dg.DagsterInstance, run_id: str) -> str | None:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = event.step_failure_data if event is not None else None
        if data is None:
            continue
        if data.user_failure_data is not None and data.user_failure_data.description:
            text = data.user_failure_data.description
        else:
            text = data.error.message if data.error is not None else "the step failed"
        return text.strip().splitlines()[0] if text.strip() else "the step failed"
    return None


def run_assets(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    asset_keys: Sequence[str],
    first_key: str,
    last_key: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> RunReport:
    """Materialize `asset_keys` of `defs` over the partition `first_key`, or the range `first_key` ..
    `last_key`, as one run recorded in `instance`; report it. Dagster's own refusal of the selection or
    the keys raises its `DagsterError`."""
    keys = [dg.AssetKey(key) for key in asset_keys]
    job = defs.get_repository_def().get_implicit_job_def_for_assets(keys)
    if job is None:
        raise dg.DagsterInvalidSubsetError("the selected assets do not share one partitions definition")
    run_tags = dict(tags or {})
    partition_key: str | None = first_key
    if last_key is not None and last_key != first_key:
        run_tags |= {RANGE_START: first_key, RANGE_END: last_key}
        partition_key = None
    result = job.execute_in_process(
        instance=instance,
        asset_selection=keys,
        partition_key=partition_key,
        tags=run_tags,
        run_config=QUIET_CONSOLE,
        raise_on_error=False,
    )
    rows, api_calls = rows_written(instance, result.run_id)
    failure = None if result.success else (_first_failure(instance, result.run_id) or "the run failed")
    return RunReport(result.run_id, result.success, rows, api_calls, failure)
