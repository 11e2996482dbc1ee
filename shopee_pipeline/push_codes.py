"""Shopee's push codes (the `code` of a push envelope), stated once (docs/shopee-api-notes.md#pushes).

The stream registry routes the stream pushes by them (`sync/streams.py`), the push planner recognises the
shop pushes (`sync/pushes.py`), and the receiver writes the status of the two status pushes at once
(`webhook/events.py`). The sandbox keeps its own copy on purpose: it shares no code with the pipeline.
"""

SHOP_AUTHORIZED = 1
SHOP_AUTHORIZATION_CANCELED = 2
ORDER_STATUS_PUSH = 3
ORDER_TRACKING_NO_PUSH = 4
AUTHORIZATION_EXPIRING = 12
BOOKING_STATUS_PUSH = 23
BOOKING_TRACKING_NO_PUSH = 24
RETURN_UPDATES_PUSH = 29
# Pushes about products (data: `item_id`); 22 is documented by two handlers, 8 and 16 by fewer
# (docs/shopee-api-notes.md#catalogue).
RESERVED_STOCK_CHANGE_PUSH = 8
VIOLATION_ITEM_PUSH = 16
ITEM_PRICE_UPDATE_PUSH = 22
