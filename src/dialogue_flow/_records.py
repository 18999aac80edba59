"""The immutable records: dialogues, submissions and everything they carry.

Every record is a frozen attrs class. A change never mutates: it builds a new record with
``attrs.evolve`` and ``version + 1``; storage keeps the old one only in the audit trail.
Validators reject bad values when a record is built, so an invalid record never exists.

``datetime`` is imported as a module (``dt``) on purpose: :class:`Deadline` has a field
named ``date``, and cattrs resolves annotations in the class namespace.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._calendar import SkippedDay

__all__ = [
    "Actor",
    "AnswerMode",
    "Channel",
    "CloseReason",
    "ConclusionItem",
    "ConclusionNotice",
    "Deadline",
    "Dialogue",
    "DialogueState",
    "Notification",
    "Petitioner",
    "Role",
    "Submission",
    "SubmissionKind",
    "SubmissionState",
    "TransitionRecord",
]


class SubmissionState(enum.StrEnum):
    """Where a submission (opinion, question, petition) stands."""

    RECEIVED = "received"  # tiếp nhận
    ANSWERED = "answered"  # đã trả lời
    ASSIGNED = "assigned"  # giao xử lý
    ESCALATED = "escalated"  # chuyển cấp có thẩm quyền
    CLOSED = "closed"  # kết thúc


class DialogueState(enum.StrEnum):
    """Where a dialogue (cuộc tiếp xúc, đối thoại) stands."""

    PLANNED = "planned"
    ANNOUNCED = "announced"
    HELD = "held"
    CONCLUDED = "concluded"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Channel(enum.StrEnum):
    """How a submission reached the intake desk."""

    SPOKEN = "spoken"  # phát biểu trực tiếp tại hội nghị
    WRITTEN = "written"  # câu hỏi bằng văn bản gửi bộ phận tiếp nhận
    COLLECTED = "collected"  # MTTQ, đoàn thể tổng hợp trước hội nghị


class SubmissionKind(enum.StrEnum):
    """What the citizen raised (ý kiến, câu hỏi, kiến nghị, phản ánh)."""

    OPINION = "opinion"
    QUESTION = "question"
    PETITION = "petition"
    FEEDBACK = "feedback"


class CloseReason(enum.StrEnum):
    """Why a submission was closed."""

    ACCEPTED = "accepted"  # answered and the petitioner accepted the answer
    WITHDRAWN = "withdrawn"  # the petitioner withdrew it
    DUPLICATE = "duplicate"  # merged into another submission
    SETTLED_AT_MEETING = "settled_at_meeting"  # resolved at the meeting; left out of the notice


class AnswerMode(enum.StrEnum):
    """How an answer was given."""

    ON_THE_SPOT = "on_the_spot"  # trả lời trực tiếp tại hội nghị
    IN_WRITING = "in_writing"  # trả lời bằng văn bản


class Role(enum.StrEnum):
    """The actors of the seed's plan (DOMAIN.md, "Actors")."""

    CHAIR = "chair"  # Bí thư Đảng ủy, người đứng đầu cấp ủy
    OFFICE = "office"  # Văn phòng Đảng ủy
    INTAKE_DESK = "intake_desk"  # Bộ phận tiếp nhận, tổng hợp
    SECRETARY = "secretary"  # Thư ký
    DEPARTMENT = "department"  # Ban, ngành, bộ phận chuyên môn
    STANDING_COMMITTEE = "standing_committee"  # Ban Thường vụ
    MASS_MOBILISATION = "mass_mobilisation"  # Khối Dân vận
    FATHERLAND_FRONT = "fatherland_front"  # UBMTTQ và các đoàn thể
    SYSTEM = "system"  # the library itself (sweeps, automatic completion)


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def _nonblank(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name}: expected str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{attribute.name}: must not be blank")


def _optional_nonblank(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _nonblank(inst, attribute, value)


def _record_id(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(
            f"{attribute.name}: {value!r} is not a valid id (1-64 characters: letters, digits, "
            "'.', '_', ':', '-', starting with a letter or digit)"
        )


def _aware(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError(f"{attribute.name}: expected a timezone-aware datetime, got {value!r}")


def _positive_version(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name}: version must be an int >= 1, got {value!r}")


def _strings(value: object) -> tuple[str, ...]:
    """Turn a list of names into a tuple, refusing a bare string (a classic slip)."""
    if isinstance(value, str):
        raise TypeError("expected a list of names, got a single string")
    return tuple(value)  # type: ignore[arg-type]


# Named converters that skip the enum lookup when the value already is a member: records
# are rebuilt on every change, and Enum.__call__ is a measurable share of that.
def _role(value: Any) -> Role:
    return value if value.__class__ is Role else Role(value)


def _dialogue_state(value: Any) -> DialogueState:
    if value.__class__ is DialogueState:
        return value
    return DialogueState(value)


def _submission_state(value: Any) -> SubmissionState:
    if value.__class__ is SubmissionState:
        return value
    return SubmissionState(value)


def _kind(value: Any) -> SubmissionKind:
    if value.__class__ is SubmissionKind:
        return value
    return SubmissionKind(value)


def _channel(value: Any) -> Channel:
    return value if value.__class__ is Channel else Channel(value)


def _answer_mode(value: Any) -> AnswerMode | None:
    if value is None or value.__class__ is AnswerMode:
        return value
    return AnswerMode(value)


def _close_reason(value: Any) -> CloseReason | None:
    if value is None or value.__class__ is CloseReason:
        return value
    return CloseReason(value)


@attrs.frozen
class Actor:
    """Someone acting in the process: who did it is recorded with every change."""

    id: str = attrs.field(validator=_record_id)
    name: str = attrs.field(validator=_nonblank)
    role: Role = attrs.field(converter=_role)
    #: The department an actor of role DEPARTMENT belongs to (e.g. "Địa chính").
    department: str | None = attrs.field(default=None, validator=_optional_nonblank)

    def __attrs_post_init__(self) -> None:
        if self.role is Role.DEPARTMENT and self.department is None:
            raise ValueError("department: an actor with role 'department' must name it")


@attrs.frozen
class Petitioner:
    """The citizen who raised a submission. Personal data: never logged, left out of reports."""

    name: str = attrs.field(validator=_nonblank)
    address: str | None = None
    phone: str | None = None
    email: str | None = None

    def __repr__(self) -> str:  # keeps personal data out of logs and tracebacks
        return "Petitioner(<personal data withheld>)"


@attrs.frozen
class Deadline:
    """A computed legal deadline: the date, the rule behind it and how it was counted."""

    date: dt.date
    rule_id: str
    #: The day the count started from (not counted itself, Civil Code art. 147).
    anchor: dt.date
    #: The legal basis of the rule, quoted from the policy.
    basis: str
    #: ``WorkCalendar.fingerprint`` of the calendar that computed it.
    calendar: str
    #: The non-working days between the anchor and the date, with their reasons.
    skipped: tuple[SkippedDay, ...] = ()

    def explain(self) -> str:
        """One line per skipped day; what a clerk reads to check the date by hand."""
        head = f"{self.date.isoformat()} ({self.rule_id}; from {self.anchor.isoformat()})"
        lines = [head, *(f"  - {s.date.isoformat()}: {s.reason}" for s in self.skipped)]
        return "\n".join(lines)


@attrs.frozen
class ConclusionItem:
    """One matter of a conclusion notice: who must answer it, and by when."""

    submission_id: str
    state: SubmissionState
    #: The department (assigned) or the competent level (escalated) responsible.
    responsible: str
    due: dt.date


@attrs.frozen
class ConclusionNotice:
    """The chair's conclusion notice (thông báo kết luận) after a dialogue.

    Matters settled at the meeting are left out, as the seed's plan requires (II.2.7).
    """

    issued_on: dt.date
    issued_by: str
    items: tuple[ConclusionItem, ...]
    #: True when issued after the conclusion-notice deadline (it is still issued).
    late: bool = False


@attrs.frozen
class Dialogue:
    """A direct dialogue between the committee's chair and the People."""

    KIND: ClassVar[str] = "dialogue"

    id: str = attrs.field(validator=_record_id)
    title: str = attrs.field(validator=_nonblank)
    scheduled_for: dt.date
    state: DialogueState = attrs.field(converter=_dialogue_state)
    version: int = attrs.field(validator=_positive_version)
    created_at: dt.datetime = attrs.field(validator=_aware)
    updated_at: dt.datetime = attrs.field(validator=_aware)
    #: The latest day the dialogue may be announced (≥ 7 days before, by default).
    announce_by: Deadline
    venue: str | None = None
    #: The actor id of the chair who presides (người chủ trì).
    chair: str | None = None
    secretary: str | None = None
    invited_departments: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    topics: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    expected_attendance: int | None = None
    actual_attendance: int | None = None
    announced_on: dt.date | None = None
    held_on: dt.date | None = None
    #: When the conclusion notice is due (≤ 10 days after the dialogue, by default).
    conclusion_due: Deadline | None = None
    conclusion: ConclusionNotice | None = None
    cancel_reason: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.KIND, self.id)


@attrs.frozen
class Submission:
    """One opinion, question or petition raised by a citizen."""

    KIND: ClassVar[str] = "submission"

    id: str = attrs.field(validator=_record_id)
    petitioner: Petitioner
    topic: str = attrs.field(validator=_nonblank)
    content: str = attrs.field(validator=_nonblank)
    state: SubmissionState = attrs.field(converter=_submission_state)
    version: int = attrs.field(validator=_positive_version)
    received_at: dt.datetime = attrs.field(validator=_aware)
    updated_at: dt.datetime = attrs.field(validator=_aware)
    dialogue_id: str | None = None
    kind: SubmissionKind = attrs.field(default=SubmissionKind.PETITION, converter=_kind)
    channel: Channel = attrs.field(default=Channel.SPOKEN, converter=_channel)
    #: Department asked to prepare the answer before the meeting (no legal clock).
    preparing_department: str | None = None
    #: Department responsible while assigned (or that last answered).
    department: str | None = None
    #: Competent higher level while escalated (e.g. "UBND huyện").
    competent_level: str | None = None
    #: Flags a complex matter; policies may give it a longer period.
    complex: bool = False
    assigned_on: dt.date | None = None
    due: Deadline | None = None
    answer: str | None = None
    answer_mode: AnswerMode | None = attrs.field(default=None, converter=_answer_mode)
    answered_on: dt.date | None = None
    close_reason: CloseReason | None = attrs.field(default=None, converter=_close_reason)
    duplicate_of: str | None = None
    extensions: int = 0
    reopened: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.KIND, self.id)

    @property
    def responsible(self) -> str | None:
        """Who must answer now: the competent level if escalated, else the department."""
        if self.state is SubmissionState.ESCALATED:
            return self.competent_level
        return self.department


@attrs.frozen
class TransitionRecord:
    """One line of the audit trail: who moved which record from where to where, and why."""

    kind: str
    record_id: str
    #: The record's version after this change (1 for the creation).
    version: int
    event: str
    source: str | None
    dest: str
    actor_id: str
    at: dt.datetime = attrs.field(validator=_aware)
    reason: str | None = None
    details: Mapping[str, str] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class Notification:
    """A message to deliver, written to the outbox in the same commit as its cause.

    ``key`` is stable for the same cause, so a notifier that sees it twice (delivery is at
    least once) can drop the repeat.
    """

    key: str
    event: str
    kind: str
    record_id: str
    #: The role the message is for ("petitioner", "chair", "department", ...).
    audience: str
    subject: str
    body: str
    language: str
    created_at: dt.datetime = attrs.field(validator=_aware)
    #: The department or agency concerned, when there is one.
    responsible: str | None = None
    data: Mapping[str, str] = attrs.field(factory=dict, hash=False)
