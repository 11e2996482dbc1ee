"""Normalisation: Shopee API payloads (plain dicts) -> object-dtype frames shaped like warehouse tables.

Pure functions: no Dagster, no SQL, no HTTP. Each frame has exactly its table's columns except
`synced_at`, even with zero rows; ids are Python ints, money `Decimal`, times aware UTC `datetime`,
JSON columns dicts/lists, missing or malformed values None.

One module per stream (`orders`, `escrow`, `bookings`), imported by its own path: nothing is registered
here.
"""
