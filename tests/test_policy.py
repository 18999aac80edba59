"""Deadline policies as data: the bundled ones, TOML loading and its errors, choosing the
rule in force, and the dates they give (computed by hand in each docstring)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    ConfigurationError,
    DeadlinePolicy,
    DeadlineRule,
    ReportRule,
    WorkCalendar,
    _cli_plugins,
    bundled_policies,
)
from dialogue_flow.cli import main
from dialogue_flow.policy import Anchor, Direction, Purpose, Unit

RULE = """
[[rules]]
id = "answer"
purpose = "written_answer"
count = 30
unit = "working_days"
direction = "after"
anchor = "conclusion_notice"
basis = "Kế hoạch, mục II.2.7"
"""


def policy_text(rules: str = RULE, head: str = 'id = "p"\nname = "Thử nghiệm"\n') -> str:
    return head + rules


def rule(**changes: object) -> DeadlineRule:
    fields: dict[str, object] = {
        "id": "r", "purpose": "written_answer", "count": 30, "unit": "working_days",
        "direction": "after", "anchor": "conclusion_notice", "basis": "test",
    }
    fields.update(changes)
    return DeadlineRule(**fields)  # type: ignore[arg-type]


class TestBundled:
    """The policies shipped with the library."""

    def test_bundled_names(self):
        """Three policies ship: the seed's plan, the Law on Complaints 2011 and the report
        periods of Conclusion 215-KL/TW."""
        assert ("215-KL", "complaints-2011", "seed-plan") == bundled_policies()

    def test_default_is_the_seed_plan(self):
        """`DeadlinePolicy.default()` is the seed's plan."""
        assert "seed-plan" == DeadlinePolicy.default().id

    def test_seed_plan_rules(self):
        """The seed's limits: announce >= 7 calendar days before, conclusion notice within
        10 calendar days after, written answer within 30 working days of the notice."""
        got = {r.id: (r.purpose, r.count, r.unit, r.direction, r.anchor)
               for r in DeadlinePolicy.default().rules}
        assert {
            "announcement": (Purpose.ANNOUNCEMENT, 7, Unit.CALENDAR_DAYS, Direction.BEFORE,
                             Anchor.DIALOGUE_DATE),
            "conclusion-notice": (Purpose.CONCLUSION_NOTICE, 10, Unit.CALENDAR_DAYS,
                                  Direction.AFTER, Anchor.DIALOGUE_HELD),
            "written-answer": (Purpose.WRITTEN_ANSWER, 30, Unit.WORKING_DAYS, Direction.AFTER,
                               Anchor.CONCLUSION_NOTICE),
            "processing": (Purpose.PROCESSING, 10, Unit.WORKING_DAYS, Direction.AFTER,
                           Anchor.RECEIVED),
        } == got

    def test_seed_plan_reports(self):
        """Reports before 15 June and before 10 December."""
        assert [("H1", 6, 15), ("year", 12, 10)] == [
            (r.period, r.month, r.day) for r in DeadlinePolicy.default().reports]

    def test_complaints_2011_variants(self):
        """30 days, 45 if complex, 45 in remote areas, 60 if both; counted from acceptance."""
        rules = DeadlinePolicy.bundled("complaints-2011").rules
        got = {r.variant: (r.count, r.unit, r.anchor) for r in rules
               if r.purpose is Purpose.WRITTEN_ANSWER}
        cal, assigned = Unit.CALENDAR_DAYS, Anchor.ASSIGNED
        assert {"standard": (30, cal, assigned), "complex": (45, cal, assigned),
                "remote": (45, cal, assigned), "remote_complex": (60, cal, assigned)} == got
        # Accepted (thụ lý) within 10 days of receipt: its processing clock (art. 27).
        assert [(10, cal, Anchor.RECEIVED)] == [(r.count, r.unit, r.anchor) for r in rules
                                                if r.purpose is Purpose.PROCESSING]

    def test_unknown_bundled_policy(self):
        """Asking for a policy that is not shipped names the ones that are."""
        with pytest.raises(ConfigurationError, match="complaints-2011, seed-plan"):
            DeadlinePolicy.bundled("nope")

    def test_every_rule_cites_its_legal_basis(self):
        """No bundled rule is without a legal basis."""
        rules = [r for name in bundled_policies() for r in DeadlinePolicy.bundled(name).rules]
        assert [] == [r.id for r in rules if not r.basis.strip()]


class TestLoading:
    """TOML from a file or from text; every mistake is a readable ConfigurationError."""

    def test_text_and_path_give_the_same_policy(self, tmp_path: Path):
        """A policy read from a file equals the one read from the same text."""
        path = tmp_path / "policy.toml"
        path.write_text(policy_text(), encoding="utf-8")
        assert DeadlinePolicy.from_toml(policy_text()) == DeadlinePolicy.from_toml(path)

    def test_loaded_rule_fields(self):
        """Strings in the file become the enums; the variant defaults to standard."""
        (r,) = DeadlinePolicy.from_toml(policy_text()).rules
        assert ("answer", Purpose.WRITTEN_ANSWER, 30, Unit.WORKING_DAYS, Direction.AFTER,
                Anchor.CONCLUSION_NOTICE, "standard", None) == (
            r.id, r.purpose, r.count, r.unit, r.direction, r.anchor, r.variant,
            r.effective_from)

    def test_bundled_file_loads_through_from_toml(self):
        """The bundled seed plan is an ordinary policy file."""
        text = (Path(__file__).parents[1] / "src/dialogue_flow/policies/seed-plan.toml"
                ).read_text(encoding="utf-8")
        assert DeadlinePolicy.default() == DeadlinePolicy.from_toml(text)

    def test_invalid_toml(self):
        """Text that is not TOML is refused, naming where it came from."""
        with pytest.raises(ConfigurationError, match=r"<policy text>: cannot read policy"):
            DeadlinePolicy.from_toml("id = = 'x'")

    def test_missing_file(self, tmp_path: Path):
        """A path that does not exist is refused, naming the path."""
        missing = tmp_path / "nope.toml"
        with pytest.raises(ConfigurationError, match=r"nope\.toml"):
            DeadlinePolicy.from_toml(missing)

    def test_file_errors_name_the_file(self, tmp_path: Path):
        """A mistake in a file names the file."""
        path = tmp_path / "bad.toml"
        path.write_text(policy_text(RULE.replace("working_days", "weeks")), encoding="utf-8")
        with pytest.raises(ConfigurationError, match=r"bad\.toml: rules\[0\]"):
            DeadlinePolicy.from_toml(path)

    def test_unknown_top_level_key(self):
        """A misspelt top-level key is refused by name."""
        with pytest.raises(ConfigurationError, match="unknown keys: colour"):
            DeadlinePolicy.from_toml(policy_text() + '\ncolour = "red"\n')

    def test_unknown_rule_key(self):
        """A misspelt key inside a rule is refused with the rule's position."""
        with pytest.raises(ConfigurationError, match=r"rules\[0\]: unknown keys: days"):
            DeadlinePolicy.from_toml(policy_text(RULE + "days = 3\n"))

    @pytest.mark.parametrize(("field", "bad", "choices"), [
        ("unit", "weeks", "working_days, calendar_days"),
        ("direction", "around", "after, before"),
        ("anchor", "sunrise", "dialogue_date"),
        ("purpose", "lunch", "announcement"),
    ])
    def test_bad_enum_value(self, field, bad, choices):
        """An unknown unit, direction, anchor or purpose is refused listing the choices."""
        line = next(x for x in RULE.splitlines() if x.startswith(f"{field} ="))
        text = policy_text(RULE.replace(line, f'{field} = "{bad}"'))
        with pytest.raises(ConfigurationError, match=rf"rules\[0\].*'{bad}'.*{choices}"):
            DeadlinePolicy.from_toml(text)

    @pytest.mark.parametrize("count", ["0", "-3", "true", '"30"', "1.5"])
    def test_bad_count(self, count):
        """The count is a whole number >= 1 (not a bool, a string or a float)."""
        with pytest.raises(ConfigurationError, match="count must be a whole number >= 1"):
            DeadlinePolicy.from_toml(policy_text(RULE.replace("count = 30", f"count = {count}")))

    def test_bad_variant(self):
        """Only the known variants are accepted."""
        with pytest.raises(ConfigurationError, match="variant"):
            DeadlinePolicy.from_toml(policy_text(RULE + 'variant = "urgent"\n'))

    @pytest.mark.parametrize("key", ["id", "name"])
    def test_missing_top_level_key(self, key):
        """A policy without an id or a name is refused naming the key."""
        head = 'id = "p"\nname = "n"\n'.replace(next(
            x for x in 'id = "p"\nname = "n"\n'.splitlines() if x.startswith(key)) + "\n", "")
        with pytest.raises(ConfigurationError, match=f"missing key '{key}'"):
            DeadlinePolicy.from_toml(policy_text(head=head))

    def test_missing_rule_key(self):
        """A rule without its legal basis is refused naming the rule and the key."""
        text = policy_text(RULE.replace('basis = "Kế hoạch, mục II.2.7"\n', ""))
        with pytest.raises(ConfigurationError, match=r"rules\[0\].*basis"):
            DeadlinePolicy.from_toml(text)

    def test_rule_that_is_not_a_table(self):
        """`rules` must be an array of tables."""
        with pytest.raises(ConfigurationError, match=r"rules\[0\] must be a table"):
            DeadlinePolicy.from_toml(policy_text('rules = ["answer"]\n'))

    def test_duplicate_ids(self):
        """Two rules with the same id are refused, naming the id."""
        with pytest.raises(ConfigurationError, match="rule ids used twice: answer"):
            DeadlinePolicy.from_toml(policy_text(RULE + RULE.replace("working_days",
                                                                     "calendar_days")))

    def test_rule_and_report_share_the_id_space(self):
        """A report may not reuse a rule's id either."""
        report = '\n[[reports]]\nid = "answer"\nperiod = "H1"\nmonth = 6\nday = 15\nbasis = "b"\n'
        with pytest.raises(ConfigurationError, match="rule ids used twice: answer"):
            DeadlinePolicy.from_toml(policy_text(RULE + report))

    def test_overlapping_effective_dates(self):
        """Two rules for the same purpose and variant in force on the same day are refused,
        naming both."""
        second = RULE.replace('id = "answer"', 'id = "answer-2025"')
        text = policy_text(RULE + "effective_until = 2025-06-30\n" + second
                           + "effective_from = 2025-06-30\n")
        with pytest.raises(ConfigurationError, match="rules answer and answer-2025 are both "
                           "in force for written_answer"):
            DeadlinePolicy.from_toml(text)

    def test_adjacent_effective_dates_are_fine(self):
        """A rule that ends the day before the next one starts does not overlap."""
        second = RULE.replace('id = "answer"', 'id = "answer-2025"').replace("30", "20")
        text = policy_text(RULE + "effective_until = 2025-06-29\n" + second
                           + "effective_from = 2025-06-30\n")
        policy = DeadlinePolicy.from_toml(text)
        assert ("answer", "answer-2025") == (
            policy.rule_for("written_answer", on=date(2025, 6, 29)).id,
            policy.rule_for("written_answer", on=date(2025, 6, 30)).id)

    def test_same_dates_for_different_variants_are_fine(self):
        """Overlap only matters within one purpose and variant."""
        text = policy_text(RULE + RULE.replace('id = "answer"', 'id = "answer-c"')
                           + 'variant = "complex"\n')
        assert 2 == len(DeadlinePolicy.from_toml(text).rules)

    @pytest.mark.parametrize("value", ['"2019-02-18"', "2019-02-18T00:00:00", "20190218"])
    def test_effective_date_must_be_a_toml_date(self, value):
        """A quoted date, a date-time or a number is refused at load time (it would break
        every later comparison)."""
        with pytest.raises(ConfigurationError, match="effective_from"):
            DeadlinePolicy.from_toml(policy_text(RULE + f"effective_from = {value}\n"))

    def test_effective_range_must_not_be_reversed(self):
        """A rule that ends before it starts is never in force: refused."""
        with pytest.raises(ConfigurationError, match="effective_until"):
            DeadlinePolicy.from_toml(policy_text(
                RULE + "effective_from = 2021-01-01\neffective_until = 2020-12-31\n"))

    @pytest.mark.parametrize(("month", "day"), [(13, 1), (0, 10), (6, 31), (2, 29), (6, 0)])
    def test_report_day_must_exist_every_year(self, month, day):
        """A report date that does not exist (every year) is refused at load time."""
        report = (f'\n[[reports]]\nid = "x"\nperiod = "H1"\nmonth = {month}\nday = {day}\n'
                  'basis = "b"\n')
        with pytest.raises(ConfigurationError, match=r"reports\[0\]"):
            DeadlinePolicy.from_toml(policy_text(RULE + report))

    @pytest.mark.parametrize("field", ["id", "basis"])
    def test_text_fields_must_be_text(self, field):
        """A rule's id and basis are text, not numbers."""
        line = next(x for x in RULE.splitlines() if x.startswith(f"{field} ="))
        with pytest.raises(ConfigurationError, match=field):
            DeadlinePolicy.from_toml(policy_text(RULE.replace(line, f"{field} = 7")))


class TestRuleFor:
    """Choosing the rule in force for a purpose, a day and a variant."""

    def test_standard_rule(self):
        """The seed plan's written-answer rule is found by purpose."""
        assert "written-answer" == DeadlinePolicy.default().rule_for(
            Purpose.WRITTEN_ANSWER, on=date(2021, 6, 25)).id

    def test_purpose_as_text(self):
        """The purpose may be given by its value."""
        assert "announcement" == DeadlinePolicy.default().rule_for(
            "announcement", on=date(2021, 6, 1)).id

    def test_missing_variant_falls_back_to_standard(self):
        """The seed plan has no complex variant: the standard rule applies."""
        assert "written-answer" == DeadlinePolicy.default().rule_for(
            Purpose.WRITTEN_ANSWER, on=date(2021, 6, 25), variant="remote_complex").id

    def test_existing_variant_wins(self):
        """When the policy has the variant, it is chosen over standard."""
        assert "complaint-first-remote" == DeadlinePolicy.bundled("complaints-2011").rule_for(
            Purpose.WRITTEN_ANSWER, on=date(2021, 6, 1), variant="remote").id

    def test_no_rule_before_it_takes_effect(self):
        """Before the Law on Complaints took effect (1 July 2012) there is no rule."""
        with pytest.raises(ConfigurationError, match=r"no rule for written_answer \(standard\) "
                           "in force on 2012-06-30"):
            DeadlinePolicy.bundled("complaints-2011").rule_for(
                Purpose.WRITTEN_ANSWER, on=date(2012, 6, 30))

    def test_first_day_in_force(self):
        """On its effective_from day the rule is in force."""
        assert "complaint-first" == DeadlinePolicy.bundled("complaints-2011").rule_for(
            Purpose.WRITTEN_ANSWER, on=date(2012, 7, 1)).id

    def test_no_rule_for_the_purpose(self):
        """The complaints policy has no announcement rule: refused, naming the policy."""
        with pytest.raises(ConfigurationError, match="policy complaints-2011 has no rule for "
                           "announcement"):
            DeadlinePolicy.bundled("complaints-2011").rule_for(
                Purpose.ANNOUNCEMENT, on=date(2021, 6, 1))

    def test_unknown_purpose(self):
        """A purpose that does not exist is bad input (a ValueError), listing the purposes."""
        with pytest.raises(ValueError, match="announcement, conclusion_notice, written_answer"):
            DeadlinePolicy.default().rule_for("lunch", on=date(2021, 6, 1))

    def test_has_rule(self):
        """`has_rule` tells whether any rule serves the purpose."""
        complaints = DeadlinePolicy.bundled("complaints-2011")
        assert (True, False) == (complaints.has_rule("written_answer"),
                                 complaints.has_rule("announcement"))


class TestCompute:
    """Dates the rules give, each computed by hand."""

    def test_announcement_seven_days_before(self, calendar: WorkCalendar):
        """Dialogue Thu 17 June 2021: 17 - 7 = Thu 10 June, a working day."""
        d = DeadlinePolicy.default().rule_for("announcement", on=date(2021, 6, 17)).compute(
            date(2021, 6, 17), calendar)
        assert (date(2021, 6, 10), "announcement", date(2021, 6, 17)) == (
            d.date, d.rule_id, d.anchor)

    def test_announcement_moves_back_from_a_sunday(self, calendar: WorkCalendar):
        """Dialogue Sun 20 June 2021: 20 - 7 = Sun 13 June, so the last day is Fri 11 June."""
        d = DeadlinePolicy.default().rule_for("announcement", on=date(2021, 6, 20)).compute(
            date(2021, 6, 20), calendar)
        assert date(2021, 6, 11) == d.date

    def test_conclusion_notice_rolls_over_a_sunday(self, calendar: WorkCalendar):
        """Held Thu 17 June 2021: 17 + 10 = Sun 27 June, so Mon 28 June; the Sunday is
        the day explained."""
        d = DeadlinePolicy.default().rule_for("conclusion_notice", on=date(2021, 6, 17)
                                              ).compute(date(2021, 6, 17), calendar)
        assert (date(2021, 6, 28), [date(2021, 6, 27)]) == (
            d.date, [s.date for s in d.skipped])

    def test_written_answer_thirty_working_days(self, calendar: WorkCalendar):
        """Notice Fri 25 June 2021: 3 days in June, then 5 full weeks of July (25), then
        Mon 2 - Fri 6 August (30): due Fri 6 August; no holiday in between."""
        d = DeadlinePolicy.default().rule_for("written_answer", on=date(2021, 6, 25)).compute(
            date(2021, 6, 25), calendar)
        assert (date(2021, 8, 6), 12) == (d.date, len(d.skipped))

    def test_working_days_before(self, calendar: WorkCalendar):
        """5 working days before Thu 17 June 2021: 16, 15, 14, 11, 10 -> Thu 10 June."""
        r = rule(direction="before", count=5, anchor="dialogue_date", purpose="announcement")
        assert date(2021, 6, 10) == r.compute(date(2021, 6, 17), calendar).date

    def test_deadline_records_the_calendar(self, calendar: WorkCalendar):
        """Every computed deadline carries the fingerprint of the calendar used."""
        assert calendar.fingerprint == rule().compute(date(2021, 6, 25), calendar).calendar

    def test_in_force_on_bounds_are_inclusive(self):
        """A rule is in force on its first and last day, not the days around them."""
        r = rule(effective_from=date(2021, 1, 1), effective_until=date(2021, 12, 31))
        assert (False, True, True, False) == (
            r.in_force_on(date(2020, 12, 31)), r.in_force_on(date(2021, 1, 1)),
            r.in_force_on(date(2021, 12, 31)), r.in_force_on(date(2022, 1, 1)))


class TestReports:
    """"Before 15 June" and "before 10 December": the last working day before the day."""

    def test_reports_2021(self, calendar: WorkCalendar):
        """2021: 15 June is a Tuesday, so Mon 14 June; 10 December is a Friday, so
        Thu 9 December."""
        got = [(d.rule_id, d.date, d.anchor)
               for d in DeadlinePolicy.default().report_deadlines(2021, calendar)]
        assert [("report-h1", date(2021, 6, 14), date(2021, 6, 15)),
                ("report-year", date(2021, 12, 9), date(2021, 12, 10))] == got

    def test_calendar_agrees_these_are_working_days(self, calendar: WorkCalendar):
        """Mon 14 June and Thu 9 December 2021 are working days, the 15th/10th are not
        counted: the dates are the last working days strictly before."""
        assert (True, True, date(2021, 6, 14), date(2021, 12, 9)) == (
            calendar.is_working_day(date(2021, 6, 14)), calendar.is_working_day(date(2021, 12, 9)),
            calendar.add_working_days(date(2021, 6, 15), -1),
            calendar.add_working_days(date(2021, 12, 10), -1))

    def test_report_moves_back_over_a_weekend(self, calendar: WorkCalendar):
        """2023: 10 December is a Sunday; the 9th is a Saturday, so Fri 8 December."""
        (_, year_end) = DeadlinePolicy.default().report_deadlines(2023, calendar)
        assert (date(2023, 12, 8), [date(2023, 12, 9)]) == (
            year_end.date, [s.date for s in year_end.skipped])

    def test_report_on_a_monday_limit(self, calendar: WorkCalendar):
        """2020: 15 June is a Monday, so the report is due Fri 12 June."""
        (h1, _) = DeadlinePolicy.default().report_deadlines(2020, calendar)
        assert date(2020, 6, 12) == h1.date

    def test_reports_are_in_date_order(self, calendar: WorkCalendar):
        """A policy listing December first still reports in date order."""
        policy = DeadlinePolicy(id="p", name="n", rules=(), reports=(
            ReportRule("y", "year", 12, 10, "b"), ReportRule("h", "H1", 6, 15, "b")))
        assert ["h", "y"] == [d.rule_id for d in policy.report_deadlines(2021, calendar)]

    @pytest.mark.parametrize("month", ["6", 6.0, True])
    def test_report_month_must_be_a_whole_number(self, month):
        """A ReportRule whose month is not a plain int is refused when built."""
        with pytest.raises(ValueError, match="not a date that exists every year"):
            ReportRule("h", "H1", month, 15, "b")


# --- report periods and policy effective dates (issue 15, part 4) -------------------------

def report_text(*entries: str, head: str = 'id = "p"\nname = "Thử nghiệm"\n') -> str:
    return head + "".join(f'\n[[reports]]\nbasis = "b"\n{e}' for e in entries)


MONTHLY = 'id = "monthly"\nperiod = "month"\nmonths_after = 1\nday = 5\nlimit = "by"\n'


class TestReportPeriods:
    """Every period kind of 215-KL/TW, due a day after the period or on a fixed day; the
    host's dates (the Conclusion's own are not known), the mechanism's arithmetic."""

    def test_monthly_by_the_fifth_of_the_next_month(self, calendar: WorkCalendar):
        """By the 5th: Thu 5 February for January 2026; March's limit, Sun 5 April, falls
        back over the weekend to Fri 3 April."""
        policy = DeadlinePolicy.from_toml(report_text(MONTHLY))
        got = [(d.period, d.year, d.deadline.date, d.deadline.anchor) for d in
               policy.reports_due(date(2026, 2, 1), date(2026, 4, 30), calendar)]
        assert [("2026-01", 2026, date(2026, 2, 5), date(2026, 2, 5)),
                ("2026-02", 2026, date(2026, 3, 5), date(2026, 3, 5)),
                ("2026-03", 2026, date(2026, 4, 3), date(2026, 4, 5))] == got

    def test_a_day_past_the_month_end_is_its_last_day(self, calendar: WorkCalendar):
        """Day 31 of April is 30 April, a holiday (Reunification Day 2026): by Wed 29
        April; of February, Sat 28 February: by Fri 27 February."""
        policy = DeadlinePolicy.from_toml(report_text(MONTHLY.replace("day = 5", "day = 31")))
        due = {d.period: d.deadline.date for d in policy.reports_due(
            date(2026, 2, 1), date(2026, 4, 30), calendar)}
        assert (date(2026, 2, 27), date(2026, 4, 29)) == (due["2026-01"], due["2026-03"])

    @pytest.mark.parametrize(("period", "months_after", "day", "label", "due"), [
        ("Q1", 0, 20, "2026-Q1", date(2026, 3, 19)),  # before Fri 20 March
        ("H1", 0, 15, "2026-H1", date(2026, 6, 12)),  # before Mon 15 June
        ("9M", 1, 10, "2026-9M", date(2026, 10, 9)),  # before Sat 10 October: Fri 9th
        ("year", 1, 15, "2026", date(2027, 1, 14)),  # before Fri 15 January 2027
    ])
    def test_each_period_kind(self, calendar: WorkCalendar, period: str, months_after: int,
                              day: int, label: str, due: date):
        """Q1, 6 months, 9 months, the year: "before" the day after the period's end."""
        policy = DeadlinePolicy.from_toml(report_text(
            f'id = "r"\nperiod = "{period}"\nmonths_after = {months_after}\nday = {day}\n'))
        (found,) = policy.reports_due(date(2026, 2, 1), date(2027, 12, 31), calendar)[:1]
        assert (label, 2026, due) == (found.period, found.year, found.deadline.date)

    def test_the_year_report_is_due_in_the_next_year(self, calendar: WorkCalendar):
        """`report_deadlines(year)` lists what is due in that year: in 2026 the annual
        report of 2025 (Wed 14 January 2026), in 2027 that of 2026 (Thu 14 January)."""
        policy = DeadlinePolicy.from_toml(report_text(
            'id = "y"\nperiod = "year"\nmonths_after = 1\nday = 15\n'))
        assert ([date(2026, 1, 14)], [date(2027, 1, 14)]) == tuple(
            [d.date for d in policy.report_deadlines(year, calendar)] for year in (2026, 2027))

    def test_report_rules_have_effective_dates(self, calendar: WorkCalendar):
        """A monthly rule in force from 1 March 2026 owes no February report (the period
        ends before), and March's."""
        policy = DeadlinePolicy.from_toml(report_text(MONTHLY + "effective_from = 2026-03-01\n"))
        assert ["2026-03"] == [d.period for d in policy.reports_due(
            date(2026, 3, 1), date(2026, 4, 30), calendar)]

    def test_the_seed_plan_reads_as_before(self, calendar: WorkCalendar):
        """The seed's fixed days: H1 before 15 June, the year before 10 December."""
        got = [(d.period, d.deadline.date) for d in DeadlinePolicy.default().reports_due(
            date(2021, 1, 1), date(2021, 12, 31), calendar)]
        assert [("2021-H1", date(2021, 6, 14)), ("2021", date(2021, 12, 9))] == got

    def test_a_period_in_the_hosts_words_still_loads(self, calendar: WorkCalendar):
        """A fixed-day report may name its period in words (policies written before the
        period kinds): the words are its label."""
        policy = DeadlinePolicy.from_toml(report_text(
            'id = "r"\nperiod = "6 tháng"\nmonth = 6\nday = 15\n'))
        (due,) = policy.reports_due(date(2021, 1, 1), date(2021, 12, 31), calendar)
        assert ("6 tháng 2021", date(2021, 6, 14)) == (due.period, due.deadline.date)

    def test_215_kl_knows_the_periods_not_the_dates(self, calendar: WorkCalendar):
        """The bundled 215-KL policy lists month, Q1, 6 months, 9 months, the year and ad
        hoc, each citing the Conclusion, with no date: nothing is ever due."""
        policy = DeadlinePolicy.bundled("215-KL")
        assert ["month", "Q1", "H1", "9M", "year", "ad_hoc"] == [
            r.period for r in policy.reports]
        assert all("215-KL/TW" in r.basis and not r.dated for r in policy.reports)
        assert ((), []) == (policy.rules, policy.reports_due(date(2026, 1, 1),
                                                             date(2026, 12, 31), calendar))
        with pytest.raises(ValueError, match="undated"):
            policy.reports[1].compute(2026, calendar)

    def test_reports_due_is_for_monthly_rules(self, calendar: WorkCalendar):
        """`ReportRule.compute(year)` is for a rule with one period a year."""
        (rule,) = DeadlinePolicy.from_toml(report_text(MONTHLY)).reports
        with pytest.raises(ValueError, match="due every month"):
            rule.compute(2026, calendar)

    @pytest.mark.parametrize(("entry", "message"), [
        ('period = "month"\nmonth = 6\nday = 15\n', "no fixed day of the year"),
        ('period = "month"\nmonths_after = 13\nday = 5\n', "months_after must be"),
        ('period = "month"\nmonths_after = 1\nday = 32\n', "day must be a day of the month"),
        ('period = "month"\nmonths_after = 1\nmonth = 2\nday = 5\n', "not both"),
        ('period = "weekly"\nmonths_after = 1\nday = 5\n', "'weekly' is not one of"),
        ('period = "weekly"\n', "'weekly' is not one of"),
        ('period = "month"\nday = 5\n', "of which month"),
        ('period = "month"\nmonths_after = 1\nday = 5\nlimit = "after"\n', "limit"),
        ('period = "month"\nmonths_after = 1\nday = 5\neffective_from = "2026-01-01"\n',
         "effective_from"),
    ])
    def test_bad_report_entries(self, entry: str, message: str):
        """Each mistake is refused at load time, naming the entry."""
        with pytest.raises(ConfigurationError, match=rf"reports\[0\].*{message}"):
            DeadlinePolicy.from_toml(report_text('id = "r"\n' + entry))


class TestPolicyEffectiveDates:
    """A policy's effective dates apply to the rules that name none of their own."""

    HEAD = 'id = "p"\nname = "n"\neffective_from = 2026-01-01\neffective_until = 2026-12-31\n'

    def test_rules_without_dates_inherit_them(self):
        """Each bound is inherited on its own; a rule's own date wins."""
        text = policy_text(RULE + RULE.replace('id = "answer"', 'id = "own"').replace(
            "written_answer", "announcement") + "effective_from = 2026-03-01\n",
            head=self.HEAD) + "\n" + report_text(MONTHLY, head="")
        policy = DeadlinePolicy.from_toml(text)
        assert ((date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 3, 1), date(2026, 12, 31)),
                (date(2026, 1, 1), date(2026, 12, 31))) == tuple(
            (r.effective_from, r.effective_until) for r in (*policy.rules, *policy.reports))
        assert (date(2026, 1, 1), date(2026, 12, 31)) == (policy.effective_from,
                                                          policy.effective_until)

    def test_out_of_force_outside_the_policys_dates(self):
        """No written-answer rule in force before the policy starts."""
        policy = DeadlinePolicy.from_toml(policy_text(head=self.HEAD))
        assert (None, "answer") == (
            policy.applicable_rule("written_answer", date(2025, 12, 31)),
            policy.rule_for("written_answer", date(2026, 1, 1)).id)

    def test_a_rule_never_in_force_under_the_policy(self):
        """A rule starting after the policy ends is refused, naming it."""
        with pytest.raises(ConfigurationError, match=r"answer: effective_until 2026-12-31 is "
                           "before effective_from 2027-01-01"):
            DeadlinePolicy.from_toml(policy_text(RULE + "effective_from = 2027-01-01\n",
                                                 head=self.HEAD))

    @pytest.mark.parametrize(("head", "message"), [
        ('id = "p"\nname = "n"\neffective_from = "2026-01-01"\n',
         "effective_from must be a date"),
        ('id = "p"\nname = "n"\neffective_from = 2026-02-01\neffective_until = 2026-01-01\n',
         "never in force"),
    ])
    def test_bad_policy_dates(self, head: str, message: str):
        with pytest.raises(ConfigurationError, match=message):
            DeadlinePolicy.from_toml(policy_text(head=head))


def test_policies_lists_policy_and_rule_effective_dates(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A policy's own effective dates are on its line; its rules show the dates they
    inherit or name, and a report after its period (issue 15, part 4)."""
    host = DeadlinePolicy.from_toml(
        'id = "province-x"\nname = "Tỉnh X"\neffective_from = 2026-01-01\n'
        'effective_until = 2026-12-31\n'
        '[[reports]]\nid = "monthly"\nperiod = "month"\nmonths_after = 1\nday = 5\n'
        'limit = "by"\nbasis = "Công văn của Tỉnh ủy X"\n'
        '[[reports]]\nid = "q1"\nperiod = "Q1"\nmonths_after = 0\nday = 20\n'
        'effective_from = 2026-03-01\nbasis = "Công văn của Tỉnh ủy X"\n')
    monkeypatch.setattr(_cli_plugins, "plugin_policies", lambda _pm: {host.id: host})
    result = CliRunner().invoke(main, ["policies"])
    assert 0 == result.exit_code, result.output
    assert ("province-x: Tỉnh X from 2026-01-01 until 2026-12-31\n"
            "  monthly: report month, due by day 5 of the month after from 2026-01-01 until "
            "2026-12-31\n      Công văn của Tỉnh ủy X\n"
            "  q1: report Q1, due before day 20 of the period's last month from 2026-03-01 "
            "until 2026-12-31\n") in result.output
