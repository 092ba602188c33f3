"""The dates a policy states about itself (effective, last updated, announced) and the notice a change gave.

Pure: text in, plain data out. A date counts only where its sentence says what it is: "Effective 1 July 2023",
"Date of Last Revision: 4 January 2022", "These updates will go into effect on January 1, 2025", in English,
French and German. Years are looked for first (cheap), then a date phrase around each; the phrase is read
with a table of month names (dateparser was measured: 1 s to import and load its languages on a busy
machine, for phrases a regular expression has already cut into day, month and year).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

EFFECTIVE, UPDATED, ANNOUNCED = "effective", "updated", "announced"
QUOTE_CHARS = 240  # of the sentence that states a date, kept as evidence

# -- the language data: month names and the words that say what a date is ---------------------------------------

_MONTH_NUMBERS: dict[str, int] = {}
for _names in (
    # English, French, German: full names, then the abbreviations pages use.
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "janv févr mars avr mai juin juil août sept oct nov déc",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "jän feb mär apr mai jun jul aug sep okt nov dez",
):
    for _number, _name in enumerate(_names.split(), start=1):
        _MONTH_NUMBERS.setdefault(_name, _number)
_MONTH_NUMBERS.update({"sept": 9, "fevrier": 2, "aout": 8, "decembre": 12, "jänner": 1, "maerz": 3, "fevr": 2})
_MONTH = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))

# "1 July 2023", "1er juillet 2023", "1. Juli 2023", "July 1, 2023", "Sept. 18th, 2024", "2023-07-01", "01.07.2023",
# "01/07/2023". A month and a year without a day ("June 2017") is too vague to date a notice and is not taken.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")  # every date has one: the cheap first pass looks for years
_DATE = re.compile(
    rf"(?<![^\W_])(?<!\.)(?:"
    rf"(?P<dmy>\d{{1,2}}(?:er|st|nd|rd|th|\.)?\s+(?:of\s+)?(?:{_MONTH})\.?,?\s+\d{{4}})"
    rf"|(?P<mdy>(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
    rf"|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})"
    rf"|(?P<numeric>\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})"
    rf")(?![^\W_])(?![/-])",
    re.IGNORECASE,
)

# What a sentence says a date is. Looked for in the sentence that holds the date, near it.
_EFFECTIVE_WORDS = re.compile(
    r"\beffective\b|\binto effect\b|\bin effect\b|\btakes? effect\b|\btook effect\b|\b(?:in|into) force\b"
    r"|\bapplies from\b|\bapply from\b|\bvalid from\b"
    r"|\ben vigueur\b|\bdate d['’]effet\b|\bdate effective\b|\bprend(?:ra|ront|nent)? effet\b|\bà compter du\b"
    r"|\bapplicables? (?:à partir|à compter) du\b"
    r"|\bwirksam\b|\bgültig ab\b|\bin kraft\b|\binkrafttreten\b|\bgilt ab\b|\bgelten ab\b",
    re.IGNORECASE,
)
_UPDATED_WORDS = re.compile(
    r"\bupdated?\b|\bupdating\b|\brevised\b|\brevision\b|\bmodified\b|\bamended\b|\bchanged\b"
    r"|\bmis(?:e|es)? à jour\b|\bmettons à jour\b|\bmise à jour\b|\bmodifiée?s?\b|\bdernière modification\b"
    r"|\baktualisier\w*|\baktualisierung\b|\bgeändert\b|\bänderung\b|\bstand\b",
    re.IGNORECASE,
)
# Future wording makes an effective date an announcement of terms to come.
_FUTURE_WORDS = re.compile(
    r"\bwill\b|\bwe['’]re updating\b|\bwe are updating\b|\bare changing\b|\bupcoming\b|\bshall take effect\b"
    r"|\bgo(?:es)? into effect\b|\bcome into effect\b"  # "These changes go into effect on May 27": scheduled
    r"|\bentrer(?:a|ont)\b|\bprendr(?:a|ont)\b|\bs['’]appliquer(?:a|ont)\b|\bnous mettons à jour\b|\bseront\b"
    r"|\bwerden\b|\bwird\b|\baktualisieren wir\b|\bwir aktualisieren\b",
    re.IGNORECASE,
)
# A date in a sentence about cookies and about no policy or terms belongs to a cookie banner or notice.
_COOKIE_WORDS = re.compile(r"\bcookies?\b", re.IGNORECASE)
_DOCUMENT_WORDS = re.compile(
    r"\bprivacy\b|\bpolicy\b|\bterms\b|\bagreement\b|\bnotice\b|\bpolitique\b|\bconditions\b|\bcharte\b"
    r"|\bdatenschutz\w*|\bbedingungen\b|\brichtlinie\b|\bnutzungsbedingungen\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[]?[A-ZÀ-Ý])|\n|\s\|\s")
# How far from the date the word that says what it is may stand (characters, in its sentence).
_BEFORE, _AFTER = 90, 50


@dataclass(frozen=True)
class StatedDate:
    """One date the text states about itself, with the sentence that states it."""

    kind: str  # effective | updated | announced
    date: date
    quote: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "date": self.date.isoformat(), "quote": self.quote}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StatedDate:
        return cls(data["kind"], date.fromisoformat(data["date"]), data.get("quote", ""))


@dataclass(frozen=True)
class VersionDates:
    """What one version says about its own dates, as of the day it was first seen."""

    effective: StatedDate | None = None  # in force on that day (or earlier)
    ahead: StatedDate | None = None  # the text's own effective date, still to come: a policy published ahead
    updated: StatedDate | None = None
    upcoming: tuple[StatedDate, ...] = ()  # dates of entry into force still to come on that day
    conflicting: tuple[date, ...] = ()  # other effective dates the same text states


@dataclass(frozen=True)
class Notice:
    """How much notice a change gave: what the new text says and when it was first seen."""

    stated_effective: date | None
    basis: str  # effective | updated | announced | none: where stated_effective comes from
    first_seen: datetime
    notice_days: int | None  # stated_effective minus the first sight of it (of the text or of its announcement)
    quote: str | None = None
    announced_at: datetime | None = None  # first seen in an earlier version that announced this date
    announcement: str | None = None
    date_unchanged: bool = False  # the text changed and its stated date did not
    upcoming: tuple[StatedDate, ...] = ()  # dates of entry into force this change announces
    conflicting: tuple[date, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "stated_effective": self.stated_effective.isoformat() if self.stated_effective else None,
            "basis": self.basis,
            "first_seen": self.first_seen.isoformat(),
            "notice_days": self.notice_days,
            "quote": self.quote,
            "announced_at": self.announced_at.isoformat() if self.announced_at else None,
            "announcement": self.announcement,
            "date_unchanged": self.date_unchanged,
            "upcoming": [d.as_json() for d in self.upcoming],
            "conflicting": [d.isoformat() for d in self.conflicting],
        }


# -- reading the dates of one text ----------------------------------------------------------------------------


def stated_dates(text: str) -> tuple[StatedDate, ...]:
    """Every date the text states about itself, in text order; one entry per kind and date."""
    found: dict[tuple[str, date], StatedDate] = {}
    for match in _date_phrases(text):
        start, end = _sentence_around(text, match.start(), match.end())
        sentence = text[start:end]
        kind = _kind(sentence, match.start() - start, match.end() - start)
        if kind is None:
            continue
        parsed = parse_date(match.group(0), _form(match))
        if parsed is None:
            continue
        found.setdefault((kind, parsed), StatedDate(kind, parsed, _quote(sentence)))
    return tuple(found.values())


def _date_phrases(text: str) -> list[re.Match[str]]:
    """The date phrases of the text: each year found, then a date phrase looked for around it only."""
    phrases: dict[int, re.Match[str]] = {}
    for year in _YEAR.finditer(text):
        for match in _DATE.finditer(text, max(0, year.start() - 40), min(len(text), year.end() + 6)):
            if match.start() <= year.start() and year.end() <= match.end():
                phrases.setdefault(match.start(), match)
    return [phrases[start] for start in sorted(phrases)]


def _form(match: re.Match[str]) -> str:
    return next(name for name in ("dmy", "mdy", "iso", "numeric") if match.group(name))


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    window_start = max(0, start - 400)
    left = window_start
    for boundary in _SENTENCE_END.finditer(text, window_start, start):
        left = boundary.end()
    right_match = _SENTENCE_END.search(text, end, min(len(text), end + 400))
    right = right_match.start() if right_match else min(len(text), end + 400)
    return left, right


def _kind(sentence: str, at: int, end: int) -> str | None:
    # Markdown emphasis (`_Effective 1 July 2023_`) would glue itself to the words and hide them from \b.
    near = sentence[max(0, at - _BEFORE) : min(len(sentence), end + _AFTER)].replace("_", " ").replace("*", " ")
    if _COOKIE_WORDS.search(sentence) and not _DOCUMENT_WORDS.search(_COOKIE_WORDS.sub("", sentence)):
        return None
    future = _FUTURE_WORDS.search(near) is not None
    if _EFFECTIVE_WORDS.search(near):
        return ANNOUNCED if future else EFFECTIVE
    if _UPDATED_WORDS.search(near):
        # "we are updating our terms on 5 January 2022" announces; "we updated ... on" records.
        return ANNOUNCED if future else UPDATED
    return None


def _quote(sentence: str) -> str:
    quote = " ".join(sentence.replace("|", " ").split()).strip(" #*_-=")
    if len(quote) > QUOTE_CHARS:
        quote = quote[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    return quote


def parse_date(phrase: str, form: str = "dmy") -> date | None:
    """A date phrase found by _DATE, or None when it names no real day (31 February) or is ambiguous.

    Numeric dates are day first (01.07.2023 and 01/07/2023 are 1 July), except that a slashed date whose
    second number cannot be a month is read month first; 03/04/2023 stays ambiguous and is not taken rather
    than guessed. The phrase is already cut to day, month and year by the regular expression, so a table of
    month names reads it: no parser library, no start-up cost, nothing to guess.
    """
    numbers = [int(n) for n in re.findall(r"\d+", phrase)]
    if form == "iso":
        year, month, day = numbers
    elif form == "numeric":
        day, month, year = numbers
        if "/" in phrase:
            if day <= 12 and month <= 12 and day != month:
                return None
            if month > 12:
                day, month = month, day
    else:
        word = next(w for w in re.findall(r"[^\W\d_]+", phrase.lower()) if w in _MONTH_NUMBERS)
        month = _MONTH_NUMBERS[word]
        day, year = numbers[0], numbers[-1]
    try:
        return date(year, month, day)
    except ValueError:
        return None


# -- what a version says, and what a change gave -------------------------------------------------------------


def version_dates(dates: Iterable[StatedDate], seen: date) -> VersionDates:
    """The version's own dates as of the day it was seen: a date of entry into force after it is still to come.

    When a text states several effective dates that have passed, the latest is its date (a stale date left
    elsewhere on the page is the usual slip) and the others are reported as conflicting.
    """
    dates = list(dates)
    current = [d for d in dates if d.kind == EFFECTIVE and d.date <= seen]
    upcoming = [d for d in dates if d.kind in (EFFECTIVE, ANNOUNCED) and d.date > seen]
    updated = [d for d in dates if d.kind == UPDATED and d.date <= seen]
    effective = max(current, key=lambda d: d.date) if current else None
    conflicting = tuple(sorted({d.date for d in current} - {effective.date})) if effective else ()
    own_ahead = sorted((d for d in dates if d.kind == EFFECTIVE and d.date > seen), key=lambda d: d.date)
    return VersionDates(
        effective=effective,
        ahead=own_ahead[0] if own_ahead and effective is None else None,
        updated=max(updated, key=lambda d: d.date) if updated else None,
        upcoming=tuple(sorted({d.date: d for d in upcoming}.values(), key=lambda d: d.date)),
        conflicting=conflicting,
    )


def change_notice(
    old: Sequence[StatedDate],
    new: Sequence[StatedDate],
    first_seen: datetime,
    earlier: Sequence[tuple[datetime, Sequence[StatedDate]]] = (),
    old_seen: datetime | None = None,
) -> Notice:
    """The notice a change gave.

    `old` and `new` are the stated dates of the version before and after; `first_seen` is when the new text
    was first seen; `earlier` holds every earlier version of the same document (when first seen, its dates),
    so that a date announced months ahead counts from its announcement. The stated effective date is, in
    order: a new date of entry into force the new text gives (its effective date, in force or still to come
    when the text was published ahead, or its last-updated date when it gives neither);
    else a future date the change announces; else the unchanged date of the new text (the text changed
    without a new date: `date_unchanged`).
    """
    seen = first_seen.date()
    after = version_dates(new, seen)
    before = version_dates(old, (old_seen or first_seen).date())
    announced = tuple(d for d in after.upcoming if d.date not in {u.date for u in before.upcoming})
    current = after.effective or after.ahead or after.updated
    previous = before.effective or before.ahead or before.updated
    basis = EFFECTIVE if after.effective or after.ahead else UPDATED
    if current is not None and (previous is None or current.date != previous.date):
        stated, unchanged = current, False
    elif announced:
        stated, basis, unchanged = announced[0], ANNOUNCED, False
    elif current is not None:
        stated, unchanged = current, True
    else:
        return Notice(None, "none", first_seen, None, upcoming=announced)
    if after.ahead is not None and stated is after.ahead:
        announced = tuple(d for d in announced if d.date != stated.date)  # the text's own date, not a banner's
    # An earlier announcement of this date is notice of this text only when the text moved forward to the date:
    # a text edited under a date already in force, or moved back to an older date, was announced by nobody.
    forward = not unchanged and (previous is None or stated.date > previous.date)
    announced_at, announcement = (None, None)
    if basis != ANNOUNCED and forward:
        announced_at, announcement = _first_announcement(stated.date, earlier)
    start = min(seen, announced_at.date()) if announced_at else seen
    return Notice(
        stated_effective=stated.date,
        basis=basis,
        first_seen=first_seen,
        notice_days=(stated.date - start).days,
        quote=stated.quote,
        announced_at=announced_at,
        announcement=announcement,
        date_unchanged=unchanged,
        upcoming=announced,
        conflicting=after.conflicting if basis == EFFECTIVE else (),
    )


def _first_announcement(
    day: date, earlier: Sequence[tuple[datetime, Sequence[StatedDate]]]
) -> tuple[datetime | None, str | None]:
    """When an earlier version first said that `day` was still to come."""
    for seen, dates in sorted(earlier, key=lambda item: item[0]):
        for stated in version_dates(dates, seen.date()).upcoming:
            if stated.date == day:
                return seen, stated.quote
    return None, None


def notice_lines(notice: Mapping[str, Any], today: date) -> list[str]:
    """A stored notice (Notice.as_json) in words, for the terminal and the digest; `today` dates "in N days"."""
    first_seen = format_day(datetime.fromisoformat(notice["first_seen"]).date())
    stated = notice.get("stated_effective")
    lines = []
    if stated is None:
        lines.append(f"The page states no date of effect; first seen {first_seen}.")
    elif notice["basis"] == ANNOUNCED:
        day = date.fromisoformat(stated)
        lines.append(f"Announces new terms: {takes_effect(day, today)}; announced {first_seen}.")
    elif notice.get("date_unchanged"):
        lines.append(f"The text changed but its stated date did not ({format_day(date.fromisoformat(stated))}).")
    else:
        what = "Effective" if notice["basis"] == EFFECTIVE else "Last updated (no effective date stated)"
        line = f"{what} {format_day(date.fromisoformat(stated))}; first seen {first_seen}"
        if announced := notice.get("announced_at"):
            line += f", announced {format_day(datetime.fromisoformat(announced).date())}"
        lines.append(f"{line}: {describe_notice(notice.get('notice_days'))}.")
    if conflicting := notice.get("conflicting"):
        days = ", ".join(format_day(date.fromisoformat(d)) for d in conflicting)
        lines.append(f"The page also states other effective dates: {days}.")
    for upcoming in notice.get("upcoming") or ():
        if notice["basis"] != ANNOUNCED or upcoming["date"] != stated:
            lines.append(f"Announces more changes: {takes_effect(date.fromisoformat(upcoming['date']), today)}.")
    return lines


def describe_notice(notice_days: int | None) -> str:
    """One phrase for people: 'announced 62 days ahead', 'no notice: dated 1 day before it appeared'."""
    if notice_days is None:
        return "no date stated"
    if notice_days > 0:
        return f"announced {_days(notice_days)} ahead"
    if notice_days == 0:
        return "in effect the day it appeared, without notice"
    return f"no notice, dated {_days(-notice_days)} before it appeared"


def takes_effect(day: date, today: date) -> str:
    """'takes effect in 62 days (20 Nov 2024)', 'takes effect today', 'took effect on 20 Nov 2024'."""
    if day > today:
        return f"takes effect in {_days((day - today).days)} ({format_day(day)})"
    if day == today:
        return f"takes effect today ({format_day(day)})"
    return f"took effect on {format_day(day)}"


def format_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"
