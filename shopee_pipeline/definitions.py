"""The code location: `defs` is every asset, check, schedule, sensor and resource of shopee-pipeline."""

import dagster as dg

defs = dg.Definitions()
