"""Who a notification reaches: :class:`Recipient`, :class:`Delivery`, :class:`ReadOnlyStore`
and the built-in :class:`PetitionerRecipients`.

The ``dialogue_flow_recipients`` hooks name recipients; the dispatcher hands them to every
``dialogue_flow_deliver`` implementation, and records in the outbox which recipients a
channel reached by their :attr:`Recipient.ref` ("petitioner:phone", "department:Địa
chính"), never by their address: the outbox holds no personal data.

Imports no storage module (the storage contract imports :class:`Delivery` from here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ._errors import InvalidInputError, NotFoundError
from ._reception_records import ReceptionDay
from ._records import Dialogue, Notification, Organisation, Submission
from ._tree import stored_or_default
from ._validators import LABEL, NAME, channel_name, nfc, text
from ._withheld import reachable, withheld
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from ._attachment_records import Attachment
    from ._records import TransitionRecord
    from .storage import DialogueQuery, ReceptionQuery, Storage, SubmissionQuery

__all__ = ["Delivery", "PetitionerRecipients", "ReadOnlyStore", "Recipient"]


def _optional_channel(inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        channel_name(f"{type(inst).__name__}.channel", value)


def _looks_personal(address: str) -> bool:
    """An e-mail address or a phone number (six digits or more)."""
    return "@" in address or sum(c.isdigit() for c in address) >= 6


@attrs.frozen
class Recipient:
    """Someone a notification is for, on one channel.

    ``ref`` is what the outbox records of a delivery, so it must not hold personal data:
    a role and a channel ("petitioner:phone"), a body ("department:Địa chính"), a user id
    of the host ("user:1042"). ``address`` is what the channel sends to (a phone number,
    an e-mail address, a Zalo id); it is never stored, logged nor shown in the repr.

    :raises InvalidInputError: blank or over-long texts, a channel name other than 1-32
        lowercase letters, digits, '_' or '-', or a ``ref`` that contains an address which
        looks personal (an e-mail address, six digits or more).
    """

    #: The outbox's name for this recipient ("petitioner:phone"): no personal data.
    ref: str = attrs.field(converter=nfc, validator=text(NAME))
    #: What the channel sends to. Personal data: withheld from the repr.
    address: str = attrs.field(repr=False, converter=nfc, validator=text(LABEL))
    #: The kind of address ("phone", "email", "zalo", ...), so a notifier takes only its
    #: own; ``None``: the notifier judges by the address itself.
    channel: str | None = attrs.field(default=None, validator=_optional_channel)

    def __attrs_post_init__(self) -> None:
        if _looks_personal(self.address) and self.address in self.ref:
            raise InvalidInputError("Recipient.ref", "must not contain the address: the ref "
                                    "is stored in the outbox; name the recipient by role, "
                                    "body or user id")


@attrs.frozen
class Delivery:
    """One recipient a channel reached, as the outbox records it (no address)."""

    #: The :attr:`Recipient.ref` reached; ``None`` when the channel did not say whom (a
    #: notifier that returns only its name).
    recipient: str | None = attrs.field(validator=text(NAME, optional=True))
    #: The notifier plugin that delivered it (its registered name: ``email``, ``sms``).
    channel: str = attrs.field(validator=text(NAME))


class ReadOnlyStore:
    """The reading half of a :class:`~dialogue_flow.storage.Storage`: what the
    ``dialogue_flow_recipients`` hooks get to look records up (the dialogue of a
    submission, an organisation's parent, a department's matters).

    Only ``get_*``/``find_*`` methods; nothing here commits, and nothing touches the
    outbox. It is a convenience that keeps hooks from writing by mistake, not a security
    boundary. Like every read through the library, it gives a confidential matter with its
    petitioner withheld: a hook reaching the petitioner takes the ``record`` it is given
    for a notice to the petitioner (issue 17).
    """

    __slots__ = ("_storage",)

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def __repr__(self) -> str:
        return f"ReadOnlyStore({self._storage!r})"

    def get_dialogue(self, dialogue_id: str) -> Dialogue:
        """The current dialogue. :raises NotFoundError:"""
        return self._storage.get_dialogue(dialogue_id)

    def get_submission(self, submission_id: str) -> Submission:
        """The current submission. :raises NotFoundError:"""
        return withheld(self._storage.get_submission(submission_id))

    def get_submission_by_code(self, tracking_code: str) -> Submission:
        """The current submission with that tracking code. :raises NotFoundError:"""
        return withheld(self._storage.get_submission_by_code(tracking_code))

    def get_reception_day(self, reception_id: str) -> ReceptionDay:
        """The current citizen reception day. :raises NotFoundError:"""
        return self._storage.get_reception_day(reception_id)

    def get_organisation(self, organisation_id: str) -> Organisation:
        """The stored organisation (the default one exists without being stored).
        :raises NotFoundError:"""
        return stored_or_default(self._storage, organisation_id)

    def find_record(self, kind: str, record_id: str,
                    ) -> Dialogue | Submission | ReceptionDay | None:
        """The current record of ``kind`` (``Notification.kind``) with ``record_id``, or
        ``None`` when there is none (a report reminder names no record)."""
        try:
            if kind == Submission.KIND:
                return withheld(self._storage.get_submission(record_id))
            if kind == Dialogue.KIND:
                return self._storage.get_dialogue(record_id)
            if kind == ReceptionDay.KIND:
                return self._storage.get_reception_day(record_id)
        except NotFoundError:
            return None
        return None

    def _for_petitioner(self, notification: Notification) -> Submission | None:
        """The submission a notice to its petitioner is about, with the petitioner's
        identity (from the matter it was escalated from, for a copy received without it):
        for the channels to the petitioner only."""
        if notification.kind != Submission.KIND:
            return None
        try:
            found = self._storage.get_submission(notification.record_id)
        except NotFoundError:
            return None
        return reachable(found, self._storage.get_submission)

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        """At most ``query.limit`` submissions matching ``query``, in its order."""
        return [*map(withheld, self._storage.find_submissions(query))]

    def count_submissions(self, query: SubmissionQuery) -> int:
        """How many submissions pass every filter of ``query``."""
        return self._storage.count_submissions(query)

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        """At most ``query.limit`` dialogues matching ``query``, ordered by id."""
        return self._storage.find_dialogues(query)

    def find_reception_days(self, query: ReceptionQuery) -> list[ReceptionDay]:
        """At most ``query.limit`` reception days matching ``query``, ordered by id."""
        return self._storage.find_reception_days(query)

    def find_organisations(self) -> list[Organisation]:
        """Every stored organisation, ordered by id."""
        return self._storage.find_organisations()

    def organisation_subtree(self, root: str) -> frozenset[str]:
        """The ids of ``root`` and of every stored organisation under it."""
        return self._storage.organisation_subtree(root)

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        """The audit trail of one record, oldest first."""
        return self._storage.history(kind, record_id)

    def get_attachment(self, attachment_id: str) -> Attachment:
        """One attachment's record (not its file). :raises NotFoundError:"""
        return self._storage.get_attachment(attachment_id)

    def get_attachment_by_file_key(self, file_key: str) -> Attachment:
        """The attachment whose file is ``file_key``. :raises NotFoundError:"""
        return self._storage.get_attachment_by_file_key(file_key)

    def find_attachments(self, submission_id: str | None = None, *, after: str | None = None,
                         limit: int = 1000) -> list[Attachment]:
        """At most ``limit`` attachment records by id, of one submission when given."""
        return self._storage.find_attachments(submission_id, after=after, limit=limit)


class PetitionerRecipients:
    """The built-in recipients: a notification whose audience is the petitioner goes to
    every contact channel of the submission's petitioner (:meth:`Petitioner.contact_channels`),
    each as ``petitioner:<channel>``; the SMS, e-mail or Zalo notifiers deliver it.

    Registered by :func:`~dialogue_flow.load_plugins` as ``dialogue_flow.petitioner``
    (with ``builtins=True``); a host that must not write to petitioners unregisters it.
    """

    @hookimpl
    def dialogue_flow_recipients(self, notification: Notification, store: ReadOnlyStore,
                                 ) -> list[Recipient] | None:
        # Reads the record only for a notice to the petitioner (not through ``record``,
        # which the dispatcher would look up for every notification).
        if notification.audience != "petitioner":
            return None
        record = store._for_petitioner(notification)  # noqa: SLF001 - the built-in channel
        if record is None:
            return None
        contacts = record.petitioner.contact_channels()
        return [Recipient(f"petitioner:{channel}", address, channel=channel)
                for channel, address in contacts.items()]
