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
from typing import Any, ClassVar, TypeVar

import attrs

from ._calendar import SkippedDay
from ._errors import InvalidInputError
from ._petitioner import Petitioner
from ._retention import optional_retention
from ._tracking import ALPHABET, is_tracking_code
from ._validators import (
    FREE,
    LABEL,
    NAME,
    day,
    flag,
    nfc,
    of_type,
    text,
    texts,
    whole,
)

__all__ = [
    "DEFAULT_ORGANISATION",
    "Actor",
    "AnswerMode",
    "Channel",
    "CloseReason",
    "ConclusionItem",
    "ConclusionNotice",
    "DayOverride",
    "Deadline",
    "Dialogue",
    "DialogueState",
    "Level",
    "Notification",
    "Organisation",
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
    TRANSFERRED = "transferred"  # chuyển đến từ cấp dưới (a commune escalated it here)
    RECEPTION = "reception"  # tại ngày tiếp công dân định kỳ của người đứng đầu


class SubmissionKind(enum.StrEnum):
    """What the citizen raised (ý kiến, câu hỏi, kiến nghị, phản ánh)."""

    OPINION = "opinion"
    QUESTION = "question"
    PETITION = "petition"
    FEEDBACK = "feedback"
    #: Tố cáo: who denounces is protected by law, so a denunciation is always confidential
    #: (:attr:`Submission.confidential`).
    DENUNCIATION = "denunciation"


class CloseReason(enum.StrEnum):
    """Why a submission was closed."""

    ACCEPTED = "accepted"  # answered and the petitioner accepted the answer
    WITHDRAWN = "withdrawn"  # the petitioner withdrew it
    DUPLICATE = "duplicate"  # merged into another submission
    SETTLED_AT_MEETING = "settled_at_meeting"  # resolved at the meeting; left out of the notice
    #: The competent level it was escalated to answered it (the origin of a transfer).
    ANSWERED_BY_COMPETENT_LEVEL = "answered_by_competent_level"
    #: Handed back to the organisation it came from: within that level's authority.
    RETURNED = "returned"


class AnswerMode(enum.StrEnum):
    """How an answer was given."""

    ON_THE_SPOT = "on_the_spot"  # trả lời trực tiếp tại hội nghị
    IN_WRITING = "in_writing"  # trả lời bằng văn bản


class Role(enum.StrEnum):
    """The actors of the seed's plan (docs/domain.md, "Actors")."""

    CHAIR = "chair"  # Bí thư Đảng ủy, người đứng đầu cấp ủy
    OFFICE = "office"  # Văn phòng Đảng ủy
    INTAKE_DESK = "intake_desk"  # Bộ phận tiếp nhận, tổng hợp
    SECRETARY = "secretary"  # Thư ký
    DEPARTMENT = "department"  # Ban, ngành, bộ phận chuyên môn
    STANDING_COMMITTEE = "standing_committee"  # Ban Thường vụ
    MASS_MOBILISATION = "mass_mobilisation"  # Khối Dân vận
    FATHERLAND_FRONT = "fatherland_front"  # UBMTTQ và các đoàn thể
    SYSTEM = "system"  # the library itself (sweeps, automatic completion)


class Level(enum.StrEnum):
    """The tiers of local government since 1 July 2025 (docs/domain.md, "Since 2025"). A level is
    stored as text, so a host may use others ("ward", "special_zone") as data."""

    PROVINCE = "province"  # tỉnh, thành phố trực thuộc trung ương
    COMMUNE = "commune"  # xã, phường, đặc khu


#: The organisation of every record and actor that names none: a store used by one
#: committee, as before organisations existed, needs nothing else.
DEFAULT_ORGANISATION = "default"

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_ID_RULE = "1-64 characters: letters, digits, '.', '_', ':', '-', starting with a letter or digit"


def _record_id(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        shown = repr(value[:70]) if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                f"{shown} is not a valid id ({_ID_RULE})")


def _optional_id(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _record_id(inst, attribute, value)


def _optional_code(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not is_tracking_code(value):
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                "not a tracking code (ten characters of "
                                f"{ALPHABET}, the last one the check)")


def _aware(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                "expected a timezone-aware datetime")


def _strings(value: object) -> tuple[str, ...]:
    """Turn a list of names into a tuple of NFC texts, refusing a bare string (a classic
    slip) and anything that is not a list."""
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        got = "a single string" if isinstance(value, str) else type(value).__name__
        raise InvalidInputError("names", f"expected a list of names, got {got}")
    return tuple(nfc(item) for item in value)  # type: ignore[misc]


def _nfc_values(value: object) -> object:
    """A mapping's text values in NFC (a command's arguments kept in the audit trail)."""
    if isinstance(value, Mapping):
        return {key: nfc(item) for key, item in value.items()}
    return value


_E = TypeVar("_E", bound=enum.Enum)


def _to_member(cls: type[_E], field: str, value: Any) -> _E:
    """``value`` as a member of ``cls`` (no lookup when it already is one: records are
    rebuilt on every change); anything else is an InvalidInputError naming ``field``."""
    if value.__class__ is cls:
        return value
    try:
        return cls(value)
    except (ValueError, TypeError):
        choices = ", ".join(str(m.value) for m in cls)
        raise InvalidInputError(field, f"expected one of: {choices}") from None


# Named converters: attrs' mypy plugin accepts only named functions.
def _role(value: Any) -> Role:
    return _to_member(Role, "Actor.role", value)


def _dialogue_state(value: Any) -> DialogueState:
    return _to_member(DialogueState, "Dialogue.state", value)


def _submission_state(value: Any) -> SubmissionState:
    return _to_member(SubmissionState, "state", value)


def _kind(value: Any) -> SubmissionKind:
    return _to_member(SubmissionKind, "Submission.kind", value)


def _confidential(inst: Submission, attribute: attrs.Attribute[Any], value: object) -> None:
    flag(inst, attribute, value)
    if inst.kind is SubmissionKind.DENUNCIATION and not value:
        raise InvalidInputError("Submission.confidential", "a denunciation is always "
                                "confidential: the identity of who denounces is protected")


def _channel(value: Any) -> Channel:
    return _to_member(Channel, "Submission.channel", value)


def _answer_mode(value: Any) -> AnswerMode | None:
    return None if value is None else _to_member(AnswerMode, "Submission.answer_mode", value)


def _close_reason(value: Any) -> CloseReason | None:
    return None if value is None else _to_member(CloseReason, "Submission.close_reason", value)


@attrs.frozen
class Actor:
    """Someone acting in the process: who did it is recorded with every change."""

    id: str = attrs.field(validator=_record_id)
    name: str = attrs.field(converter=nfc, validator=text(NAME))
    role: Role = attrs.field(converter=_role)
    #: The department an actor of role DEPARTMENT belongs to (e.g. "Địa chính").
    department: str | None = attrs.field(default=None, converter=nfc,
                                         validator=text(NAME, optional=True))
    #: The organisation the actor acts in (its records; the default role policy refuses
    #: commands on another organisation's records).
    organisation_id: str = attrs.field(default=DEFAULT_ORGANISATION, kw_only=True,
                                       validator=_record_id)

    def __attrs_post_init__(self) -> None:
        if self.role is Role.DEPARTMENT and self.department is None:
            raise InvalidInputError("Actor.department",
                                    "an actor with role 'department' must name it")


@attrs.frozen
class DayOverride:
    """A day an organisation counts differently from the national calendar: closed by a
    storm in one province (``working=False``), or opened for a make-up day."""

    date: dt.date = attrs.field(validator=day())
    reason: str = attrs.field(converter=nfc, validator=text(LABEL))
    #: ``True``: a working day although the national calendar says it is off.
    working: bool = attrs.field(default=False, validator=flag)


def _day_overrides(value: object) -> tuple[DayOverride, ...]:
    """The overrides, by date; each a :class:`DayOverride`, no date twice."""
    field = "Organisation.calendar_overrides"
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (tuple, list)):
        raise InvalidInputError(field, f"expected a list of DayOverride, got {value!r}")
    seen: set[dt.date] = set()
    for override in value:
        if not isinstance(override, DayOverride):
            raise InvalidInputError(field, f"expected DayOverride items, got {override!r}")
        if override.date in seen:
            raise InvalidInputError(field, f"{override.date.isoformat()} is listed twice")
        seen.add(override.date)
    return tuple(sorted(value, key=lambda o: o.date))


def _month_days(value: object) -> tuple[int, ...]:
    """Days of a month (1-31), sorted, none twice."""
    field = "Organisation.reception_dates"
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (tuple, list)):
        raise InvalidInputError(field, f"expected a list of days of the month, got {value!r}")
    days = list(value)
    for d in days:
        if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 31:
            raise InvalidInputError(field, f"{d!r} is not a day of the month (1-31)")
    if len(set(days)) != len(days):
        raise InvalidInputError(field, f"a day is listed twice in {days}")
    return tuple(sorted(days))


@attrs.frozen
class Organisation:
    """A party committee and the bodies inside it that handle matters: a province, a
    commune. Organisations form a tree through ``parent_id`` (a commune under its province);
    every dialogue, submission, actor, audit row and notification belongs to one."""

    KIND: ClassVar[str] = "organisation"

    id: str = attrs.field(validator=_record_id)
    name: str = attrs.field(converter=nfc, validator=text(LABEL))
    #: ``"province"`` or ``"commune"`` (:class:`Level`), or another level as data.
    level: str = attrs.field(converter=nfc, validator=text(NAME))
    parent_id: str | None = attrs.field(default=None, validator=_optional_id)
    #: The bodies that handle matters: departments, boards ("Ban Tuyên giáo và Dân vận Tỉnh
    #: ủy"), provincial departments. Assignments may name others; these are the known ones.
    bodies: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=texts(NAME))
    #: The deadline policy this organisation works under (``None``: the flow's).
    policy_id: str | None = attrs.field(default=None, validator=_optional_id)
    #: Days this organisation and every organisation under it count differently from the
    #: flow's calendar (see :meth:`~dialogue_flow.DialogueFlow.calendar_of`), by date.
    calendar_overrides: tuple[DayOverride, ...] = attrs.field(default=(),
                                                              converter=_day_overrides)
    version: int = attrs.field(default=1, validator=whole(minimum=1))
    #: The days of each month its head receives citizens (e.g. ``(10, 25)``: the 10th and
    #: the 25th, or the next working day), fixed and announced in advance (215-KL/TW).
    reception_dates: tuple[int, ...] = attrs.field(default=(), converter=_month_days,
                                                   kw_only=True)
    #: How long after a matter closes its petitioner's personal data is kept (``"5y"``,
    #: ``"18m"``, ``"90d"``); ``None``: the flow's default for the level (issue 17).
    retention: str | None = attrs.field(default=None, kw_only=True,
                                        validator=optional_retention)

    def __attrs_post_init__(self) -> None:
        if self.parent_id == self.id:
            raise InvalidInputError("Organisation.parent_id",
                                    f"{self.id} cannot be its own parent")

    @property
    def key(self) -> tuple[str, str]:
        return (self.KIND, self.id)


@attrs.frozen
class Deadline:
    """A computed legal deadline: the date, the rule behind it and how it was counted."""

    date: dt.date = attrs.field(validator=day())
    rule_id: str = attrs.field(validator=text(NAME))
    #: The day the count started from (not counted itself, Civil Code art. 147).
    anchor: dt.date = attrs.field(validator=day())
    #: The legal basis of the rule, quoted from the policy.
    basis: str = attrs.field(converter=nfc, validator=text(FREE))
    #: ``WorkCalendar.fingerprint`` of the calendar that computed it.
    calendar: str = attrs.field(validator=text(NAME))
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

    submission_id: str = attrs.field(validator=_record_id)
    state: SubmissionState = attrs.field(
        converter=_submission_state)
    #: The department (assigned) or the competent level (escalated) responsible.
    responsible: str = attrs.field(converter=nfc, validator=text(NAME, blank=True))
    due: dt.date = attrs.field(validator=day())


@attrs.frozen
class ConclusionNotice:
    """The chair's conclusion notice (thông báo kết luận) after a dialogue.

    Matters settled at the meeting are left out, as the seed's plan requires (II.2.7).
    """

    issued_on: dt.date = attrs.field(validator=day())
    issued_by: str = attrs.field(validator=_record_id)
    items: tuple[ConclusionItem, ...]
    #: True when issued after the conclusion-notice deadline (it is still issued).
    late: bool = attrs.field(default=False, validator=flag)


@attrs.frozen
class Dialogue:
    """A direct dialogue between the committee's chair and the People."""

    KIND: ClassVar[str] = "dialogue"

    id: str = attrs.field(validator=_record_id)
    title: str = attrs.field(converter=nfc, validator=text(LABEL))
    scheduled_for: dt.date = attrs.field(validator=day())
    state: DialogueState = attrs.field(converter=_dialogue_state)
    version: int = attrs.field(validator=whole(minimum=1))
    created_at: dt.datetime = attrs.field(validator=_aware)
    updated_at: dt.datetime = attrs.field(validator=_aware)
    #: The latest day the dialogue may be announced (≥ 7 days before, by default).
    announce_by: Deadline = attrs.field(validator=of_type(Deadline))
    venue: str | None = attrs.field(default=None, converter=nfc,
                                    validator=text(LABEL, optional=True))
    #: The actor id of the chair who presides (người chủ trì).
    chair: str | None = attrs.field(default=None, converter=nfc,
                                    validator=text(NAME, optional=True))
    secretary: str | None = attrs.field(default=None, converter=nfc,
                                        validator=text(NAME, optional=True))
    invited_departments: tuple[str, ...] = attrs.field(default=(), converter=_strings,
                                                       validator=texts(NAME))
    topics: tuple[str, ...] = attrs.field(default=(), converter=_strings,
                                          validator=texts(LABEL))
    expected_attendance: int | None = attrs.field(default=None,
                                                  validator=whole(optional=True))
    actual_attendance: int | None = attrs.field(default=None, validator=whole(optional=True))
    announced_on: dt.date | None = attrs.field(default=None, validator=day(optional=True))
    held_on: dt.date | None = attrs.field(default=None, validator=day(optional=True))
    #: When the conclusion notice is due (≤ 10 days after the dialogue, by default).
    conclusion_due: Deadline | None = attrs.field(
        default=None, validator=of_type(Deadline, optional=True))
    conclusion: ConclusionNotice | None = attrs.field(
        default=None, validator=of_type(ConclusionNotice, optional=True))
    cancel_reason: str | None = attrs.field(default=None, converter=nfc,
                                            validator=text(FREE, optional=True))
    #: The organisation holding the dialogue.
    organisation_id: str = attrs.field(default=DEFAULT_ORGANISATION, validator=_record_id)

    @property
    def key(self) -> tuple[str, str]:
        return (self.KIND, self.id)


@attrs.frozen
class Submission:
    """One opinion, question or petition raised by a citizen."""

    KIND: ClassVar[str] = "submission"

    id: str = attrs.field(validator=_record_id)
    petitioner: Petitioner = attrs.field(validator=of_type(Petitioner))
    topic: str = attrs.field(converter=nfc, validator=text(LABEL))
    content: str = attrs.field(converter=nfc, validator=text(FREE))
    state: SubmissionState = attrs.field(
        converter=_submission_state)
    version: int = attrs.field(validator=whole(minimum=1))
    received_at: dt.datetime = attrs.field(validator=_aware)
    updated_at: dt.datetime = attrs.field(validator=_aware)
    dialogue_id: str | None = attrs.field(default=None, validator=_optional_id)
    kind: SubmissionKind = attrs.field(default=SubmissionKind.PETITION,
                                       converter=_kind)
    channel: Channel = attrs.field(default=Channel.SPOKEN,
                                   converter=_channel)
    #: Department asked to prepare the answer before the meeting (no legal clock).
    preparing_department: str | None = attrs.field(default=None, converter=nfc,
                                                   validator=text(NAME, optional=True))
    #: Department responsible while assigned (or that last answered).
    department: str | None = attrs.field(default=None, converter=nfc,
                                         validator=text(NAME, optional=True))
    #: Competent higher level while escalated (e.g. "UBND tỉnh").
    competent_level: str | None = attrs.field(default=None, converter=nfc,
                                              validator=text(NAME, optional=True))
    #: Flags a complex matter; policies may give it a longer period.
    complex: bool = attrs.field(default=False, validator=flag)
    assigned_on: dt.date | None = attrs.field(default=None, validator=day(optional=True))
    #: The earliest clock running on it (issue 15): from receipt, the processing clock (or,
    #: at a dialogue, the conclusion notice's deadline); after a decision, the answer clock.
    due: Deadline | None = attrs.field(default=None, validator=of_type(Deadline, optional=True))
    answer: str | None = attrs.field(default=None, converter=nfc,
                                     validator=text(FREE, optional=True))
    answer_mode: AnswerMode | None = attrs.field(
        default=None, converter=_answer_mode)
    answered_on: dt.date | None = attrs.field(default=None, validator=day(optional=True))
    close_reason: CloseReason | None = attrs.field(
        default=None, converter=_close_reason)
    duplicate_of: str | None = attrs.field(default=None, validator=_optional_id)
    extensions: int = attrs.field(default=0, validator=whole())
    reopened: int = attrs.field(default=0, validator=whole())
    #: The organisation handling the matter.
    organisation_id: str = attrs.field(default=DEFAULT_ORGANISATION, validator=_record_id)
    #: On a matter escalated here from another organisation of the store: the matter there.
    origin_id: str | None = attrs.field(default=None, validator=_optional_id)
    #: On a matter escalated to another organisation of the store: the matter there (while
    #: it handles it; cleared when it is handed back or the matter reopened).
    transferred_to: str | None = attrs.field(default=None, validator=_optional_id)
    #: The citizen reception day it was received at (channel ``reception``).
    reception_id: str | None = attrs.field(default=None, validator=_optional_id)
    #: What the petitioner quotes to ask where the matter stands (mã tra cứu; see
    #: :meth:`~dialogue_flow.DialogueFlow.lookup`), given when it is received; ``None`` only
    #: on a record built outside the flow.
    tracking_code: str | None = attrs.field(default=None, validator=_optional_code)
    #: The petitioner's identity is protected (a denunciation, or marked so): every read
    #: through the library withholds it, but from the roles the policy names (issue 17).
    confidential: bool = attrs.field(default=False, validator=_confidential)

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

    kind: str = attrs.field(validator=text(NAME))
    record_id: str = attrs.field(validator=_record_id)
    #: The record's version after this change (1 for the creation).
    version: int = attrs.field(validator=whole(minimum=1))
    event: str = attrs.field(validator=text(NAME))
    source: str | None = attrs.field(validator=text(NAME, optional=True))
    dest: str = attrs.field(validator=text(NAME))
    actor_id: str = attrs.field(validator=_record_id)
    at: dt.datetime = attrs.field(validator=_aware)
    reason: str | None = attrs.field(default=None, converter=nfc,
                                     validator=text(FREE, optional=True))
    details: Mapping[str, str] = attrs.field(factory=dict, hash=False, converter=_nfc_values)
    #: The organisation of the record changed.
    organisation_id: str = attrs.field(default=DEFAULT_ORGANISATION, validator=_record_id)


@attrs.frozen
class Notification:
    """A message to deliver, written to the outbox in the same commit as its cause.

    ``key`` is stable for the same cause, so a notifier that sees it twice (delivery is at
    least once) can drop the repeat.
    """

    key: str = attrs.field(validator=text(LABEL))
    event: str = attrs.field(validator=text(NAME))
    kind: str = attrs.field(validator=text(NAME))
    record_id: str = attrs.field(validator=_record_id)
    #: The role the message is for ("petitioner", "chair", "department", ...).
    audience: str = attrs.field(validator=text(NAME))
    subject: str = attrs.field(converter=nfc, validator=text(FREE))
    body: str = attrs.field(converter=nfc, validator=text(FREE, blank=True))
    language: str = attrs.field(validator=text(NAME))
    created_at: dt.datetime = attrs.field(validator=_aware)
    #: The department or agency concerned, when there is one.
    responsible: str | None = attrs.field(default=None, converter=nfc,
                                          validator=text(NAME, optional=True))
    data: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    #: The organisation whose record caused it.
    organisation_id: str = attrs.field(default=DEFAULT_ORGANISATION, validator=_record_id)
