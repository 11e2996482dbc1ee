"""The request rules of ``GET /api/v2/returns/get_return_list``: page-number pagination, time windows
with Shopee's own error texts (typos included), exact-match filters and the configured sort."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import SandboxConfig
from .gateway import ApiError, ApiRequest, required_int
from .timeline import page_by_offset

MAX_RETURN_WINDOW = 15 * 86400
RETURN_FILTERS = ("status", "negotiation_status", "seller_proof_status", "seller_compensation_status")
"""Filters that match one value exactly (``seller_compensation_status`` in the configured spelling)."""
_SPAN_ERRORS = {
    "create_time": "The period between create_time_from and created_time_of must not more than 15 days.",
    "update_time": "The period between update_time_from and update_time_to must not more than 15 days.",
}
_SORTS = {
    "update_time_desc": ("update_time", True),
    "update_time_asc": ("update_time", False),
    "create_time_desc": ("create_time", True),
}

Window = tuple[int, int]


def _param(message: str) -> ApiError:
    return ApiError("error_param", f"Wrong parameters, detail: {message}.")


def _optional_int(request: ApiRequest, name: str) -> int | None:
    value = request.query.get(name, "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise _param(f"{name} should be an integer") from None


def _window(request: ApiRequest, field: str) -> Window | None:
    """The ``<field>_from``/``<field>_to`` window, None when neither is sent; a half window,
    ``to <= from`` or a span over 15 days is refused."""
    start, end = _optional_int(request, f"{field}_from"), _optional_int(request, f"{field}_to")
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise _param(f"{field}_from and {field}_to must be sent together")
    if end <= start:
        raise ApiError("error_param", f"The {field}_to should be later than {field}_from.")
    if end - start > MAX_RETURN_WINDOW:
        raise ApiError("error_param", _SPAN_ERRORS[field])
    return start, end


def _page(request: ApiRequest, config: SandboxConfig) -> tuple[int, int]:
    """``(offset, page_size)`` from ``page_no`` (first page ``return_page_no_base``) and ``page_size``."""
    page_size = required_int(request, "page_size")
    if not 1 <= page_size <= 100:
        raise _param("page_size should be between 1 and 100")
    page_no, base = required_int(request, "page_no"), config.return_page_no_base
    if page_no == 0 and base == 1 and config.return_page_no_zero == "first_page":
        page_no = 1
    if page_no < base:
        raise _param(f"page_no should be {base} or more")
    return (page_no - base) * page_size, page_size


@dataclass(frozen=True, slots=True)
class ReturnListQuery:
    """A checked ``get_return_list`` request."""

    offset: int
    page_size: int
    create_window: Window | None
    update_window: Window | None
    filters: dict[str, str]
    sort: str

    def _matches(self, entry: dict[str, Any]) -> bool:
        for field, window in (("create_time", self.create_window), ("update_time", self.update_window)):
            if window is not None and not window[0] <= entry[field] <= window[1]:
                return False
        return all(entry[name] == value for name, value in self.filters.items())

    def select(self, entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        """This page of the matching ``entries`` (windows include both ends) and whether more follow."""
        field, descending = _SORTS[self.sort]
        matching = sorted(
            (e for e in entries if self._matches(e)),
            key=lambda e: (e[field], e["return_sn"]),
            reverse=descending,
        )
        page = page_by_offset(matching, self.offset, self.page_size)
        return page.entries, page.more


def parse_return_list(request: ApiRequest, config: SandboxConfig) -> ReturnListQuery:
    """Check a ``get_return_list`` request against Shopee's rules and the configured unconfirmed ones
    (``SandboxConfig.return_*``); ``error_param`` with Shopee's texts when it breaks one."""
    offset, page_size = _page(request, config)
    create, update = _window(request, "create_time"), _window(request, "update_time")
    if create is not None and update is not None:
        if not config.return_list_combine_windows:
            raise _param("create_time and update_time windows cannot be combined")
        if update[0] < create[0]:
            raise ApiError("error_param", "The update_time_from must be after create_time_from.")
    if create is None and update is None and config.return_list_window_required:
        raise _param("create_time_from/create_time_to or update_time_from/update_time_to is required")
    filters = {name: request.query[name] for name in RETURN_FILTERS if request.query.get(name)}
    return ReturnListQuery(offset, page_size, create, update, filters, config.return_list_sort)
