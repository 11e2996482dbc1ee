"""How dbt's resources become Dagster assets: sources are the Shopee assets, models refresh after them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

GROUP_NAME = "shopee_analytics"

MODELS = dg.AssetSelection.groups(GROUP_NAME)
"""Every dbt model (the Shopee assets upstream are in group `shopee`)."""

AFTER_SYNCS = (
    (dg.AutomationCondition.any_deps_updated() | dg.AutomationCondition.missing()).since_last_handled()
    & ~dg.AutomationCondition.any_deps_missing().allow(MODELS)
    & ~dg.AutomationCondition.any_deps_in_progress().allow(MODELS)
    & ~dg.AutomationCondition.in_progress()
).with_label("after_upstream_updates")
"""Materialize once any upstream asset (a Shopee sync, or the model below) has been updated since this
asset was last requested or updated, or is missing (a model fed only by the user's `product_costs`, which
may never be loaded, is still built once, so that the profit marts exist with `cogs_complete = false`);
never before the models it reads exist: a model whose upstream
model was never built (a fresh database) or is being built waits, unless that model is requested in the
same run (dbt then builds them in order). Not `eager()`: it also waits until every upstream partition
exists, and the Shopee assets' shop-day partitions are never all there; hence the two model-only
clauses."""


class ShopeeDbtTranslator(DagsterDbtTranslator):
    """Every dbt resource keyed by its bare name: a source by its table (`orders`, the Shopee asset of
    that name in location `shopee_pipeline`, or the asset its `meta.dagster.asset_key` names, e.g. `escrow`
    for `escrow_items`), a model by its model name whatever schema it is built in."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        """The last component of dagster-dbt's key (`[source, table]`, `[schema, model]`, or the meta key)."""
        return dg.AssetKey(super().get_asset_key(dbt_resource_props).path[-1])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """One group for every model."""
        return GROUP_NAME

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        """The model's (or source's) description from its schema.yml, without dagster-dbt's copy of its
        raw SQL (the asset page links the code; the SQL read as prose)."""
        return dbt_resource_props.get("description") or (
            f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}"
        )

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        """`AFTER_SYNCS` for every model (Declarative Automation, no schedule)."""
        return AFTER_SYNCS
