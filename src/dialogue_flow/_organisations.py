"""The façade's organisation commands: add, load a tree file, read (issue 14), set the
policy the store or an organisation runs under (issue 16). The tree itself (reading a file,
subtrees) is in ``_tree``; how a store records its policy, in ``_store_policy``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import attrs

from ._checks import _check_actor, _check_id, _check_text
from ._errors import InvalidInputError
from ._flow_core import FlowCore
from ._plugins import select_policy
from ._policy import DeadlinePolicy
from ._records import DEFAULT_ORGANISATION, Actor, Organisation, Role, TransitionRecord
from ._store_policy import policy_row, recorded_policy
from ._tree import check_tree, read_tree, stored_or_default
from .storage import Changeset, StoredRecord

__all__ = ["OrganisationCommands"]

#: Who the audit trail names when a host adds organisations without saying who.
_SYSTEM = Actor("system", "dialogue_flow", Role.SYSTEM)


class OrganisationCommands(FlowCore):
    """Adding, loading and reading organisations (mixed into
    :class:`~dialogue_flow.DialogueFlow`)."""

    def organisation(self, organisation_id: str) -> Organisation:
        """The stored organisation (the default one exists without being stored).

        :raises NotFoundError:
        """
        return stored_or_default(self.storage, organisation_id)

    def organisations(self, *, under: str | None = None) -> list[Organisation]:
        """Every stored organisation, ordered by id; ``under``: that organisation and every
        one below it, the organisations a ``subtree=True`` query covers (the default
        organisation, stored or not, is one).

        :raises NotFoundError: ``under`` names no organisation of the store.
        """
        if under is None:
            return self.storage.find_organisations()
        _check_id("under", under)
        scope = self._scope(under, subtree_too=True) or frozenset()  # the storage's query
        return sorted((self.organisation(org_id) for org_id in scope), key=lambda o: o.id)

    def add_organisation(self, organisation: Organisation, *, actor: Actor | None = None,
                         ) -> Organisation:
        """Store a new organisation; its parent must be stored already.

        :raises InvalidInputError: the id is taken, or the parent is unknown.
        """
        if not isinstance(organisation, Organisation):
            raise InvalidInputError("organisation", "expected a dialogue_flow.Organisation")
        return self._store([organisation], actor, replace=False)[0]

    def load_organisations(self, source: Path | str | Iterable[Organisation], *,
                           actor: Actor | None = None) -> list[Organisation]:
        """Add the organisations of a tree file (or of a list) and update the changed ones,
        in one commit; the store stays the source of truth for everything not named.

        :raises ConfigurationError: the file is unreadable or an entry is wrong.
        """
        wanted = read_tree(source) if isinstance(source, (Path, str)) else list(source)
        if not all(isinstance(org, Organisation) for org in wanted):
            raise InvalidInputError("source", "expected a tree file, TOML text or "
                                    "dialogue_flow.Organisation records")
        return self._store(wanted, actor, replace=True)

    def set_policy(self, policy: DeadlinePolicy | str, *, organisation: str | None = None,
                   actor: Actor | None = None, reason: str | None = None) -> DeadlinePolicy:
        """Change deliberately which policy the store (or one stored ``organisation``) runs
        under, and record who did it and why in the audit trail.

        Without ``organisation`` this records the store's policy (``dialogue-flow init``
        records the first one) and this flow runs under it from now on; other processes
        pick it up when they next open the store, and refuse to run under the old one.
        With one, it sets that organisation's ``policy_id``. Setting the policy already
        recorded writes nothing.

        :raises ConfigurationError: no such policy. :raises NotFoundError: no such
            organisation.
        """
        who = _SYSTEM if actor is None else actor
        _check_actor(who)
        if reason is not None:
            _check_text("reason", reason)
        chosen = select_policy(self.plugins, policy)
        if organisation is not None and organisation != DEFAULT_ORGANISATION:
            _check_id("organisation", organisation)
            org = self.storage.get_organisation(organisation)  # NotFoundError
            if org.policy_id != chosen.id:
                new = attrs.evolve(org, policy_id=chosen.id, version=org.version + 1)
                row = attrs.evolve(_row(new, "set_policy", who, self.clock.now()),
                                   source=org.policy_id, reason=reason,
                                   details={"policy": chosen.id})
                self.storage.commit(Changeset(((new, org.version),), (row,)))
            self._policies[chosen.id] = chosen
            return chosen
        before = recorded_policy(self.storage)
        if before is None or before.dest != chosen.id:
            self.storage.commit(Changeset((), (policy_row(before, chosen.id, who,
                                                          self.clock.now(), reason),)))
        self.policy = self._policies[chosen.id] = chosen
        return chosen

    def _store(self, wanted: list[Organisation], actor: Actor | None, *, replace: bool,
               ) -> list[Organisation]:
        who = _SYSTEM if actor is None else actor
        ids = [org.id for org in wanted]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise InvalidInputError("organisation", f"ids given twice: {', '.join(twice)}")
        stored = {org.id: org for org in self.storage.find_organisations()}
        if not replace:
            taken = [org.id for org in wanted if org.id in stored]
            if taken:
                raise InvalidInputError("organisation", f"{taken[0]} is stored already")
        writes: list[tuple[StoredRecord, int]] = []
        rows: list[TransitionRecord] = []
        result: list[Organisation] = []
        now = self.clock.now()
        for org in wanted:
            old = stored.get(org.id)
            new = attrs.evolve(org, version=1 if old is None else old.version + 1)
            if old is not None and attrs.evolve(old, version=1) == attrs.evolve(org, version=1):
                result.append(old)
                continue
            writes.append((new, 0 if old is None else old.version))
            rows.append(_row(new, "add" if old is None else "update", who, now))
            result.append(new)
        check_tree({**stored, **{org.id: org for org in result}})
        first, last = self.calendar.first.year, self.calendar.last.year
        for org in result:  # refused now, not at the first deadline
            if org.policy_id is not None and org.policy_id not in self._policies:
                self._policies[org.policy_id] = select_policy(self.plugins, org.policy_id)
            outside = [o.date for o in org.calendar_overrides
                       if not first <= o.date.year <= last]
            if outside:
                raise InvalidInputError(
                    "calendar_overrides", f"organisation {org.id}: {outside[0].isoformat()} "
                    f"lies outside the flow's calendar years {first}-{last}")
        if writes:
            self.storage.commit(Changeset(tuple(writes), tuple(rows)))
        return result


def _row(org: Organisation, event: str, actor: Actor, now: dt.datetime) -> TransitionRecord:
    return TransitionRecord(kind=Organisation.KIND, record_id=org.id, version=org.version,
                            event=event, source=None, dest="recorded", actor_id=actor.id,
                            at=now, details={"level": org.level},
                            organisation_id=org.id)
