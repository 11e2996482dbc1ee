"""The fixed instant every test's sandbox starts at, so that no test depends on the hour it runs.

The sandbox generates its history and its "today" from its own clock; left on the real one, a run just
after midnight in Jakarta finds an almost empty day. The pipeline reads its own clock
(`shopee_pipeline.clock`) for its windows: to it this day lies in the past and gets a full-day window, at
whatever hour the tests marked `clock` shift it to (`SHIFTED_HOURS`, `make test-at WIB=hh:mm`).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

JAKARTA_UTC_OFFSET_S = 7 * 3600  # WIB is UTC+7 all year
SHIFTED_HOURS = ("00:05", "23:55")
"""Hours in Jakarta every test marked `clock` also runs at: just after and just before midnight."""

SANDBOX_START = int(datetime(2026, 11, 18, 15, 0, tzinfo=ZoneInfo("Asia/Jakarta")).timestamp())
"""15:00 in Jakarta on Wednesday 2026-11-18 (08:00 UTC), after the default SHOPEE_SYNC_START_DATE."""


def sandbox_day(sandbox, tz: ZoneInfo) -> date:
    """The day a sandbox's clock shows in `tz`: fixed, as every test's sandbox starts at `SANDBOX_START`."""
    return datetime.fromtimestamp(sandbox.now(), tz).date()


def nearest_wib_offset(hhmm: str, now: float) -> int:
    """Whole seconds to add to `now` (Unix seconds) so that it shows the nearest `hh:mm` in Jakarta (within
    twelve hours either way)."""
    hours, minutes = map(int, hhmm.split(":"))
    ahead = (hours * 3600 + minutes * 60 - JAKARTA_UTC_OFFSET_S - int(now)) % 86400
    return ahead - 86400 if ahead > 43200 else ahead
