"""Normalisation: Shopee API payloads (plain dicts) -> object-dtype frames shaped like warehouse tables.

Pure functions: no Dagster, no SQL, no HTTP. Each frame has exactly its table's columns except
`synced_at`, even with zero rows; ids are Python ints, money `Decimal`, times aware UTC `datetime`,
JSON columns dicts/lists, missing or malformed values None.
"""

from shopee_pipeline.normalize.bookings import BookingRows, booking_parents, normalize_bookings
from shopee_pipeline.normalize.escrow import EscrowRows, escrow_parents, normalize_escrow
from shopee_pipeline.normalize.frames import columns_of, empty_frame
from shopee_pipeline.normalize.orders import OrderRows, normalize_orders, order_parents

__all__ = [
    "BookingRows",
    "EscrowRows",
    "OrderRows",
    "booking_parents",
    "columns_of",
    "empty_frame",
    "escrow_parents",
    "normalize_bookings",
    "normalize_escrow",
    "normalize_orders",
    "order_parents",
]
