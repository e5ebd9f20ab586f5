"""Dates the drafts compute from the letter: the appeal deadline, the end of the 12-month
rule, and the UR-timeliness lead; each last day with its weekday and a weekend / California
holiday flag.

Why flags and never an extension: whether a deadline that falls on a weekend or holiday
moves to the next business day is the filer's call; the drafts only say so and advise
filing before it (domain.md, "Deadlines"). Holidays come from the `holidays` package's
California calendar (offline, maintained upstream), imported on first use so commands
that never compute a deadline do not pay for it.

Every computed date is derived from a date the record states (decision date, UR date) or
that the letter text states (the request for authorization), so the faithfulness check
can allow exactly these dates and no others.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from ..schema import Record
from .data import drafting_data, law_numbers
from .text import parse_iso


class Deadline(BaseModel):
    """A computed last day (or a placeholder when the letter gives no date to count from)."""

    name: str = Field(description="appeal | twelve_month")
    date: str | None = Field(None, description="ISO date; null when the letter states no date to count from")
    weekday: int | None = Field(None, description="0 = Monday ... 6 = Sunday")
    weekend: bool = False
    holiday: str | None = Field(None, description="the California holiday that day, if any")
    counted_from: str | None = Field(None, description="the letter's date it is counted from")
    rule: str = Field("", description="how it is counted, e.g. 'decision date + 30 days'")

    @property
    def needs_care(self) -> bool:
        return self.weekend or self.holiday is not None


class TimelinessLead(BaseModel):
    """The letter dates the request and the UR decision more than the allowed days apart."""

    rfa_date: str
    ur_date: str
    days: int
    limit: int


@lru_cache(maxsize=64)
def _california_holidays(year: int) -> dict[date, str]:
    import holidays  # on first use: ~0.2 s, only when a deadline is computed

    return dict(holidays.country_holidays("US", subdiv="CA", years=year))


def flags(day: date) -> tuple[int, bool, str | None]:
    """(weekday, falls on a weekend, California holiday name or None)."""
    return day.weekday(), day.weekday() >= 5, _california_holidays(day.year).get(day)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it has fewer days)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _deadline(name: str, start: str | None, end: date | None, rule: str) -> Deadline:
    if end is None:
        return Deadline(name=name, counted_from=start, rule=rule)
    weekday, weekend, holiday = flags(end)
    return Deadline(name=name, date=end.isoformat(), weekday=weekday, weekend=weekend, holiday=holiday,
                    counted_from=start, rule=rule)  # fmt: skip


def appeal_deadline(record: Record) -> Deadline:
    """Decision date + 30 days: the last day if the letter was mailed on its decision date."""
    days = law_numbers()["appeal_days"]
    start = parse_iso(record.decision_date)
    end = start + timedelta(days=days) if start else None
    return _deadline("appeal", record.decision_date, end, f"decision date + {days} days")


def twelve_month_end(record: Record) -> Deadline:
    """UR decision date + 12 months: until then only a documented change in facts reopens it."""
    months = law_numbers()["effect_months"]
    start = parse_iso(record.utilization_review_date)
    end = add_months(start, months) if start else None
    return _deadline("twelve_month", record.utilization_review_date, end, f"UR date + {months} months")


# ------------------------------------------------------------------ the request's date

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b(?:(?P<m1>\d{{1,2}})\s*[/-]\s*(?P<d1>\d{{1,2}})\s*[/-]\s*(?P<y1>\d{{4}}|\d{{2}})(?![\d/])"
    rf"|(?P<mon>{_MONTHS})\.?\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}}))"
)


def _to_date(m: re.Match[str]) -> date | None:
    try:
        if m.group("m1"):
            y = m.group("y1")
            year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 30 else 1900 + int(y))
            return date(year, int(m.group("m1")), int(m.group("d1")))
        return date(int(m.group("y2")), _MONTHS.split("|").index(m.group("mon")) + 1, int(m.group("d2")))
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _rfa_patterns() -> tuple[re.Pattern[str], re.Pattern[str], int]:
    data: dict[str, Any] = drafting_data()["rfa_date"]
    cue = re.compile("|".join(f"(?:{c})" for c in data["cues"]))
    link = re.compile(r"^[\s(),:;a-z'-]*?\b(?:" + "|".join(data["links"]) + r")\b[\s:,]*$")
    return cue, link, int(data["window"])


def rfa_dates(letter_text: str) -> list[date]:
    """Dates the letter gives its request(s) for authorization: a cue ("Request for
    Authorization", "RFA"), then within a short window linking words ("dated", "signed on",
    "submitted on", "is") and a date. Returned in the order found, without repeats."""
    cue, link, window = _rfa_patterns()
    low = " ".join(letter_text.lower().split())
    out: list[date] = []
    for m in cue.finditer(low):
        tail = low[m.end() : m.end() + window]
        for d in _DATE.finditer(tail):
            if link.match(tail[: d.start()]) and (day := _to_date(d)) and day not in out:
                out.append(day)
            break  # only the first date after the cue can be the request's
    return out


def ur_timeliness(record: Record, letter_text: str) -> TimelinessLead | None:
    """A lead when the letter's request date and UR date are more than 14 days apart.

    The latest request date before the UR decision is used (an earlier RFA may belong to an
    earlier request), so the lead is raised only when even that one is too early.
    """
    ur = parse_iso(record.utilization_review_date)
    if ur is None:
        return None
    before = [d for d in rfa_dates(letter_text) if d <= ur]
    if not before:
        return None
    rfa = max(before)
    limit = law_numbers()["ur_max_days"]
    days = (ur - rfa).days
    if days <= limit:
        return None
    return TimelinessLead(rfa_date=rfa.isoformat(), ur_date=ur.isoformat(), days=days, limit=limit)
