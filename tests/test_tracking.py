"""Tracking codes (issue 16): a short code per submission for citizens, with a check
character, in the notices to the petitioner, and a lookup that shows only the public
status."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import LAND
from dialogue_flow import (
    Actor,
    CloseReason,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    NotFoundError,
    Petitioner,
    PublicStatus,
    Role,
    SequentialIds,
    StorageError,
    Submission,
    SubmissionState,
    WorkCalendar,
    to_json,
)
from dialogue_flow._tracking import (
    ALPHABET,
    LENGTH,
    is_tracking_code,
    new_tracking_code,
    parse_tracking_code,
    tracking_code_from,
)
from dialogue_flow.testing import sample_submission

_CODES = st.builds(tracking_code_from, st.text(max_size=20))


class TestTheCode:
    def test_ten_characters_without_look_alikes(self) -> None:
        """31 characters (a prime, for the check): no 0/O, 1/I/L."""
        assert 31 == len(set(ALPHABET)) == len(ALPHABET)
        assert not set("0O1IL") & set(ALPHABET)
        code = new_tracking_code()
        assert (LENGTH, True) == (len(code), set(code) <= set(ALPHABET))
        assert is_tracking_code(code)

    def test_codes_are_random(self) -> None:
        assert 1000 == len({new_tracking_code() for _ in range(1000)})

    @given(_CODES, st.data())
    def test_every_single_character_error_is_caught(self, code: str,
                                                    data: st.DataObject) -> None:
        position = data.draw(st.integers(0, LENGTH - 1))
        wrong = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != code[position]))
        typo = code[:position] + wrong + code[position + 1:]
        assert not is_tracking_code(typo)
        with pytest.raises(InvalidInputError, match="check character does not match"):
            parse_tracking_code(typo)

    @given(_CODES)
    def test_every_transposition_is_caught(self, code: str) -> None:
        """Any two different characters swapped, next to each other or not."""
        for i in range(LENGTH):
            for j in range(i + 1, LENGTH):
                if code[i] != code[j]:
                    swapped = list(code)
                    swapped[i], swapped[j] = swapped[j], swapped[i]
                    assert not is_tracking_code("".join(swapped)), (code, i, j)

    @given(_CODES)
    def test_typed_any_case_with_spaces_and_dashes(self, code: str) -> None:
        typed = f" {code[:5].lower()}-{code[5:]} "
        assert code == parse_tracking_code(typed)

    @pytest.mark.parametrize(("typed", "why"), [
        ("K7M2P", "has 10 letters and digits .* this has 5"),
        ("K7M2PX9QR4Z", "this has 11"),
        ("0912345678", "character 1 is not used .*no 0, 1, I, L or O"),
        ("K7M2P.9QR4", "character 6 is not used"),
        (12345, "expected the tracking code as text"),
    ])
    def test_malformed_codes_say_why_without_echoing(self, typed: object, why: str) -> None:
        """A phone number typed in the code box is not repeated back (personal data)."""
        with pytest.raises(InvalidInputError, match=why) as info:
            parse_tracking_code(typed)
        assert "0912345678" not in str(info.value)

    def test_a_record_refuses_a_code_that_is_not_one(self) -> None:
        good = tracking_code_from("x")
        bad = good[:-1] + ("2" if good[-1] != "2" else "3")
        with pytest.raises(InvalidInputError, match=r"Submission\.tracking_code"):
            sample_submission(tracking_code=bad)


# --- on receive, in notices -------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def any_flow(request: pytest.FixtureRequest, clock: FixedClock, calendar: WorkCalendar,
             tmp_path: Path) -> Iterator[DialogueFlow]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'f.db'}"
    with DialogueFlow.open(url, clock=clock, calendar=calendar,
                           ids=SequentialIds()) as flow:
        yield flow


def _receive(flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> Submission:
    return flow.receive(petitioner=petitioner, topic="Tranh chấp đất với hàng xóm",
                        content="Ông B lấn đất nhà tôi ở thôn 1.", actor=intake)


class TestReceive:
    def test_every_submission_gets_its_own_code(self, any_flow: DialogueFlow, intake: Actor,
                                                petitioner: Petitioner) -> None:
        subs = [_receive(any_flow, intake, petitioner) for _ in range(20)]
        codes = [s.tracking_code for s in subs]
        assert all(code is not None and is_tracking_code(code) for code in codes)
        assert len(set(codes)) == 20
        assert subs == [any_flow.submission(s.id) for s in subs]

    def test_sequential_ids_give_the_same_codes_every_run(
            self, clock: FixedClock, intake: Actor, petitioner: Petitioner) -> None:
        """Tests and demos stay reproducible; real flows draw random codes."""
        runs = []
        for ids in (SequentialIds(), SequentialIds(), None):
            with DialogueFlow.open("memory://", clock=clock, ids=ids) as flow:
                runs.append([_receive(flow, intake, petitioner).tracking_code
                             for _ in range(3)])
        assert runs[0] == runs[1] != runs[2]

    def test_a_code_already_taken_is_drawn_again(self, clock: FixedClock, intake: Actor,
                                                 petitioner: Petitioner) -> None:
        """A repeat (once in millions of draws) never reaches the store's unique index."""
        @dataclasses.dataclass
        class Repeating:
            codes: list[str]

            def __call__(self, prefix: str) -> str:
                return SequentialIds()(prefix) + str(len(self.codes))

            def tracking_code(self) -> str:
                return self.codes.pop(0)

        same, other = tracking_code_from("a"), tracking_code_from("b")
        ids = Repeating([same, same, same, other])
        with DialogueFlow.open("memory://", clock=clock, ids=ids) as flow:
            first = _receive(flow, intake, petitioner)
            second = _receive(flow, intake, petitioner)
        assert (same, other) == (first.tracking_code, second.tracking_code)

    def test_a_source_that_only_repeats_itself_is_a_storage_error(
            self, clock: FixedClock, intake: Actor, petitioner: Petitioner) -> None:
        @dataclasses.dataclass
        class Stuck:
            def __call__(self, prefix: str) -> str:
                return SequentialIds()(prefix) + new_tracking_code()

            def tracking_code(self) -> str:
                return tracking_code_from("stuck")

        with DialogueFlow.open("memory://", clock=clock, ids=Stuck()) as flow:
            _receive(flow, intake, petitioner)
            with pytest.raises(StorageError, match="no free tracking code"):
                _receive(flow, intake, petitioner)

    def test_the_petitioner_is_told_the_code_not_the_id(
            self, any_flow: DialogueFlow, intake: Actor, chair: Actor,
            petitioner: Petitioner) -> None:
        """Issue 16: the SMS said "mã sub-1a23789af6bd85768". Every notice to the
        petitioner names the code ("mã tra cứu"); staff notices keep the id."""
        s = _receive(any_flow, intake, petitioner)
        any_flow.assign(s.id, department=LAND, actor=chair)
        any_flow.answer(s.id, text="Đã đo đạc lại.", actor=chair)
        any_flow.close(s.id, outcome="accepted", actor=intake)
        notes = any_flow.storage.pending_notifications()
        to_petitioner = [n for n in notes if n.audience == "petitioner"]
        assert ["received", "answered", "closed"] == [n.event for n in to_petitioner]
        assert f"mã tra cứu {s.tracking_code}" in to_petitioner[0].body
        for note in to_petitioner:
            assert s.tracking_code in note.subject
            assert s.id not in note.subject + note.body
        [assigned] = [n for n in notes if n.event == "assigned"]
        assert s.id in assigned.body


# --- lookup -----------------------------------------------------------------------------------


class TestLookup:
    def test_the_public_status_as_the_matter_moves(
            self, any_flow: DialogueFlow, intake: Actor, chair: Actor,
            petitioner: Petitioner) -> None:
        """State, due date while open, who answers, the answer once given, the reason once
        closed; looked up as typed (lower case, dashes)."""
        s = _receive(any_flow, intake, petitioner)
        assert s.tracking_code is not None
        assert s.due is not None
        typed = f"{s.tracking_code[:5].lower()}-{s.tracking_code[5:]}"
        received = any_flow.lookup(typed)
        assert PublicStatus(
            tracking_code=s.tracking_code, state=SubmissionState.RECEIVED,
            received_on=s.received_at.date(), due_on=s.due.date, responsible=None,
            organisation=None) == received
        assigned = any_flow.assign(s.id, department=LAND, actor=chair)
        assert assigned.due is not None
        assert (SubmissionState.ASSIGNED, LAND, assigned.due.date) == (
            any_flow.lookup(typed).state, any_flow.lookup(typed).responsible,
            any_flow.lookup(typed).due_on)
        any_flow.answer(s.id, text="Đã đo đạc lại ranh giới.", actor=chair)
        answered = any_flow.lookup(typed)
        assert (SubmissionState.ANSWERED, "Đã đo đạc lại ranh giới.", None) == (
            answered.state, answered.answer, answered.due_on)
        any_flow.close(s.id, outcome="accepted", actor=intake)
        assert CloseReason.ACCEPTED == any_flow.lookup(typed).close_reason

    def test_no_personal_data_nor_the_citizens_words(
            self, any_flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> None:
        """Name, address, phone, topic and content (which names a neighbour) stay out."""
        s = _receive(any_flow, intake, petitioner)
        shown = repr(any_flow.lookup(str(s.tracking_code)))
        shown += to_json(attrs.asdict(any_flow.lookup(str(s.tracking_code))))
        for private in ("Nguyễn Văn A", "Thôn 1", "0912345678", "hàng xóm", "Ông B", s.id):
            assert private not in shown

    def test_malformed_and_unknown_codes_differ(self, any_flow: DialogueFlow, intake: Actor,
                                                petitioner: Petitioner) -> None:
        """A mistyped code is InvalidInputError saying the check failed; a well-formed code
        nobody holds is NotFoundError."""
        s = _receive(any_flow, intake, petitioner)
        code = str(s.tracking_code)
        swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[::-1]
        with pytest.raises(InvalidInputError, match="code: the check character"):
            any_flow.lookup(swapped)
        with pytest.raises(NotFoundError):
            any_flow.lookup(tracking_code_from("nobody"))
        with pytest.raises(InvalidInputError, match=r"code: .*this has"):
            any_flow.lookup(s.id)

    def test_a_transferred_matter_shows_the_competent_level(
            self, clock: FixedClock, calendar: WorkCalendar, petitioner: Petitioner) -> None:
        """Escalated to the province in the store: the petitioner's code shows the matter
        waiting on the province, which received a linked matter with a code of its own."""
        tree = Path(__file__).parent.parent / "examples" / "province-tree.toml"
        with DialogueFlow.open("memory://", clock=clock, calendar=calendar,
                               ids=SequentialIds()) as flow:
            flow.load_organisations(tree)
            commune, province = "xa-mau-dong", "tinh-mau"
            clerk = Actor("tn", "Tiếp nhận", Role.INTAKE_DESK, organisation_id=commune)
            chair = Actor("bt", "Bí thư", Role.CHAIR, organisation_id=commune)
            s = _receive(flow, clerk, petitioner)
            origin = flow.escalate(s.id, to=province, actor=chair)
            linked = flow.submission(str(origin.transferred_to))
            assert linked.tracking_code not in (None, s.tracking_code)
            status = flow.lookup(str(s.tracking_code))
            assert (SubmissionState.ESCALATED, flow.organisation(commune).name) == (
                status.state, status.organisation)
            assert status.responsible == origin.competent_level
            assert flow.organisation(province).name == flow.lookup(
                str(linked.tracking_code)).organisation


class TestLookupCommand:
    """``dialogue-flow lookup CODE``: what the office reads out on the phone."""

    def test_public_status_without_personal_data(self, tmp_path: Path) -> None:
        from click.testing import CliRunner  # noqa: PLC0415

        from dialogue_flow.cli import main  # noqa: PLC0415

        db = f"sqlite:///{tmp_path / 'l.db'}"
        with DialogueFlow.open(db, clock=FixedClock(date(2026, 3, 2))) as flow:
            s = flow.receive(petitioner=Petitioner("Trần Thị Bí Mật", phone="0987654321"),
                             topic="đất đai", content="Nội dung riêng tư", channel="written",
                             actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK))
        code = s.tracking_code
        assert code is not None
        out = CliRunner().invoke(main, ["lookup", "--db", db, code.lower()])
        assert 0 == out.exit_code, out.output
        assert f"Mã tra cứu: {code}" in out.output
        assert "Trạng thái: Tiếp nhận" in out.output
        assert ("Bí Mật" in out.output, "0987654321" in out.output,
                "riêng tư" in out.output) == (False, False, False)
        english = CliRunner().invoke(main, ["lookup", "--db", db, "--lang", "en", code])
        assert "State: Received" in english.output
        other = "X" if code[-1] != "X" else "Y"  # a check character that does not match
        wrong = CliRunner().invoke(main, ["lookup", "--db", db, code[:-1] + other])
        assert 1 == wrong.exit_code
