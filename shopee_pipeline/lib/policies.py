"""Retry and backfill policies shared by the Shopee assets, and the arguments every sync asset takes."""

from datetime import timedelta
from typing import TypedDict

import dagster as dg

from shopee_pipeline.lib.metadata import KINDS, OWNERS, SYNC_GROUP

# Transient failures the client could not absorb (a long Shopee outage, a dropped database):
# retry the step with exponential backoff and jitter. Seller-side failures are raised as
# non-retryable `Failure`s.
SYNC_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

# A backfill or an auto-sync tick over many shop-days runs once: consecutive days share list calls
# and shops are fetched in parallel within the run.
SINGLE_RUN = dg.BackfillPolicy.single_run()

# A synced table the 15-minute sync has not refreshed for 30 minutes has missed a tick: the UI shows it
# failing its freshness.
SYNC_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(minutes=30))


class SpecArgs(TypedDict):
    """How a synced table is shown in the UI and how fresh it must stay (an `AssetSpec`'s arguments)."""

    kinds: set[str]
    owners: list[str]
    group_name: str
    freshness_policy: dg.FreshnessPolicy


class SyncAssetArgs(SpecArgs):
    """`SpecArgs`, and how the asset is backfilled and retried (an `@asset`'s arguments)."""

    backfill_policy: dg.BackfillPolicy
    retry_policy: dg.RetryPolicy


# What every Shopee sync asset declares besides its partitions: how it is shown, backfilled and retried,
# and how fresh it must stay.
SYNC_ASSET_ARGS: SyncAssetArgs = {
    "kinds": KINDS,
    "owners": OWNERS,
    "group_name": SYNC_GROUP,
    "backfill_policy": SINGLE_RUN,
    "retry_policy": SYNC_RETRY_POLICY,
    "freshness_policy": SYNC_FRESHNESS,
}

# How each table of a multi-asset is shown in the UI (a multi-asset itself carries no kinds or owners).
SYNC_SPEC_ARGS: SpecArgs = {
    "kinds": KINDS,
    "owners": OWNERS,
    "group_name": SYNC_GROUP,
    "freshness_policy": SYNC_FRESHNESS,
}
