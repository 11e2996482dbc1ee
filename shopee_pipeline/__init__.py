"""shopee-pipeline: keeps a seller's Shopee data synced into Postgres, orchestrated by Dagster."""
