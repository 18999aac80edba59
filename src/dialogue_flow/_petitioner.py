"""Who raises a submission: :class:`Petitioner`, personal data under Law 91/2025/QH15
(re-exported by ``dialogue_flow._records``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from ._errors import InvalidInputError
from ._validators import LABEL, NAME, channel_name, check_text, nfc, text, whole

__all__ = ["Petitioner", "Redaction"]


def _contacts(value: object) -> dict[str, str]:
    """Contact channels as data, by channel name: each name a channel's (``zalo``), not
    ``phone`` nor ``email`` (fields of their own), each address non-blank text."""
    field = "Petitioner.contacts"
    if not isinstance(value, Mapping):
        raise InvalidInputError(field, "expected a mapping of channel -> address, got "
                                f"{type(value).__name__}")
    contacts: dict[str, str] = {}
    for channel, given in value.items():
        channel_name(field, channel)
        if channel in ("phone", "email"):
            raise InvalidInputError(f"{field}[{channel!r}]", f"use Petitioner.{channel}")
        address = nfc(given)
        check_text(f"{field}[{channel!r}]", address, 254)
        contacts[channel] = address  # type: ignore[assignment] # checked: text
    return dict(sorted(contacts.items()))


class Redaction(enum.StrEnum):
    """Why a stored or shown :class:`Petitioner` holds no identity (issue 17)."""

    #: Hidden from whoever reads it (a confidential matter, e.g. a denunciation).
    WITHHELD = "withheld"
    #: Erased for good: on request, or when the organisation's retention ran out.
    ERASED = "erased"


def _redaction(value: object) -> Redaction | None:
    if value is None or isinstance(value, Redaction):
        return value
    try:
        return Redaction(value)  # type: ignore[arg-type] # checked by the enum
    except ValueError:
        raise InvalidInputError("Petitioner.redaction", "expected one of "
                                f"{', '.join(r.value for r in Redaction)}") from None


_SOURCES = frozenset({"person", "anonymous", "group"})


@attrs.frozen
class Petitioner:
    """Who raised a submission: a citizen, an anonymous one, or a group speaking together.
    Personal data: never logged, left out of reports.

    ``Petitioner("Nguyễn Văn A", phone=...)`` is a named citizen; ``Petitioner.anonymous()``
    (no name) an opinion given without one, as at a meeting; ``Petitioner(group="Chi hội
    Nông dân thôn 3", members=12)`` a group's opinion, ``name`` then its representative when
    given. Reports count the three apart (:attr:`source`).
    """

    name: str | None = attrs.field(default=None, converter=nfc,
                                   validator=text(NAME, optional=True))
    address: str | None = attrs.field(default=None, converter=nfc,
                                      validator=text(LABEL, optional=True))
    phone: str | None = attrs.field(default=None, converter=nfc,
                                    validator=text(40, optional=True))
    email: str | None = attrs.field(default=None, converter=nfc,
                                    validator=text(254, optional=True))
    #: A group's opinion (ý kiến của tập thể): the group's name.
    group: str | None = attrs.field(default=None, converter=nfc, kw_only=True,
                                    validator=text(LABEL, optional=True))
    #: How many people the group speaks for, when known (2 or more).
    members: int | None = attrs.field(default=None, kw_only=True,
                                      validator=whole(optional=True, minimum=2))
    #: Ways to reach the petitioner besides ``phone`` and ``email``, as data: channel ->
    #: address (``{"zalo": "0912345678"}``). Personal data, like the fields above.
    contacts: Mapping[str, str] = attrs.field(factory=dict, converter=_contacts, kw_only=True,
                                              hash=False)
    #: Set when the identity is not here (:meth:`redacted`): withheld from this reader, or
    #: erased. ``group`` and ``members`` stay (a group's name is not a person's data).
    redaction: Redaction | None = attrs.field(default=None, converter=_redaction,
                                              kw_only=True)
    #: What :attr:`source` was before the identity was taken out (reports keep counting).
    redacted_source: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.members is not None and self.group is None:
            raise InvalidInputError("Petitioner.members", "only a group has members; name "
                                    "the group (group=...)")
        if self.redaction is None:
            if self.redacted_source is not None:
                raise InvalidInputError("Petitioner.redacted_source",
                                        "only a redacted petitioner has one (redaction=...)")
            return
        if (self.name, self.address, self.phone, self.email) != (None,) * 4 or self.contacts:
            raise InvalidInputError("Petitioner.redaction", "a redacted petitioner holds no "
                                    "name, address, phone, e-mail or contacts")
        if self.redacted_source not in _SOURCES:
            raise InvalidInputError("Petitioner.redacted_source",
                                    f"expected one of {', '.join(sorted(_SOURCES))}")

    def redacted(self, why: Redaction | str) -> Petitioner:
        """This petitioner without identity (name, address, phone, e-mail, contacts), for
        ``why`` (:class:`Redaction`); its group and :attr:`source` stay."""
        return Petitioner(group=self.group, members=self.members, redaction=_redaction(why),
                          redacted_source=self.source)

    @classmethod
    def anonymous(cls) -> Petitioner:
        """An opinion given without a name."""
        return cls()

    @property
    def source(self) -> str:
        """``"group"``, ``"anonymous"`` (no name, no group) or ``"person"``."""
        if self.redacted_source is not None:
            return self.redacted_source
        if self.group is not None:
            return "group"
        return "anonymous" if self.name is None else "person"

    def contact_channels(self) -> dict[str, str]:
        """Every way to reach the petitioner, channel -> address: ``phone``, ``email``,
        then :attr:`contacts` (empty for an anonymous opinion without any)."""
        known = {"phone": self.phone, "email": self.email}
        return {**{k: v for k, v in known.items() if v is not None}, **self.contacts}

    def __repr__(self) -> str:  # keeps personal data out of logs and tracebacks
        return "Petitioner(<personal data withheld>)"
