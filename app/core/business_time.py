"""Business time: when a promise of N business hours falls due, and how much business time
lies between two moments, in a calendar of weekly opening hours in an IANA time zone, with
holidays. Exact across weekends, holidays and daylight-saving changes: each day's hours are
wall-clock times in the calendar's zone, turned into absolute times for that date (a day
that skips an hour of its opening hours has an hour less of business time).

Pure: no clock, no database. "Around the clock" is the calendar with no hours: every instant
counts.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # ten years of searching for opening hours before giving up


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "UTC"
    # weekday (0 = Monday) -> opening intervals as wall-clock times; empty: around the clock
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def around_the_clock(self) -> bool:
        return not self.hours

    def _intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The opening intervals (absolute, UTC) from the local day of `start` on."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        for _ in range(MAX_DAYS):
            if day not in self.holidays:
                for opens, closes in self.hours.get(day.weekday(), ()):
                    begin = datetime.combine(day, opens, zone).astimezone(UTC)
                    end = (
                        datetime.combine(day + timedelta(days=1), time(0), zone)
                        if closes == time(0)
                        else datetime.combine(day, closes, zone)
                    ).astimezone(UTC)
                    if end > begin:
                        yield begin, end
            day += timedelta(days=1)
        raise ValueError("no business hours within ten years")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of business time after `start` (UTC)."""
        start = start.astimezone(UTC)
        if self.around_the_clock:
            return start + duration
        remaining = duration
        for begin, end in self._intervals(start):
            cursor = max(begin, start)
            if cursor >= end:
                continue
            if remaining <= end - cursor:
                return cursor + remaining
            remaining -= end - cursor
        raise AssertionError("unreachable: _intervals raises first")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end` (zero if end is not after start)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return timedelta(0)
        if self.around_the_clock:
            return end - start
        total = timedelta(0)
        for begin, close in self._intervals(start):
            if begin >= end:
                break
            overlap = min(close, end) - max(begin, start)
            if overlap > timedelta(0):
                total += overlap
        return total
