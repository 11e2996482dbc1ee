"""The analysis layer: a dbt project over the synced tables, loaded as the Dagster code location
`shopee_analytics` (`shopee_analytics.definitions`). Nothing here is imported by the sync's location, so
its run workers never import dbt."""

DBT_LOG_FILE_VARIABLE = "SHOPEE_DBT_LOG_FILE"
"""A file that receives dbt's console lines of every build (appended); unset, they go to the run's
stdout (the step's stdout in the UI). `shopee-pipeline dev` sets it to keep its console quiet."""
