"""Hypothesis strategies shared by the test suite; add new ones here, grouped by topic.

Import them as ``from strategies import ...`` (pytest puts ``tests/`` on ``sys.path``).
Keep strategies small and composable; a test narrows them with arguments rather than
defining its own copy.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

# -- calendar -------------------------------------------------------------------------------

#: The default range of `WorkCalendar.vietnam()`; tests build this calendar.
CALENDAR_FIRST = date(2000, 1, 1)
CALENDAR_LAST = date(2050, 12, 31)
#: Sixty working days need at most ~100 calendar days (Tết adds a week); a margin of one
#: year on each side keeps every generated count inside the calendar.
SAFE_FIRST = date(2001, 1, 1)
SAFE_LAST = date(2049, 12, 31)


def calendar_dates(first: date = SAFE_FIRST, last: date = SAFE_LAST) -> st.SearchStrategy[date]:
    """Dates in ``[first, last]``; by default far enough from the calendar's ends."""
    return st.dates(min_value=first, max_value=last)


def recent_dates() -> st.SearchStrategy[date]:
    """Dates of the years people actually ask about, where swaps and compensations cluster."""
    return st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 12, 31))


def working_day_counts(limit: int = 60) -> st.SearchStrategy[int]:
    """A signed number of working days, ``-limit..limit``."""
    return st.integers(min_value=-limit, max_value=limit)


def positive_counts(limit: int = 60) -> st.SearchStrategy[int]:
    """``1..limit`` (a count of days that moves the date)."""
    return st.integers(min_value=1, max_value=limit)


def day_counts(limit: int = 60) -> st.SearchStrategy[int]:
    """A calendar-day period length, ``0..limit``."""
    return st.integers(min_value=0, max_value=limit)


def override_reasons() -> st.SearchStrategy[str]:
    """Non-blank reasons, Vietnamese letters included."""
    return st.text(alphabet="abc xyzĐđơưạếộ", min_size=1, max_size=20).filter(str.strip)


def day_off_overrides(first: date = SAFE_FIRST, last: date = SAFE_LAST,
                      max_size: int = 5) -> st.SearchStrategy[dict[date, str]]:
    """``extra_days_off`` mappings."""
    return st.dictionaries(calendar_dates(first, last), override_reasons(), max_size=max_size)


def non_dates() -> st.SearchStrategy[object]:
    """Values that must be rejected where a date is expected (naive datetimes included)."""
    return st.one_of(
        st.text(max_size=12),
        st.floats(allow_nan=True),
        st.integers(),
        st.booleans(),
        st.none(),
        st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2049, 12, 31)),
    )


def aware_datetimes(first: date = SAFE_FIRST,
                    last: date = SAFE_LAST) -> st.SearchStrategy[datetime]:
    """Timezone-aware instants with offsets from UTC-12 to UTC+14."""
    offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes)))
    return st.builds(
        lambda naive, tz: naive.replace(tzinfo=UTC).astimezone(tz),
        st.datetimes(min_value=datetime.combine(first, datetime.min.time()),
                     max_value=datetime.combine(last, datetime.min.time())),
        offsets,
    )


def non_counts() -> st.SearchStrategy[object]:
    """Values that must be rejected where a whole number of days is expected."""
    return st.one_of(
        st.booleans(),
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.none(),
        st.dates(),
    )


# -- records --------------------------------------------------------------------------------
# Imported here, not at the top, so the calendar strategies above stay untouched.
from dialogue_flow import (  # noqa: E402
    Actor,
    AnswerMode,
    Channel,
    CloseReason,
    ConclusionItem,
    ConclusionNotice,
    Deadline,
    Dialogue,
    DialogueState,
    Notification,
    Petitioner,
    Role,
    SkippedDay,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
)


def record_ids() -> st.SearchStrategy[str]:
    """Valid record ids: 1-64 of letters, digits, '.', '_', ':', '-', starting alphanumeric."""
    return st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,63}\Z")


#: What a record's text may hold: any Unicode character but control characters (tab and line
#: breaks excepted) and lone surrogates.
_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | (
    st.sampled_from("\t\n\r"))


def any_texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """Text a record accepts as it is (blank included): valid characters, in NFC."""
    return st.text(_CHARACTERS, max_size=max_size).map(
        lambda t: unicodedata.normalize("NFC", t))


def texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """Non-blank text, any printable Unicode (Vietnamese, emoji, quotes, newlines), in NFC as
    records keep it."""
    return any_texts(max_size).filter(str.strip)


def optional_texts() -> st.SearchStrategy[str | None]:
    return st.none() | texts()


def text_maps() -> st.SearchStrategy[dict[str, str]]:
    """``details`` / ``data`` mappings of audit rows and notifications."""
    return st.dictionaries(any_texts(8), any_texts(20), max_size=4)


def actors() -> st.SearchStrategy[Actor]:
    def build(actor_id: str, name: str, role: Role, department: str | None) -> Actor:
        if role is Role.DEPARTMENT and department is None:
            department = "Địa chính"
        return Actor(actor_id, name, role, department=department)

    return st.builds(build, record_ids(), texts(), st.sampled_from(Role), optional_texts())


def channel_names() -> st.SearchStrategy[str]:
    """Names of contact channels other than phone and email (``zalo``, ``push-app``)."""
    return st.from_regex(r"\A[a-z][a-z0-9_-]{0,31}\Z").filter(
        lambda name: name not in ("phone", "email"))


def petitioners() -> st.SearchStrategy[Petitioner]:
    return st.builds(Petitioner, name=texts(), address=optional_texts(),
                     phone=optional_texts(), email=optional_texts(),
                     contacts=st.dictionaries(channel_names(), texts(), max_size=3))


def skipped_days() -> st.SearchStrategy[SkippedDay]:
    return st.builds(SkippedDay, st.dates(), texts())


def deadlines() -> st.SearchStrategy[Deadline]:
    return st.builds(Deadline, date=st.dates(), rule_id=record_ids(), anchor=st.dates(),
                     basis=texts(80), calendar=texts(40),
                     skipped=st.lists(skipped_days(), max_size=4).map(tuple))


def conclusion_items() -> st.SearchStrategy[ConclusionItem]:
    return st.builds(ConclusionItem, submission_id=record_ids(),
                     state=st.sampled_from(SubmissionState), responsible=any_texts(20),
                     due=st.dates())


def conclusion_notices() -> st.SearchStrategy[ConclusionNotice]:
    return st.builds(ConclusionNotice, issued_on=st.dates(), issued_by=record_ids(),
                     items=st.lists(conclusion_items(), max_size=3).map(tuple),
                     late=st.booleans())


def _optional(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


def dialogues() -> st.SearchStrategy[Dialogue]:
    return st.builds(
        Dialogue,
        id=record_ids(), title=texts(), scheduled_for=st.dates(),
        state=st.sampled_from(DialogueState), version=st.integers(1, 10**6),
        created_at=aware_datetimes(), updated_at=aware_datetimes(),
        announce_by=deadlines(), venue=optional_texts(), chair=_optional(record_ids()),
        secretary=optional_texts(),
        invited_departments=st.lists(texts(), max_size=3).map(tuple),
        topics=st.lists(texts(), max_size=3).map(tuple),
        expected_attendance=_optional(st.integers(1, 10_000)),
        actual_attendance=_optional(st.integers(1, 10_000)),
        announced_on=_optional(st.dates()), held_on=_optional(st.dates()),
        conclusion_due=_optional(deadlines()), conclusion=_optional(conclusion_notices()),
        cancel_reason=optional_texts(),
    )


def _submission(**fields: Any) -> Submission:
    """A submission; a denunciation is always confidential (issue 17)."""
    if fields["kind"] is SubmissionKind.DENUNCIATION:
        fields["confidential"] = True
    return Submission(**fields)


def submissions() -> st.SearchStrategy[Submission]:
    return st.builds(
        _submission,
        id=record_ids(), petitioner=petitioners(), topic=texts(), content=texts(200),
        state=st.sampled_from(SubmissionState), version=st.integers(1, 10**6),
        received_at=aware_datetimes(), updated_at=aware_datetimes(),
        dialogue_id=_optional(record_ids()), kind=st.sampled_from(SubmissionKind),
        channel=st.sampled_from(Channel), preparing_department=optional_texts(),
        department=optional_texts(), competent_level=optional_texts(), complex=st.booleans(),
        assigned_on=_optional(st.dates()), due=_optional(deadlines()),
        answer=optional_texts(), answer_mode=_optional(st.sampled_from(AnswerMode)),
        answered_on=_optional(st.dates()),
        close_reason=_optional(st.sampled_from(CloseReason)),
        duplicate_of=_optional(record_ids()), extensions=st.integers(0, 100),
        reopened=st.integers(0, 100), origin_id=_optional(record_ids()),
        transferred_to=_optional(record_ids()), confidential=st.booleans(),
    )


def transition_records() -> st.SearchStrategy[TransitionRecord]:
    return st.builds(
        TransitionRecord, kind=st.sampled_from(["dialogue", "submission"]),
        record_id=record_ids(), version=st.integers(1, 10**6), event=texts(),
        source=optional_texts(), dest=texts(), actor_id=record_ids(), at=aware_datetimes(),
        reason=optional_texts(), details=text_maps(),
    )


def notifications() -> st.SearchStrategy[Notification]:
    return st.builds(
        Notification, key=texts(60), event=texts(), kind=st.sampled_from(["dialogue",
                                                                          "submission"]),
        record_id=record_ids(), audience=texts(), subject=texts(80), body=texts(200),
        language=st.sampled_from(["vi", "en"]), created_at=aware_datetimes(),
        responsible=optional_texts(), data=text_maps(),
    )


#: Every record type with its strategy, for round-trip tests.
RECORD_STRATEGIES: dict[type, st.SearchStrategy[object]] = {
    Actor: actors(),
    Petitioner: petitioners(),
    Deadline: deadlines(),
    ConclusionItem: conclusion_items(),
    ConclusionNotice: conclusion_notices(),
    Dialogue: dialogues(),
    Submission: submissions(),
    TransitionRecord: transition_records(),
    Notification: notifications(),
}
