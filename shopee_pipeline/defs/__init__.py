"""The Dagster layer: thin, declarative wiring of the client, normalisation and warehouse.

Importing it silences the one `BetaWarning` the sync assets raise by design (`backfill_policy=`, see
`policies.py`): every process that loads the code location (code server, run workers) would print it.
"""

import warnings

from dagster import BetaWarning

warnings.filterwarnings("ignore", message="Parameter `backfill_policy` of function", category=BetaWarning)
