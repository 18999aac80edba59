"""Which deadline policy a store runs under, recorded in the store itself (issue 16).

Deadlines, notices and reports all follow the policy; a cron job or a second host opened
with another policy than the one a store was set up with would mix two laws in one store
(a ``sweep`` writing the seed plan's notices into a store run under the Law on
Complaints). So ``dialogue-flow init`` records the policy in the store, and a flow opened
on it runs under that policy: given none, it takes the recorded one; given another, it
refuses with a :class:`~dialogue_flow.ConfigurationError` saying how to change it
deliberately.

The record is the audit trail's: rows of kind :data:`POLICY_KIND` for the default
organisation, one per change (who set which policy, when and why; ``source`` is the policy
before, ``dest`` the policy after). Every backend stores audit rows alike, and the trail's
one row per version makes two concurrent changes commit one after the other or not at all.
An organisation with a policy of its own keeps it in its record
(:attr:`~dialogue_flow.Organisation.policy_id`).

A law that changes does not make a new policy id: its rules carry effective dates (see
``docs/policies.md``). Changing the id is for a store set up under the wrong one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ._errors import ConfigurationError
from ._plugins import PluginManager, select_policy
from ._policy import DeadlinePolicy
from ._records import DEFAULT_ORGANISATION, Actor, TransitionRecord

if TYPE_CHECKING:
    from .storage import Storage

__all__ = ["POLICY_KIND", "policy_row", "recorded_policy", "store_policy"]

#: The audit-trail kind of the rows that record a store's policy.
POLICY_KIND = "policy"


def recorded_policy(storage: Storage) -> TransitionRecord | None:
    """The latest row recording the store's policy (its ``dest``), or ``None`` when the
    store records none (created before issue 16, or never initialised)."""
    rows = storage.history(POLICY_KIND, DEFAULT_ORGANISATION)
    return rows[-1] if rows else None


def store_policy(plugins: PluginManager, storage: Storage,
                 policy: DeadlinePolicy | str | None) -> DeadlinePolicy:
    """The policy a flow on ``storage`` runs under: the recorded one, which ``policy`` (when
    given) must name.

    :raises ConfigurationError: ``policy`` names another policy than the store records, or
        the recorded one is neither bundled nor contributed by a loaded plugin.
    """
    row = recorded_policy(storage)
    if row is None:
        return select_policy(plugins, policy)
    recorded = row.dest
    if policy is None:
        try:
            return select_policy(plugins, recorded)
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"the store runs under policy {recorded!r}, which this flow cannot find "
                f"({exc}); load the plugin that provides it, or open the store with its "
                "settings file (policy = the file defining it)") from None
    chosen = select_policy(plugins, policy)
    if chosen.id != recorded:
        raise ConfigurationError(
            f"the store runs under policy {recorded!r} (recorded {row.at.date().isoformat()} "
            f"by {row.actor_id}), not {chosen.id!r} as asked: nothing was done, to keep the "
            "two from mixing. Open it without a policy (or with "
            f"{recorded!r}), or change the store's policy deliberately: dialogue-flow orgs "
            f"--set-policy {chosen.id} --reason '...' (DialogueFlow.set_policy)")
    return chosen


def policy_row(before: TransitionRecord | None, policy_id: str, actor: Actor,
               now: dt.datetime, reason: str | None) -> TransitionRecord:
    """The audit row recording that the store now runs under ``policy_id``."""
    return TransitionRecord(
        kind=POLICY_KIND, record_id=DEFAULT_ORGANISATION,
        version=1 if before is None else before.version + 1, event="set_policy",
        source=None if before is None else before.dest, dest=policy_id, actor_id=actor.id,
        at=now, reason=reason, details={"policy": policy_id})
