"""The code location `shopee_analytics`: every dbt model of `dbt_project/` as an asset downstream of the
Shopee assets of location `shopee_pipeline`, each dbt test as an asset check.

A location of its own (workspace.yaml) so that the sync's run workers never import dbt. The lineage
still joins: each dbt source is keyed as the Shopee asset that writes its table (`ShopeeDbtTranslator`).
The models refresh by Declarative Automation after the syncs they depend on land (`AFTER_SYNCS`,
evaluated by `shopee_analytics_automation` at most every SHOPEE_ANALYTICS_INTERVAL_SECONDS), on no
schedule; its runs go last in the queue, one at a time (`AUTOMATION_RUN_TAGS`, dagster.yaml). Money at
risk (overdue and mismatched payouts) is checked daily (`analytics/checks.py`) and a failure reaches
operators through `alert_on_run_failure`, the sync location's alert sensor, run here too.

Dagster loads it through the lazy entry point `shopee_analytics_definitions` (`@dg.definitions`): importing
this module neither parses the dbt project nor builds anything; the manifest is made ready (`dbt parse` when
it is missing or stale, `prepared_project`) when the definitions are first built. `defs` (a module
`__getattr__`) gives the built object.
"""

import functools
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from shopee_pipeline.analytics.checks import MONEY_CHECKS, build_money_at_risk_daily, money_at_risk_job
from shopee_pipeline.analytics.connection import dbt_environment
from shopee_pipeline.analytics.figures import with_model_figures
from shopee_pipeline.analytics.project import build_target, dbt_cli, dbt_console, prepared_project
from shopee_pipeline.analytics.translator import ShopeeDbtTranslator
from shopee_pipeline.defs.alerts import alert_on_run_failure
from shopee_pipeline.run_tags import ANALYTICS_TRIGGER, AUTOMATED_RUN_TAGS, TRIGGER_TAG
from shopee_pipeline.settings import get_settings
from shopee_pipeline.warehouse.database import create_warehouse_engine, resolve_database_url

AUTOMATION_RUN_TAGS = {TRIGGER_TAG: ANALYTICS_TRIGGER, **AUTOMATED_RUN_TAGS}
"""The automation's runs: behind a person's runs in the queue, and one at a time (dagster.yaml's limit on
this trigger)."""


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """One multi-asset over every model of `project` (subsettable), running `dbt build` on the selected
    models (their tests included) with the connection of the environment's settings; each model's
    materialization records its rows, totals and column types (`with_model_figures`). Each run's dbt
    artifacts go to a folder of their own, removed when the run is done (the events are in Dagster's
    log), and dbt's saved parse is kept between runs (`build_target`); dbt's console lines go where
    `dbt_console` says."""

    @dbt_assets(manifest=project.manifest_path, dagster_dbt_translator=ShopeeDbtTranslator())
    def shopee_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        engine = create_warehouse_engine(resolve_database_url(get_settings()), pool_size=1)
        try:
            with build_target(project, context.run.run_id) as target, dbt_environment(), dbt_console():
                events = dbt.cli(["build"], context=context, target_path=target).stream()
                yield from with_model_figures(events, target / "manifest.json", engine, context.log.warning)
        finally:
            engine.dispose()

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
                run_tags=AUTOMATION_RUN_TAGS,
                minimum_interval_seconds=get_settings().analytics_interval_seconds,
                description=(
                    "Refreshes the dbt models after the syncs they read, at most once every "
                    "SHOPEE_ANALYTICS_INTERVAL_SECONDS (300 s by default), in runs that wait behind "
                    "every other run in the queue and never run two at a time."
                ),
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
