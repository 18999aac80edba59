"""Records: immutable, validated when built, personal data kept out of reprs, and an exact
JSON round trip for every record type."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    VIETNAM_TZ,
    Actor,
    Deadline,
    Dialogue,
    DialogueState,
    InvalidInputError,
    Notification,
    Petitioner,
    Role,
    SkippedDay,
    Submission,
    SubmissionState,
    TransitionRecord,
    from_dict,
    from_json,
    to_dict,
    to_json,
)
from strategies import RECORD_STRATEGIES

NOW = datetime(2021, 6, 1, 8, 0, tzinfo=VIETNAM_TZ)
DEADLINE = Deadline(date=date(2021, 6, 10), rule_id="announcement", anchor=date(2021, 6, 17),
                    basis="Kế hoạch, mục II.2.3", calendar="holidays-0.70",
                    skipped=(SkippedDay(date(2021, 6, 13), "Chủ nhật"),))


def dialogue(**changes: object) -> Dialogue:
    fields: dict[str, object] = {
        "id": "dlg-0001", "title": "Đối thoại quý II/2021", "scheduled_for": date(2021, 6, 17),
        "state": "planned", "version": 1, "created_at": NOW, "updated_at": NOW,
        "announce_by": DEADLINE,
    }
    fields.update(changes)
    return Dialogue(**fields)  # type: ignore[arg-type]


def submission(**changes: object) -> Submission:
    fields: dict[str, object] = {
        "id": "sub-0001", "petitioner": Petitioner(name="Nguyễn Văn A", phone="0912345678"),
        "topic": "đất đai", "content": "Chậm cấp giấy chứng nhận.", "state": "received",
        "version": 1, "received_at": NOW, "updated_at": NOW,
    }
    fields.update(changes)
    return Submission(**fields)  # type: ignore[arg-type]


class TestImmutability:
    """Records never change in place."""

    @pytest.mark.parametrize("record", [
        dialogue(), submission(), Actor("bt", "Bí thư", Role.CHAIR), Petitioner(name="B"),
        DEADLINE], ids=lambda r: type(r).__name__)
    def test_assignment_raises(self, record):
        """Setting any attribute of a record raises FrozenInstanceError."""
        field = attrs.fields(type(record))[0].name
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(record, field, "changed")

    def test_evolve_builds_a_new_record_and_keeps_the_old(self):
        """A change is a new record; the original is untouched."""
        old = dialogue()
        new = attrs.evolve(old, state=DialogueState.ANNOUNCED, version=2)
        assert ((DialogueState.PLANNED, 1), (DialogueState.ANNOUNCED, 2)) == (
            (old.state, old.version), (new.state, new.version))

    def test_states_are_converted_to_enums(self):
        """A state given as text is stored as the enum member."""
        assert (SubmissionState.RECEIVED, DialogueState.PLANNED) == (
            submission().state, dialogue().state)


class TestValidators:
    """An invalid record cannot be built."""

    @pytest.mark.parametrize("bad_id", ["", " sub-1", "-sub", "sub 1", "sub/1", "x" * 65,
                                        "đ-1", 17, None])
    def test_bad_id_is_refused(self, bad_id):
        """Ids are 1-64 ASCII letters, digits and . _ : -, starting alphanumeric."""
        with pytest.raises(ValueError, match="not a valid id"):
            submission(id=bad_id)

    @pytest.mark.parametrize("good_id", ["a", "sub-0001", "dlg_2021.q2:1", "x" * 64])
    def test_good_ids_are_accepted(self, good_id):
        """The id rule is not stricter than documented."""
        assert good_id == submission(id=good_id).id

    @pytest.mark.parametrize("field", ["created_at", "updated_at"])
    def test_naive_datetime_is_refused(self, field):
        """Instants must carry a time zone."""
        with pytest.raises(ValueError, match="timezone-aware"):
            dialogue(**{field: datetime(2021, 6, 1, 8, 0)})

    def test_naive_received_at_is_refused(self):
        """A submission's reception instant must carry a time zone."""
        with pytest.raises(ValueError, match="received_at"):
            submission(received_at=datetime(2021, 6, 1, 8, 0))

    def test_naive_transition_time_is_refused(self):
        """An audit row's instant must carry a time zone."""
        with pytest.raises(ValueError, match="timezone-aware"):
            TransitionRecord(kind="submission", record_id="sub-1", version=1, event="receive",
                             source=None, dest="received", actor_id="tn",
                             at=datetime(2021, 6, 1))

    @pytest.mark.parametrize("version", [0, -1, True, 1.0, "1"])
    def test_version_below_one_or_not_int_is_refused(self, version):
        """Versions start at 1 and are plain ints."""
        with pytest.raises(InvalidInputError, match=r"Dialogue\.version: expected a whole "
                           r"number >= 1"):
            dialogue(version=version)

    def test_department_actor_must_name_its_department(self):
        """An actor of role department without a department is refused."""
        with pytest.raises(ValueError, match="must name it"):
            Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT)

    def test_unknown_role_is_refused(self):
        """A role that is not one of the seed's actors is refused."""
        with pytest.raises(InvalidInputError, match=r"Actor\.role: expected one of: chair"):
            Actor("x", "X", "mayor")  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", ["", "   ", None])
    def test_blank_actor_name_is_refused(self, name):
        """Who acted must have a name."""
        with pytest.raises((TypeError, ValueError), match="name"):
            Actor("bt", name, Role.CHAIR)  # type: ignore[arg-type]

    def test_blank_title_is_refused(self):
        """A dialogue needs a title."""
        with pytest.raises(ValueError, match="title: must not be blank"):
            dialogue(title="  ")

    def test_topics_as_a_single_string_is_refused(self):
        """A bare string for a list of names is the classic slip; it is refused."""
        with pytest.raises(InvalidInputError, match="single string"):
            dialogue(topics="đất đai")

    def test_unknown_state_is_refused(self):
        """A state outside the lifecycle cannot be stored."""
        with pytest.raises(InvalidInputError, match="state: expected one of: received"):
            submission(state="pending")


class TestPersonalData:
    """Petitioners' personal data stays out of reprs (and so out of logs and tracebacks)."""

    def test_petitioner_repr_hides_everything(self):
        """No field of the petitioner appears in its repr."""
        p = Petitioner(name="Nguyễn Văn A", address="Thôn 1", phone="0912345678",
                       email="a@example.vn")
        assert "Petitioner(<personal data withheld>)" == repr(p)

    def test_submission_repr_hides_the_petitioner(self):
        """A submission's repr shows the record but not who raised it."""
        text = repr(submission())
        assert (True, False, False) == ("sub-0001" in text, "Nguyễn" in text,
                                        "0912345678" in text)

    def test_petitioner_data_is_still_there(self):
        """Hiding is only in the repr: the data itself is kept."""
        assert "0912345678" == Petitioner(name="A", phone="0912345678").phone


class TestJson:
    """`to_json` / `from_json` round trips are exact; garbage is refused as bad input."""

    @pytest.mark.parametrize("cls", list(RECORD_STRATEGIES), ids=lambda c: c.__name__)
    def test_round_trip_is_exact(self, cls):
        """For any valid record, from_json(to_json(r)) == r (and the text is stable)."""

        @settings(max_examples=40, deadline=None)
        @given(RECORD_STRATEGIES[cls])
        def check(record: object) -> None:
            text = to_json(record)
            again = from_json(cls, text)
            assert (record, text) == (again, to_json(again))

        check()

    def test_dict_round_trip_through_json_module(self):
        """`to_dict` is JSON-safe: json.dumps accepts it and from_dict rebuilds the record."""
        record = submission(due=DEADLINE)
        assert record == from_dict(Submission, json.loads(json.dumps(to_dict(record))))

    def test_vietnamese_stays_readable(self):
        """Text is written as UTF-8, not as \\u escapes."""
        assert "Đối thoại quý II/2021" in to_json(dialogue())

    def test_skipped_days_are_objects(self):
        """A skipped day is written as {"date", "reason"}, not a bare pair."""
        assert [{"date": "2021-06-13", "reason": "Chủ nhật"}] == to_dict(DEADLINE)["skipped"]

    def test_instants_keep_their_offset(self):
        """Instants are written with their UTC offset."""
        assert "2021-06-01T08:00:00+07:00" == to_dict(dialogue())["created_at"]

    @pytest.mark.parametrize("text", ["", "not json", "{", "[]", "null", "1", '"x"', "{}",
                                      '{"id": "dlg-1"}'])
    @pytest.mark.parametrize("cls", [Dialogue, Submission, Notification, Deadline],
                             ids=lambda c: c.__name__)
    def test_garbage_is_invalid_input(self, cls, text):
        """Anything that is not a serialised record raises InvalidInputError for the class."""
        with pytest.raises(InvalidInputError) as info:
            from_json(cls, text)
        assert cls.__name__ == info.value.field

    @pytest.mark.parametrize("change", [
        {"id": "not an id!"},
        {"version": 0},
        {"state": "pending"},
        {"created_at": "2021-06-01T08:00:00"},
        {"scheduled_for": "17/06/2021"},
    ], ids=lambda c: next(iter(c)))
    def test_invalid_values_are_refused_by_validators(self, change):
        """from_json runs the same validators as the constructor: a serialised record with
        one bad value is refused as InvalidInputError for the record class."""
        data = {**to_dict(dialogue()), **change}
        with pytest.raises(InvalidInputError) as info:
            from_json(Dialogue, json.dumps(data))
        assert "Dialogue" == info.value.field

    def test_a_string_for_a_list_of_names_is_refused(self):
        """`"topics": "đất đai"` must not become a tuple of seven one-letter topics."""
        data = {**to_dict(dialogue()), "topics": "đất đai"}
        with pytest.raises(InvalidInputError):
            from_json(Dialogue, json.dumps(data))

    def test_a_number_for_text_is_refused(self):
        """`"title": 5` is not a serialised dialogue; it must not become the title "5"."""
        data = {**to_dict(dialogue()), "title": 5}
        with pytest.raises(InvalidInputError):
            from_json(Dialogue, json.dumps(data))

    @given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                        max_leaves=8))
    @settings(max_examples=100, deadline=None)
    def test_arbitrary_json_never_escapes_as_another_error(self, value):
        """Whatever JSON arrives, the only error is InvalidInputError."""
        with contextlib.suppress(InvalidInputError):
            from_json(Submission, json.dumps(value))


class TestTimeZoneNames:
    def test_vietnam_offset_reads_back_as_the_named_zone(self) -> None:
        """A record stamped in Asia/Ho_Chi_Minh reads back with that zone (not a bare
        +07:00), so its repr and isoformat are what was written."""
        from dialogue_flow import VIETNAM_TZ, TransitionRecord  # noqa: PLC0415

        at = datetime(2021, 6, 17, 8, 30, tzinfo=VIETNAM_TZ)
        row = TransitionRecord(kind="submission", record_id="sub-1", version=1,
                               event="receive", source=None, dest="received",
                               actor_id="tn", at=at)
        back = from_json(TransitionRecord, to_json(row))
        assert (row, VIETNAM_TZ) == (back, back.at.tzinfo)

    def test_other_offsets_are_kept(self) -> None:
        """An instant in another offset keeps its own offset."""
        from dialogue_flow import TransitionRecord  # noqa: PLC0415

        at = datetime(2021, 6, 17, 1, 30, tzinfo=UTC)
        row = TransitionRecord(kind="submission", record_id="sub-1", version=1,
                               event="receive", source=None, dest="received",
                               actor_id="tn", at=at)
        assert timedelta(0) == from_json(TransitionRecord, to_json(row)).at.utcoffset()


class TestEveryFieldChecked:
    """Issue 13: a record of the wrong shape never exists; the complaint names the field
    and never echoes the value (it may be personal data)."""

    @pytest.mark.parametrize(("fields", "field"), [
        ({"phone": 912000111}, "Petitioner.phone"),
        ({"address": ["Thôn 1", "xã A"]}, "Petitioner.address"),
        ({"email": object()}, "Petitioner.email"),
        ({"name": "Nguyễn\x00Văn A"}, "Petitioner.name"),
        ({"name": "x" * 301}, "Petitioner.name"),
    ])
    def test_petitioner_fields(self, fields: dict[str, object], field: str) -> None:
        values: dict[str, object] = {"name": "Nguyễn Văn A", **fields}
        with pytest.raises(InvalidInputError, match=re.escape(field)) as info:
            Petitioner(**values)  # type: ignore[arg-type]
        assert "912000111" not in str(info.value)
        assert isinstance(info.value, ValueError)  # still a ValueError for old callers

    def test_lone_surrogate_leaves_no_personal_data_in_the_chain(self) -> None:
        """The error for a lone surrogate names the field and position; nothing chained
        to it holds the record."""
        petitioner = Petitioner(name="Nguyễn Văn A", address="Thôn 1", phone="0912345678")
        with pytest.raises(InvalidInputError, match=r"Submission\.topic: contains a lone") as info:
            submission(petitioner=petitioner, topic="đất \ud800")
        assert info.value.__cause__ is None

    def test_text_is_nfc(self) -> None:
        """Decomposed Vietnamese (as some input methods type it) is kept composed: the same
        department typed either way is the same text."""
        nfd = unicodedata.normalize("NFD", "Địa chính")
        assert nfd != "Địa chính"
        actor = Actor("dc", "Cán bộ", Role.DEPARTMENT, department=nfd)
        assert "Địa chính" == actor.department
        assert ("Địa chính",) == dialogue(invited_departments=[nfd]).invited_departments

    @pytest.mark.parametrize(("field", "value"), [
        ("scheduled_for", datetime(2021, 6, 17, 8, 0)), ("expected_attendance", "50"),
        ("expected_attendance", -1), ("topics", 5), ("held_on", "2021-06-17"),
        ("conclusion", "done"),
    ])
    def test_dialogue_fields(self, field: str, value: object) -> None:
        with pytest.raises(InvalidInputError, match=f"Dialogue.{field}|names"):
            dialogue(**{field: value})

    def test_actor_errors_are_the_librarys(self) -> None:
        """Actor raises InvalidInputError (the errors module promises nothing else)."""
        with pytest.raises(InvalidInputError, match=r"Actor\.department"):
            Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT)
        with pytest.raises(InvalidInputError, match=r"Actor\.id"):
            Actor("bad id", "X", Role.CHAIR)

    def test_audit_rows_and_notifications_are_checked_too(self) -> None:
        """What the library writes beside a record is held to the same rules."""
        with pytest.raises(InvalidInputError, match=r"TransitionRecord\.record_id"):
            TransitionRecord(kind="submission", record_id="sub 1", version=1, event="receive",
                             source=None, dest="received", actor_id="tn", at=NOW)
        with pytest.raises(InvalidInputError, match=r"Notification\.subject: contains"):
            Notification(key="k", event="received", kind="submission", record_id="sub-1",
                         audience="petitioner", subject="a\x07b", body="", language="vi",
                         created_at=NOW)
