"""Business-time arithmetic, against values worked out by hand."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.core.business_time import BusinessCalendar

NINE_TO_SIX = (time(9), time(18))
WEEKDAYS = {day: (NINE_TO_SIX,) for day in range(5)}
PARIS = ZoneInfo("Europe/Paris")


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_around_the_clock_is_plain_time() -> None:
    calendar = BusinessCalendar()
    start = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    assert calendar.add(start, timedelta(hours=8)) == start + timedelta(hours=8)
    assert calendar.between(start, start + timedelta(days=2)) == timedelta(days=2)


def test_friday_evening_plus_four_business_hours_is_monday_half_past_noon() -> None:
    calendar = BusinessCalendar(timezone="Europe/Paris", hours=WEEKDAYS)
    friday = local(PARIS, 2026, 11, 27, 17, 30)  # a Friday
    assert calendar.add(friday, timedelta(hours=4)) == local(PARIS, 2026, 11, 30, 12, 30)
    assert calendar.between(friday, local(PARIS, 2026, 11, 30, 12, 30)) == timedelta(hours=4)


def test_a_holiday_is_skipped() -> None:
    calendar = BusinessCalendar(
        timezone="Europe/Paris", hours=WEEKDAYS, holidays=frozenset({date(2026, 11, 30)})
    )
    friday = local(PARIS, 2026, 11, 27, 17, 30)
    assert calendar.add(friday, timedelta(hours=4)) == local(PARIS, 2026, 12, 1, 12, 30)


def test_a_start_outside_hours_waits_for_the_opening() -> None:
    calendar = BusinessCalendar(timezone="Europe/Paris", hours=WEEKDAYS)
    saturday_night = local(PARIS, 2026, 11, 28, 23, 0)
    assert calendar.add(saturday_night, timedelta(hours=1)) == local(PARIS, 2026, 11, 30, 10, 0)
    assert calendar.between(saturday_night, local(PARIS, 2026, 11, 30, 9, 0)) == timedelta(0)


def test_daylight_saving_change_inside_opening_hours() -> None:
    # Europe/Paris springs forward on Sunday 2026-03-29: 02:00 becomes 03:00. A desk open
    # 01:00-04:00 on Sundays has two business hours that day, not three.
    calendar = BusinessCalendar(timezone="Europe/Paris", hours={6: ((time(1), time(4)),)})
    opening = local(PARIS, 2026, 3, 29, 1, 0)
    assert calendar.between(opening, local(PARIS, 2026, 3, 29, 5, 0)) == timedelta(hours=2)
    assert calendar.add(opening, timedelta(hours=2, minutes=30)) == local(PARIS, 2026, 4, 5, 1, 30)
    # ...and in autumn (2026-10-25, 03:00 becomes 02:00 again) four.
    autumn = local(PARIS, 2026, 10, 25, 1, 0)
    assert calendar.between(autumn, local(PARIS, 2026, 10, 25, 5, 0)) == timedelta(hours=4)


def test_hours_are_the_zones_wall_clock_hours() -> None:
    calendar = BusinessCalendar(timezone="America/New_York", hours=WEEKDAYS)
    # 13:00 UTC on a Monday in winter is 08:00 in New York: an hour before opening.
    monday = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert calendar.add(monday, timedelta(hours=1)) == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def test_a_calendar_without_any_open_day_is_refused() -> None:
    calendar = BusinessCalendar(hours={0: ((time(9), time(9)),)})
    with pytest.raises(ValueError, match="no business hours"):
        calendar.add(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1))
