"""How a flow finds an organisation's deadline policy and calendar, and the deadlines it
counts from them (mixed into :class:`~dialogue_flow._flow_core.FlowCore`).

An organisation works under its own ``policy_id`` when it names one, and counts working
days in the flow's calendar with the days off of the organisation and those above it.
Every open matter runs on a clock from the day it is received (issue 15): the processing
rule, or at a dialogue the conclusion notice's deadline, until a decision starts the
answer clock.

A matter is judged by the policy in force when its clock started, the day it was received
(issue 15): its processing and answer rules are those in force that day, however late it is
assigned, accepted, reopened or re-counted, as transition provisions keep the cases accepted
before a change of the law under the old rule. Only where the policy had no such rule in
force that day (it took effect later) does the rule in force when the clock starts apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ._calendar import WorkCalendar
from ._clock import Clock
from ._errors import NotFoundError
from ._plugins import PluginManager, select_policy
from ._policy import Anchor, DeadlinePolicy, DeadlineRule, Purpose
from ._records import (
    DEFAULT_ORGANISATION,
    DayOverride,
    Deadline,
    Dialogue,
    Organisation,
    Submission,
)
from .storage import Storage

__all__ = ["DeadlineRules"]


class DeadlineRules:
    """Policies, calendars and deadlines per organisation."""

    storage: Storage
    plugins: PluginManager
    calendar: WorkCalendar
    policy: DeadlinePolicy
    clock: Clock
    remote_area: bool
    _policies: dict[str, DeadlinePolicy]
    _calendars: dict[tuple[DayOverride, ...], WorkCalendar]

    def policy_of(self, organisation_id: str,
                  tree: Mapping[str, Organisation] | None = None) -> DeadlinePolicy:
        """The deadline policy an organisation works under: its own ``policy_id`` when it
        names one (a province under another law), else the flow's.

        :param tree: the organisations by id, when the caller has read them already.
        """
        return self._policy_in(self._chain(organisation_id, tree))

    def calendar_of(self, organisation_id: str,
                    tree: Mapping[str, Organisation] | None = None) -> WorkCalendar:
        """The working-day calendar an organisation's deadlines count in: the flow's, with
        the :attr:`~dialogue_flow.Organisation.calendar_overrides` of the organisation and
        of every organisation above it (a storm closure a province declares closes its
        communes too; for the same day the nearer organisation wins).

        :param tree: the organisations by id, when the caller has read them already (a
            sweep over many); otherwise they are read from the storage.
        """
        return self._calendar_in(self._chain(organisation_id, tree))

    def _rules(self, organisation_id: str) -> tuple[DeadlinePolicy, WorkCalendar]:
        """:meth:`policy_of` and :meth:`calendar_of` from one read of the organisation and
        those above it (a commune's deadline needs both)."""
        chain = self._chain(organisation_id, None)
        return self._policy_in(chain), self._calendar_in(chain)

    def _chain(self, organisation_id: str, tree: Mapping[str, Organisation] | None,
               ) -> list[Organisation]:
        """The organisation and those above it, nearest first (none for the default one or
        one the store does not hold)."""
        chain: list[Organisation] = []
        current: str | None = organisation_id
        lookup = tree.get if tree is not None else self._stored_organisation
        # A tree has no circles (check_tree); the bound only stops a corrupted store.
        while current is not None and current != DEFAULT_ORGANISATION and len(chain) < 64:
            org = lookup(current)
            if org is None:
                break
            chain.append(org)
            current = org.parent_id
        return chain

    def _stored_organisation(self, organisation_id: str) -> Organisation | None:
        try:
            return self.storage.get_organisation(organisation_id)
        except NotFoundError:
            return None

    def _policy_in(self, chain: list[Organisation]) -> DeadlinePolicy:
        chosen = chain[0].policy_id if chain else None
        if chosen is None:
            return self.policy
        # An id names the same policy for the flow's life (its plugins are fixed): resolve
        # it once, not on every deadline (plugin policies come through a hook call).
        policy = self._policies.get(chosen)
        if policy is None:
            policy = self._policies[chosen] = select_policy(self.plugins, chosen)
        return policy

    def _calendar_in(self, chain: list[Organisation]) -> WorkCalendar:
        chosen: dict[dt.date, DayOverride] = {}
        for org in reversed(chain):  # the root first: the nearer organisation overwrites
            chosen.update((o.date, o) for o in org.calendar_overrides)
        if not chosen:
            return self.calendar
        key = tuple(sorted(chosen.values(), key=lambda o: o.date))
        # Building a calendar takes ~25 ms (WorkCalendar's own cache keeps 16); a flow keeps
        # one per distinct set of overrides its organisations use, so every deadline of a
        # closed province after the first costs a dict lookup.
        calendar = self._calendars.get(key)
        if calendar is None:
            calendar = self._calendars[key] = self.calendar.with_overrides(
                extra_days_off={o.date: o.reason for o in key if not o.working},
                extra_working_days={o.date: o.reason for o in key if o.working})
        return calendar

    def _deadline(self, purpose: Purpose, anchor: dt.date, organisation_id: str,
                  variant: str = "standard") -> Deadline:
        policy, calendar = self._rules(organisation_id)
        return policy.rule_for(purpose, on=anchor, variant=variant).compute(anchor, calendar)

    def _received_on(self, s: Submission) -> dt.date:
        """The day ``s`` was received, in the flow's time zone."""
        return s.received_at.astimezone(self.clock.now().tzinfo).date()

    def _answer_rule(self, complex_matter: bool, s: Submission, policy: DeadlinePolicy,
                     starts: dt.date) -> DeadlineRule:
        """The written-answer rule of ``s``: the one in force on the day it was received
        (see the module docstring), else the one in force on ``starts``, the day its answer
        clock starts or started."""
        if self.remote_area:
            variant = "remote_complex" if complex_matter else "remote"
        else:
            variant = "complex" if complex_matter else "standard"
        return policy.applicable_rule(
            Purpose.WRITTEN_ANSWER, self._received_on(s), variant) or policy.rule_for(
            Purpose.WRITTEN_ANSWER, on=starts, variant=variant)

    def _answer_deadline(self, s: Submission, anchor_day: dt.date, *,
                         complex_matter: bool | None = None,
                         assigned_on: dt.date | None = None,
                         rules: tuple[DeadlinePolicy, WorkCalendar] | None = None) -> Deadline:
        """The written-answer deadline, counted from the rule's own anchor event.

        ``complex_matter`` and ``assigned_on`` stand for the values the command is about to
        set, so no intermediate record has to be built; ``rules`` are the organisation's
        (:meth:`_rules`) when the caller has them.
        """
        policy, calendar = rules if rules is not None else self._rules(s.organisation_id)
        rule = self._answer_rule(s.complex if complex_matter is None else complex_matter,
                                 s, policy, anchor_day)
        if rule.anchor is Anchor.ASSIGNED:
            anchor = assigned_on or s.assigned_on or anchor_day
        elif rule.anchor is Anchor.RECEIVED:
            anchor = self._received_on(s)
        else:
            anchor = anchor_day
        return rule.compute(anchor, calendar)

    def _first_clock(self, organisation_id: str, channel: str,
                     dialogue: Dialogue | None, received_on: dt.date | None = None,
                     ) -> Deadline | None:
        """The clock a matter runs on from the day it is received (issue 15).

        At a dialogue: the conclusion notice's deadline (its answer clock starts with the
        notice). Otherwise the policy's processing rule for its channel (decide it, or tell
        the petitioner it was accepted, within 10 working days), counted from today; the
        rule in force on ``received_on`` (a reopened matter's day of reception) when there
        was one, else today's; ``None`` where the policy has none.
        """
        if dialogue is not None:
            if dialogue.conclusion_due is not None:
                return dialogue.conclusion_due
            # Not held yet (an opinion collected beforehand): counted from the planned day.
            return self._deadline(Purpose.CONCLUSION_NOTICE, dialogue.scheduled_for,
                                  organisation_id)
        today = self.clock.today()
        policy, calendar = self._rules(organisation_id)
        rule = policy.applicable_rule(Purpose.PROCESSING, received_on or today,
                                      channel=channel)
        if rule is None and received_on is not None:
            rule = policy.applicable_rule(Purpose.PROCESSING, today, channel=channel)
        return None if rule is None else rule.compute(today, calendar)

    def _on_first_clock(self, s: Submission, policy: DeadlinePolicy | None = None) -> bool:
        """Whether ``s`` runs on a clock a decision replaces (processing, conclusion
        notice), not on an answer clock a decision keeps. ``policy``: its organisation's,
        when the caller has it (a conclusion notice over many matters)."""
        if s.due is None:
            return False
        policy = policy if policy is not None else self.policy_of(s.organisation_id)
        return s.due.rule_id in policy.rule_ids(Purpose.PROCESSING, Purpose.CONCLUSION_NOTICE)
