"""Fakes and samples for hosts and plugin authors: a notifier that keeps what it delivers
and valid records to start a test from."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from dialogue_flow import (
    DEFAULT_ORGANISATION,
    VIETNAM_TZ,
    Deadline,
    Dialogue,
    DialogueState,
    Notification,
    Petitioner,
    ReceptionDay,
    ReceptionState,
    SkippedDay,
    Submission,
    SubmissionState,
    TransitionRecord,
    hookimpl,
)
from dialogue_flow.storage import Record

#: The instant the sample records are created at (the seed's plan, spring 2021).
T0 = dt.datetime(2021, 6, 1, 8, 0, tzinfo=VIETNAM_TZ)


# --- a notifier that keeps what it delivers ---------------------------------------------------


class CapturingNotifier:
    """A ``dialogue_flow_deliver`` plugin that keeps every notification it delivers.

    Register it like any notifier (``load_plugins([notifier])``). Tell it to fail the next
    attempts with :meth:`fail_next` (or ``fail_times=``) to exercise retries and parking;
    a failing attempt raises :class:`ConnectionError`, as a channel that is down would.
    Thread-safe, so dispatchers running in threads may share one.
    """

    #: The channel name the hook returns.
    channel = "capture"

    def __init__(self, *, fail_times: int = 0, error: str = "channel down") -> None:
        self._lock = threading.Lock()
        #: Delivered notifications, in delivery order (repeats included: at least once).
        self.delivered: list[Notification] = []
        #: The recipients each delivery was given, parallel to :attr:`delivered`.
        self.recipients: list[list[str]] = []
        #: Every call, failed ones included.
        self.attempts = 0
        self._failures_left = fail_times
        self._error = error

    def fail_next(self, times: int = 1, error: str | None = None) -> None:
        """Make the next ``times`` deliveries raise :class:`ConnectionError`."""
        with self._lock:
            self._failures_left = times
            if error is not None:
                self._error = error

    @property
    def keys(self) -> list[str]:
        """The keys of :attr:`delivered`, in order."""
        with self._lock:
            return [note.key for note in self.delivered]

    def clear(self) -> None:
        """Forget every delivery and attempt (failures still scheduled stay scheduled)."""
        with self._lock:
            self.delivered.clear()
            self.recipients.clear()
            self.attempts = 0

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str],
                              ) -> str:
        with self._lock:
            self.attempts += 1
            if self._failures_left > 0:
                self._failures_left -= 1
                raise ConnectionError(self._error)
            self.delivered.append(notification)
            self.recipients.append(list(recipients))
        return self.channel

    def __repr__(self) -> str:
        return f"CapturingNotifier(delivered={len(self.delivered)}, attempts={self.attempts})"


# --- sample records ---------------------------------------------------------------------------


def sample_dialogue(dialogue_id: str = "dlg-0001", *, version: int = 1,
                    state: DialogueState | str = DialogueState.PLANNED,
                    scheduled_for: dt.date = dt.date(2021, 6, 17), **fields: Any) -> Dialogue:
    """A valid :class:`Dialogue`; ``fields`` override any other attribute."""
    values: dict[str, Any] = {
        "id": dialogue_id, "title": "Đối thoại quý II/2021", "scheduled_for": scheduled_for,
        "state": state, "version": version, "created_at": T0, "updated_at": T0,
        "announce_by": _deadline(scheduled_for - dt.timedelta(days=7), "announcement"),
    }
    return Dialogue(**{**values, **fields})


def sample_reception_day(reception_id: str = "rcp-0001", *, version: int = 1,
                         state: ReceptionState | str = ReceptionState.SCHEDULED,
                         scheduled_for: dt.date = dt.date(2026, 1, 12),
                         **fields: Any) -> ReceptionDay:
    """A valid :class:`ReceptionDay`; ``fields`` override any other attribute."""
    values: dict[str, Any] = {
        "id": reception_id, "scheduled_for": scheduled_for, "state": state,
        "version": version, "created_at": T0, "updated_at": T0,
    }
    return ReceptionDay(**{**values, **fields})


def sample_submission(submission_id: str = "sub-0001", *, version: int = 1,
                      state: SubmissionState | str = SubmissionState.RECEIVED,
                      dialogue_id: str | None = None, department: str | None = None,
                      due: dt.date | None = None, **fields: Any) -> Submission:
    """A valid :class:`Submission`; ``due`` is the due date, ``fields`` override the rest."""
    values: dict[str, Any] = {
        "id": submission_id, "petitioner": Petitioner(name="Nguyễn Văn A"),
        "topic": "đất đai", "content": "Chậm cấp giấy chứng nhận quyền sử dụng đất.",
        "state": state, "version": version, "received_at": T0, "updated_at": T0,
        "dialogue_id": dialogue_id, "department": department,
        "due": None if due is None else _deadline(due, "written-answer"),
    }
    return Submission(**{**values, **fields})


def sample_transition(record: Record, *, event: str = "test", source: str | None = None,
                      version: int | None = None) -> TransitionRecord:
    """The audit-trail row of ``record``'s current version (or of ``version``)."""
    return TransitionRecord(
        kind=record.KIND, record_id=record.id,
        version=record.version if version is None else version, event=event, source=source,
        dest=str(record.state), actor_id="tester", at=T0, details={"why": "contract"})


def sample_notification(key: str, *, record_id: str = "sub-0001",
                        created_at: dt.datetime = T0,
                        organisation_id: str = DEFAULT_ORGANISATION) -> Notification:
    """A notification with the given idempotency ``key``."""
    return Notification(
        key=key, event="received", kind=Submission.KIND, record_id=record_id,
        audience="petitioner", subject=f"Đã tiếp nhận ý kiến {record_id}",
        body="Ý kiến của ông/bà đã được tiếp nhận.", language="vi", created_at=created_at,
        data={"key": key}, organisation_id=organisation_id)


def _deadline(day: dt.date, rule: str) -> Deadline:
    return Deadline(date=day, rule_id=rule, anchor=day - dt.timedelta(days=10),
                    basis="Kế hoạch, mục II.2.7", calendar="test",
                    skipped=(SkippedDay(day - dt.timedelta(days=3), "Chủ nhật"),))
