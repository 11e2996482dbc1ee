"""The code location `shopee_analytics`: every dbt model of `dbt_project/` as an asset downstream of the
Shopee assets of location `shopee_pipeline`, each dbt test as an asset check.

A location of its own (workspace.yaml) so that the sync's run workers never import dbt. The lineage
still joins: each dbt source is keyed as the Shopee asset that writes its table (`ShopeeDbtTranslator`).
The models refresh by Declarative Automation after the syncs they depend on land (`AFTER_SYNCS`,
evaluated by `shopee_analytics_automation`), on no schedule. Money at risk (overdue and mismatched payouts)
is checked daily (`analytics/checks.py`) and a failure reaches operators through `alert_on_run_failure`,
the sync location's alert sensor, run here too.

Dagster loads it through the lazy entry point `shopee_analytics_definitions` (`@dg.definitions`): importing
this module neither parses the dbt project nor builds anything; the manifest is made ready (`dbt parse` when
it is missing or stale, `prepared_project`) when the definitions are first built. `defs` (a module
`__getattr__`) gives the built object.
"""

import functools
import shutil
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from shopee_pipeline.analytics.checks import MONEY_CHECKS, build_money_at_risk_daily, money_at_risk_job
from shopee_pipeline.analytics.connection import dbt_environment
from shopee_pipeline.analytics.project import dbt_cli, prepared_project
from shopee_pipeline.analytics.translator import ShopeeDbtTranslator
from shopee_pipeline.defs.alerts import alert_on_run_failure
from shopee_pipeline.settings import get_settings


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """One multi-asset over every model of `project` (subsettable), running `dbt build` on the selected
    models (their tests included) with the connection of the environment's settings. Each run's dbt
    artifacts go to a folder of their own under the target folder, removed when the run is done (the
    events are in Dagster's log): automation runs all day never fill the disk."""

    @dbt_assets(manifest=project.manifest_path, dagster_dbt_translator=ShopeeDbtTranslator())
    def shopee_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        run_target = project.target_path / f"run-{context.run.run_id}"
        try:
            with dbt_environment():
                yield from dbt.cli(["build"], context=context, target_path=run_target).stream()
        finally:
            shutil.rmtree(run_target, ignore_errors=True)

    return shopee_dbt_models


def build_definitions(project: DbtProject | None = None) -> dg.Definitions:
    """The location for `project` (this package's, its manifest made ready, by default)."""
    project = project or prepared_project()
    models = build_dbt_assets(project)
    return dg.Definitions(
        assets=[models],
        asset_checks=list(MONEY_CHECKS),
        jobs=[money_at_risk_job],
        schedules=[build_money_at_risk_daily(get_settings().timezone)],
        sensors=[
            dg.AutomationConditionSensorDefinition(
                "shopee_analytics_automation",
                target=dg.AssetSelection.assets(models),
                default_status=dg.DefaultSensorStatus.RUNNING,
            ),
            alert_on_run_failure,
        ],
        resources={"dbt": dbt_cli(project)},
    )


@functools.cache
def loaded_definitions() -> dg.Definitions:
    """The location for this package's dbt project, its manifest prepared, built on the first call only."""
    return build_definitions()


@dg.definitions
def shopee_analytics_definitions() -> dg.Definitions:
    """The entry point Dagster loads (`-m shopee_pipeline.analytics.definitions`, workspace.yaml)."""
    return loaded_definitions()


def __getattr__(name: str) -> dg.Definitions:
    """`defs`: the built location (`loaded_definitions()`), for `from ... import defs`."""
    if name == "defs":
        return loaded_definitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
