"""The fixed instant every test's sandbox starts at, so that no test depends on the hour it runs.

The sandbox generates its history and its "today" from its own clock; left on the real one, a run just
after midnight in Jakarta finds an almost empty day. The pipeline itself still reads the real clock for
its windows: to it this day lies in the past and gets a full-day window.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

SANDBOX_START = int(datetime(2026, 11, 18, 15, 0, tzinfo=ZoneInfo("Asia/Jakarta")).timestamp())
"""15:00 in Jakarta on Wednesday 2026-11-18 (08:00 UTC), after the default SHOPEE_SYNC_START_DATE."""


def sandbox_day(sandbox, tz: ZoneInfo) -> date:
    """The day a sandbox's clock shows in `tz`: fixed, as every test's sandbox starts at `SANDBOX_START`."""
    return datetime.fromtimestamp(sandbox.now(), tz).date()
