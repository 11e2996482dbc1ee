"""Declarations of Shopee's list and detail endpoints: what one generic pager and one generic detail call
(`ShopeeClient.iter_list`, `ShopeeClient.get_details`) need to read any list-then-detail stream.

A list endpoint pages records changed in a time window by one of Shopee's three pagers; a detail endpoint
answers whole objects for a batch of keys (or one key per call). Nothing here performs a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Repeated(tuple):
    """A list parameter sent with its key repeated (`item_status=NORMAL&item_status=BANNED`, as
    `get_item_list` wants it) instead of comma-joined like every other list."""


class Pager(Enum):
    """How a list endpoint pages.

    `CURSOR`: `cursor` in, `more` and `next_cursor` out (`next_cursor` beside `more`, or in the last entry
    as `get_booking_list`'s documentation puts it). `PAGE_NUMBER`: `page_no` from the endpoint's first page
    number, `more` out. `OFFSET`: `offset` from 0 in steps of the page size, `has_next_page` (or `more`)
    out, and `next_offset` when the answer carries one.
    """

    CURSOR = "cursor"
    PAGE_NUMBER = "page_number"
    OFFSET = "offset"


@dataclass(frozen=True)
class ListEndpoint:
    """A list endpoint read by time window.

    `path` answers `item_field` (a list of objects, each naming its record by `key_field`) for the records
    whose time lies in `[time_from_param, time_to_param]`; windows longer than `max_window_days` are split
    (Shopee refuses longer ones; None: no limit is documented, a window is sent whole).
    `time_range_field`, when set, is sent as the `time_range_field` parameter. `fixed_params` go with
    every page. `first_page_no` is the first `page_no` of a `PAGE_NUMBER` pager; None where Shopee's
    numbering is unconfirmed: the client's `ShopeeConfig` field named `first_page_setting` gives it, and
    the field named `page_offset_setting`, when declared and true, makes `page_no` carry the offset of the
    page's first entry rather than a page number. A pager that still says "more" after `max_pages` pages
    fails rather than loop.

    A list whose entries may lack `key_field` names `derived_key`: groups of fields, the first non-empty
    field of each group joined into `derived:<a>|<b>|...` (`key_of`), so such an entry still has a key.
    """

    path: str
    item_field: str
    key_field: str
    pager: Pager
    time_from_param: str = "time_from"
    time_to_param: str = "time_to"
    time_range_field: str | None = "update_time"
    max_window_days: int | None = 15
    fixed_params: Mapping[str, Any] = field(default_factory=dict)
    first_page_no: int | None = 1
    first_page_setting: str = "return_first_page_no"
    page_offset_setting: str | None = None
    max_pages: int = 1000
    derived_key: tuple[tuple[str, ...], ...] = ()

    def key_of(self, entry: Mapping[str, Any]) -> str | None:
        """The entry's key as text: its `key_field`, else the key derived from `derived_key` (None when
        neither yields one)."""
        key = entry.get(self.key_field)
        if key is not None and key != "" and not isinstance(key, (bool, dict, list)):
            return str(key)
        if not self.derived_key:
            return None
        parts = [
            next((str(v) for f in group if (v := entry.get(f)) not in (None, "", 0)), "")
            for group in self.derived_key
        ]
        return "derived:" + "|".join(parts) if any(parts) else None


@dataclass(frozen=True)
class DetailEndpoint:
    """A detail endpoint: `path` answers the objects of up to `batch_size` keys sent as `keys_param` (a
    list) in `item_field`, each naming itself by `key_field`. With `batch_size` 1 the endpoint takes one
    key per call as a scalar and answers the object itself (`get_return_detail`), which names its key
    unless `answer_names_key` is false (`get_model_list` answers for the `item_id` it was asked, without
    naming it: the client adds it). `fixed_params` go with every call (e.g. `response_optional_fields`)."""

    path: str
    key_field: str
    keys_param: str
    item_field: str | None = None
    batch_size: int = 50
    fixed_params: Mapping[str, Any] = field(default_factory=dict)
    answer_names_key: bool = True


@dataclass(frozen=True)
class KeyDetail:
    """A per-key detail: for each detailed object whose `when` field is true, `endpoint` (one key per
    call) is asked for its key and `fields` of the answer (answer field -> object field) are merged into
    the object, e.g. `get_model_list`'s `model` list into each item with `has_model`."""

    endpoint: DetailEndpoint
    when: str
    fields: Mapping[str, str]
