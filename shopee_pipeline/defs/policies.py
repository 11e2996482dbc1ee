"""Retry and backfill policies shared by the Shopee assets."""

import dagster as dg

# Transient failures the client could not absorb (a long Shopee outage, a dropped database):
# retry the step with exponential backoff and jitter. Seller-side failures are raised as
# non-retryable `Failure`s.
SYNC_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

# A backfill or an auto-sync tick over many shop-days runs once: consecutive days share list calls
# and shops are fetched in parallel within the run.
SINGLE_RUN = dg.BackfillPolicy.single_run()
