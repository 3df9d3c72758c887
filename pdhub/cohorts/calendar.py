"""A cohort's schedule as an iCalendar feed (RFC 5545), written by hand: a handful
of properties, times in UTC (the ``Z`` form), so every calendar app shows each
session in its own reader's zone. Text is escaped and lines folded at 75 octets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pdhub.cohorts.models import Cohort, CohortSession


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            out.append(current)
            current = " "
            limit = 75
        current += char
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed(
    cohort: Cohort, sessions: Iterable[CohortSession], host: str, now: datetime
) -> str:
    """The VCALENDAR text of ``cohort``'s sessions; ``host`` makes the UIDs global."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PD Hub//Cohorts//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(cohort.name)}",
    ]
    for meeting in sessions:
        ends = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
        lines += [
            "BEGIN:VEVENT",
            f"UID:cohort-session-{meeting.id}@{host}",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(meeting.starts_at)}",
            f"DTEND:{_utc(ends)}",
            f"SUMMARY:{_escape(cohort.name)}",
        ]
        if meeting.place:
            lines.append(f"LOCATION:{_escape(meeting.place)}")
            if meeting.place.startswith(("https://", "http://")):
                lines.append(f"URL:{meeting.place}")
        if meeting.agenda:
            lines.append(f"DESCRIPTION:{_escape(meeting.agenda)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
