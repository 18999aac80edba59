"""Confidential petitions (issue 17): what a reader sees of a matter whose petitioner's
identity is protected, and the policy's ``[confidential]`` table.

A denunciation must hide who denounced (the Law on Denunciations 2018 keeps the
denouncer's name, address and other personal details secret; Law 136/2025/QH15), and the
intake desk may mark any matter so. The store keeps the identity in the record (the office
must still reach the petitioner); the library withholds it wherever a record leaves it: the
façade's reads and the records its commands return (:func:`withheld`), reports, the records
given to plugins, and the copy another organisation of the store receives of an escalated
matter (:func:`transferred_petitioner`). Only the roles the policy names read it, through
:meth:`~dialogue_flow.DialogueFlow.identity`, each read recorded in the access log; the
built-in channels to the petitioner still reach them (:func:`reachable`).

A withheld petitioner is :meth:`Petitioner.redacted` with :attr:`Redaction.WITHHELD`, and
without the group's name either: a group that denounces is identified by its name. Its
:attr:`~dialogue_flow.Petitioner.source` stays, so reports count persons, groups and
anonymous opinions as before.

Imports no flow module: the storage-facing modules (``_recipients``, ``_plugins``) use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

import attrs

from ._errors import NotFoundError
from ._petitioner import Petitioner, Redaction
from ._records import Role, Submission

__all__ = ["ConfidentialRules", "confidential_rules", "identity_readable", "reachable",
           "transferred_petitioner", "withheld", "withheld_petitioner"]

_R = TypeVar("_R")


def _roles(value: object) -> tuple[Role, ...]:
    """The ``roles`` of a ``[confidential]`` table: role names, each once, in order."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f'confidential.roles must be a list of roles (roles = ["chair"]), '
                        f"got {value!r}")
    roles: list[Role] = []
    for item in value:
        try:
            role = Role(item)
        except ValueError:
            raise ValueError(f"confidential.roles: {item!r} is not a role; roles are "
                             f"{', '.join(r.value for r in Role)}") from None
        if role not in roles:
            roles.append(role)
    return tuple(roles)


def _bool(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"confidential.{attribute.name} must be true or false, got {value!r}")


@attrs.frozen
class ConfidentialRules:
    """A policy's ``[confidential]`` table: who may see the identity of a confidential
    matter's petitioner, in an organisation working under the policy.

    Left out, the chair alone reads it, and a matter escalated to such an organisation
    arrives without it.
    """

    #: The roles that read the identity (:meth:`~dialogue_flow.DialogueFlow.identity`);
    #: empty: nobody, through the library (the petitioner is still reached by the
    #: built-in channels).
    roles: tuple[Role, ...] = attrs.field(default=(Role.CHAIR,), converter=_roles)
    #: A matter escalated to an organisation under this policy from another organisation of
    #: the store keeps its petitioner's identity (``false``: the copy has it withheld, and
    #: the organisation it came from tells the petitioner).
    receive_identity: bool = attrs.field(default=False, validator=_bool)

    def may_read(self, role: Role) -> bool:
        """Whether an actor of ``role`` may read a confidential petitioner's identity."""
        return role in self.roles


def confidential_rules(value: object) -> ConfidentialRules:
    """Converter of :attr:`DeadlinePolicy.confidential`: a :class:`ConfidentialRules`, the
    ``[confidential]`` table as parsed (a mapping), or ``None`` for the defaults.

    :raises ValueError: an unknown key, a role that is not one, a flag that is not a bool.
    :raises TypeError: not a table.
    """
    if value is None:
        return ConfidentialRules()
    if isinstance(value, ConfidentialRules):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"confidential must be a table ([confidential]), got "
                        f"{type(value).__name__}")
    unknown = sorted(set(value) - {f.name for f in attrs.fields(ConfidentialRules)})
    if unknown:
        raise ValueError(f"confidential: unknown keys: {', '.join(map(str, unknown))}; "
                         "expected roles, receive_identity")
    return ConfidentialRules(**value)


def withheld_petitioner(p: Petitioner) -> Petitioner:
    """``p`` without identity, for a reader of a confidential matter: no name, address,
    phone, e-mail, contacts, nor group name; :attr:`~Petitioner.source` kept. An erased
    petitioner stays marked erased."""
    if p.redaction is not None and p.group is None:
        return p
    return Petitioner(redaction=p.redaction or Redaction.WITHHELD, redacted_source=p.source)


def withheld(record: _R) -> _R:
    """``record`` as a reader sees it: a confidential submission with its petitioner
    withheld (:func:`withheld_petitioner`); any other record as it is."""
    if isinstance(record, Submission) and record.confidential:
        shown = withheld_petitioner(record.petitioner)
        if shown is not record.petitioner:
            return cast("_R", attrs.evolve(record, petitioner=shown))
    return record


def identity_readable(s: Submission, role: Role, rules: ConfidentialRules) -> bool:
    """Whether an actor of ``role`` may see the identity of ``s``'s petitioner, ``rules``
    being the policy of ``s``'s organisation: any role for a matter that is not
    confidential (authorisation decides the rest)."""
    return not s.confidential or rules.may_read(role)


def transferred_petitioner(s: Submission, receiver: ConfidentialRules) -> Petitioner:
    """The petitioner of the copy an organisation under ``receiver`` gets of ``s`` when
    ``s`` is escalated to it: the identity only if ``s`` is not confidential or the
    receiver's policy receives it."""
    if s.confidential and not receiver.receive_identity:
        return withheld_petitioner(s.petitioner)
    return s.petitioner


def reachable(s: Submission, read: Callable[[str], Submission]) -> Submission:
    """``s`` with the petitioner a notice to the petitioner reaches (for the channels to the
    petitioner only): a copy received without the identity takes it from the matter it was
    escalated from, up the chain of transfers; ``read`` reads a stored submission by id."""
    current = s
    for _level in range(64):  # a chain is a few levels long; the bound stops a corrupt one
        if current.petitioner.redaction is not Redaction.WITHHELD or current.origin_id is None:
            break
        try:
            current = read(current.origin_id)
        except NotFoundError:
            break
    if current is s or current.petitioner.redaction is not None:
        return s
    return attrs.evolve(s, petitioner=current.petitioner)
