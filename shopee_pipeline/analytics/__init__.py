"""The analysis layer: a dbt project over the synced tables, loaded as the Dagster code location
`shopee_analytics` (`shopee_analytics.definitions`). Nothing here is imported by the sync's location, so
its run workers never import dbt."""
