"""Wall-clock arithmetic in a department's time zone: quiet hours and written due times.

Quiet hours are read off the wall clock (21:00 to 08:00 means what a clock on the office
wall shows), so a day with a daylight-saving change is handled by converting each instant
to local time, never by adding fixed hours. Where the end of quiet hours falls in a gap
(clocks jump past it), quiet hours end at the jump: the first instant whose wall time is at
or after the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nigrani_notify.messages import Language

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Each pass moves past one end of quiet hours; two suffice unless a clock change swallows
# the whole waking window of a day, a few more cover any real zone.
_MAX_PASSES = 8


@dataclass(frozen=True)
class QuietHours:
    """From `start` (inclusive) to `end` (exclusive), wall time; `start > end` spans midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours must start and end at different times")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are wall-clock times without a time zone")

    def contains(self, wall: time) -> bool:
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


def sms_not_before(quiet: QuietHours | None, zone: ZoneInfo, at: datetime) -> datetime:
    """`at` itself when it is outside quiet hours in `zone`, else the instant they end."""
    _require_aware(at)
    moment = at
    for _ in range(_MAX_PASSES):
        local = _in_zone(moment, zone)
        if quiet is None or not quiet.contains(local.time()):
            return moment if moment is at else moment.astimezone(at.tzinfo)
        moment = _first_instant_at_or_after(zone, _wall_end(quiet, local), local)
    raise RuntimeError(f"quiet hours {quiet} in {zone.key} never end")  # pragma: no cover


def format_local(
    moment: datetime, zone: ZoneInfo, language: Language, *, with_time: bool = True
) -> str:
    """`28 Nov 2026 14:00 PKT` (or `28 Nov 2026`). Urdu messages get the same Latin-digit
    form: it is how dates are commonly written in Pakistan, and the Urdu templates isolate
    it left to right so that it reads correctly inside right-to-left text."""
    del language  # one written form for both languages, see above
    _require_aware(moment)
    local = _in_zone(moment, zone)
    day = f"{local.day} {_MONTHS[local.month - 1]} {local.year}"
    return f"{day} {local:%H:%M} {local.tzname()}" if with_time else day


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment must be timezone-aware")


def _wall_end(quiet: QuietHours, local: datetime) -> datetime:
    """The wall time at which the quiet hours `local` is in end (naive)."""
    day: date = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        day += timedelta(days=1)
    return datetime.combine(day, quiet.end)


def _first_instant_at_or_after(zone: ZoneInfo, wall: datetime, not_before: datetime) -> datetime:
    """The earliest instant not before `not_before` whose wall time in `zone` is `wall` or
    later: one of the (up to two) instants showing `wall`, or the jump over it in a gap."""
    # Timestamps, not `>=`: two datetimes with one tzinfo compare by wall time, fold ignored.
    showing = [
        candidate
        for fold in (0, 1)
        if _wall(candidate := wall.replace(tzinfo=zone, fold=fold), zone) == wall
        and candidate.timestamp() >= not_before.timestamp()
    ]
    if showing:
        return min(showing, key=lambda candidate: candidate.timestamp())
    # A gap: fold 0 and fold 1 read `wall` with the offsets before and after the jump, so
    # the jump lies between them; find its second.
    bounds = sorted(wall.replace(tzinfo=zone, fold=fold).timestamp() for fold in (0, 1))
    low, high = int(bounds[0]), int(bounds[1])
    while low < high:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, zone), zone) >= wall:
            high = middle
        else:
            low = middle + 1
    return datetime.fromtimestamp(low, zone)


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` on `zone`'s clock. Through UTC, because `astimezone` to a datetime's own
    tzinfo returns it untouched, even a wall time that a clock change skipped."""
    return moment.astimezone(UTC).astimezone(zone)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return _in_zone(moment, zone).replace(tzinfo=None, fold=0)
