"""Helpers of the Dagster layer that define nothing Dagster loads: asset metadata, policies, partition
keys, and what every sync step does (plan, write, report, settle). `defs/` holds the definitions."""
