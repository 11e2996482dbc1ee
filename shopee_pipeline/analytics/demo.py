"""`python -m shopee_pipeline.analytics.demo`, run by `make demo` after its sync: build every dbt model
in the demo's database through Dagster (the run shows in the demo's instance) and print five rows of
`daily_shop_sales`."""

import sys
from collections.abc import Callable
from typing import Any

import dagster as dg
from sqlalchemy import text

from shopee_pipeline.analytics.definitions import defs
from shopee_pipeline.analytics.project import marts_schema
from shopee_pipeline.launcher import prepare_stack
from shopee_pipeline.settings import get_settings

SAMPLE_ROWS = 5
_QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # dbt's lines stay in the run's log
_COLUMNS: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("shop_id", str),
    ("order_date", str),
    ("currency", str),
    ("orders", str),
    ("cancellations", str),
    ("units", str),
    ("gmv", "{:,.2f}".format),
)
_LINE = "{:>10} {:>10} {:>8} {:>6} {:>13} {:>6} {:>16}"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def main() -> int:
    """Materialize the analytics location's assets, then print the newest rows of daily_shop_sales."""
    stack = prepare_stack(get_settings())  # the demo's database and Dagster instance
    with dg.DagsterInstance.get() as instance:
        job = defs.resolve_implicit_global_asset_job_def()
        result = job.execute_in_process(instance=instance, run_config=_QUIET, raise_on_error=False)
    if not result.success:
        failures = [event.message for event in result.all_events if event.is_failure]
        print("demo: building the dbt models failed:", *failures, sep="\n", file=sys.stderr)
        return 1
    built = len(result.get_asset_materialization_events())
    checks = result.get_asset_check_evaluations()
    passed = sum(check.passed for check in checks)
    print(f"demo: built {built} dbt models, {passed}/{len(checks)} dbt tests passed (asset checks)")
    query = text(
        f"SELECT {', '.join(name for name, _ in _COLUMNS)} "
        f"FROM {_quoted(marts_schema())}.daily_shop_sales ORDER BY order_date DESC, shop_id LIMIT :n"
    )
    with stack.warehouse.connect() as conn:
        rows = conn.execute(query, {"n": SAMPLE_ROWS}).all()
    print(f"  {marts_schema()}.daily_shop_sales, newest {SAMPLE_ROWS} rows:")
    print("  " + _LINE.format(*(name for name, _ in _COLUMNS)))
    for row in rows:
        print("  " + _LINE.format(*(render(value) for (_, render), value in zip(_COLUMNS, row, strict=True))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
