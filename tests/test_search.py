"""Search (issue 16): matters found by the words of their topic and content, ignoring case
and Vietnamese diacritics, the same on every backend; and text compared in NFC wherever a
host's input meets stored text."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FOREST, LAND
from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    PermissionDeniedError,
    Petitioner,
    Role,
    SequentialIds,
    SQLiteStorage,
    SubmissionState,
    WorkCalendar,
)
from dialogue_flow._search import MAX_TERMS, _plain, fold, matches, search_text, words
from dialogue_flow.storage import Changeset, SubmissionQuery
from dialogue_flow.testing import sample_submission

NFD = "NFD"


def _nfd(text: str) -> str:
    return unicodedata.normalize(NFD, text)


def _by_definition(text: str) -> str:
    """The folding rule applied to a whole text at once."""
    return _plain(_plain(text).casefold()).replace("đ", "d")


# --- the rule ---------------------------------------------------------------------------------


class TestFold:
    def test_vietnamese_folds_to_plain_letters(self) -> None:
        """Case, tones, vowel marks and "đ"/"Đ" (which Unicode does not decompose) go."""
        assert "dat dai ho chi minh duong nuoc" == fold("ĐẤT ĐAI Hồ Chí Minh đường nước")

    def test_composed_and_decomposed_text_fold_alike(self) -> None:
        text = "Tranh chấp đất đai ở thôn Đông"
        assert fold(text) == fold(_nfd(text))

    def test_compatibility_forms_fold_to_their_letters(self) -> None:
        """Full-width letters and digits, ligatures, a black-letter capital."""
        assert "dat 2021 file h" == fold("ＤＡＴ ２０２１ ﬁle ℌ")

    def test_every_code_point_folds_once_and_for_all(self) -> None:
        """Folding is idempotent and leaves no ASCII capital, for every code point: a SQL
        backend's LIKE (case-insensitive for ASCII on SQLite) then compares exactly what
        Python compares. (Cherokee, whose case folding is upper case, stays as folded.)

        Checked with the definition a block of code points at a time (folding works
        character by character), not through fold()'s table, which would keep them all."""
        stubborn = []
        for start in range(0, sys.maxunicode + 1, 4096):
            block = "".join(chr(cp) for cp in range(start, min(start + 4096, sys.maxunicode + 1))
                            if not 0xD800 <= cp <= 0xDFFF)
            folded = _by_definition(block)
            if _by_definition(folded) != folded or any("A" <= c <= "Z" for c in folded):
                stubborn.append(hex(start))
        assert [] == stubborn

    @given(st.text())
    def test_the_table_folds_as_the_definition(self, text: str) -> None:
        """fold() looks characters up in a table filled one character at a time; folding a
        whole text at once gives the same."""
        assert _by_definition(text) == fold(text)

    @given(st.text())
    def test_fold_is_idempotent(self, text: str) -> None:
        assert fold(text) == fold(fold(text))

    @given(st.text())
    def test_words_hold_neither_spaces_nor_like_wildcards(self, text: str) -> None:
        """A stored word can be matched with LIKE '% word %' exactly."""
        for word in words(text):
            assert word
            assert not {" ", "%", "_", "\\"} & set(word)


class TestTheRule:
    @pytest.mark.parametrize(("search", "found"), [
        ("dat dai", True), ("Đất Đai", True), ("dat da", True), ("DAT", True),
        ("dat", True), ("d", True), ("chung nhan", True), ("da dai", False),
        ("dai dat", True), ("datdai", False), ("dat nuoc", False), ("giay chung", True),
    ])
    def test_examples(self, search: str, found: bool) -> None:
        """Every word whole, the last one begun; order and repeats do not matter."""
        terms = tuple(words(search))
        assert found is matches(terms, "Tranh chấp đất đai", "Cấp giấy chứng nhận")

    def test_stored_text_is_the_words_between_spaces(self) -> None:
        assert " dat dai cap giay 2 " == search_text("Đất-đai", "Cấp giấy (2)!")


# --- backends agree with the reference, for any text ------------------------------------------

#: Text a record may hold (validators refuse control characters and lone surrogates).
_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)


@pytest.fixture(scope="module")
def backends() -> Iterator[list[MemoryStorage | SQLiteStorage]]:
    memory, sqlite = MemoryStorage(), SQLiteStorage(":memory:")
    yield [memory, sqlite]
    sqlite.close()


_counter = iter(range(10**9))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=4), data=st.data())
def test_sqlite_finds_what_the_reference_finds(
        backends: list[MemoryStorage | SQLiteStorage],
        texts: list[tuple[str, str]], data: st.DataObject) -> None:
    """For any Unicode text (that a record may hold) and a search made of its own words,
    cut or not, in any case, or of any text: SQLite's LIKE over the stored folded words
    finds what ``SubmissionQuery.matches`` finds."""
    batch = next(_counter)
    records = [sample_submission(f"sub-{batch}-{n}", topic=topic.strip() or "x",
                                 content=content.strip() or "x")
               for n, (topic, content) in enumerate(texts)]
    pool = [w for topic, content in texts for w in (*words(topic), *words(content))]
    if pool and data.draw(st.booleans()):
        chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        cut = data.draw(st.integers(1, len(chosen[-1])))
        search = " ".join([*chosen[:-1], chosen[-1][:cut]])
        search = data.draw(st.sampled_from([search, search.upper(), _nfd(search)]))
    else:
        search = data.draw(_TEXT)
    if not words(search):
        return
    for storage in backends:
        storage.commit(Changeset(tuple((r, 0) for r in records)))
    ids = {r.id for r in records}
    query = SubmissionQuery(search=search, limit=10_000)
    expected = sorted(r.id for r in records if query.matches(r))
    for storage in backends:
        found = [s.id for s in storage.find_submissions(query) if s.id in ids]
        assert expected == found, type(storage).__name__


# --- through the façade -----------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def any_flow(request: pytest.FixtureRequest, clock: FixedClock, calendar: WorkCalendar,
             tmp_path: Path) -> Iterator[DialogueFlow]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'f.db'}"
    with DialogueFlow.open(url, clock=clock, calendar=calendar,
                           ids=SequentialIds()) as flow:
        yield flow


def _receive(flow: DialogueFlow, intake: Actor, topic: str, content: str = "Nội dung.") -> str:
    return flow.receive(petitioner=Petitioner("Nguyễn Văn A"), topic=topic,
                        content=content, actor=intake).id


class TestSubmissionsSearch:
    def test_dat_dai_finds_dat_dai(self, any_flow: DialogueFlow, intake: Actor) -> None:
        """The issue's example: "dat dai" finds "đất đai" however it was typed, and "dat
        da" (still typing) too; the page says how many match."""
        ids = [_receive(any_flow, intake, "Đất đai"), _receive(any_flow, intake, "Môi trường"),
               _receive(any_flow, intake, _nfd("ĐẤT ĐAI thôn 3")),
               _receive(any_flow, intake, "Giao thông", "Đường vào khu đất đai mới")]
        for search in ("dat dai", "dat da", "Đất đai", _nfd("đất đ")):
            page = any_flow.submissions(search=search)
            assert ([ids[0], ids[2], ids[3]], 3) == ([s.id for s in page], page.total)
        assert [] == list(any_flow.submissions(search="dai dat nuoc"))

    def test_search_combines_with_every_filter(self, any_flow: DialogueFlow, intake: Actor,
                                               chair: Actor) -> None:
        """State, department and due window narrow a search as they narrow a listing."""
        first = _receive(any_flow, intake, "đất đai")
        second = _receive(any_flow, intake, "đất đai")
        _receive(any_flow, intake, "môi trường")
        any_flow.assign(second, department=LAND, actor=chair)
        assigned = any_flow.submission(second)
        assert assigned.due is not None
        due = assigned.due.date
        assert [second] == [s.id for s in any_flow.submissions(search="dat", state="assigned")]
        assert [second] == [s.id for s in any_flow.submissions(search="dat", department=LAND)]
        assert [first] == [s.id for s in any_flow.submissions(search="dat", state="received")]
        assert [second] == [s.id for s in any_flow.submissions(
            search="dat", due_on_or_after=due, due_on_or_before=due)]
        assert [second] == [s.id for s in any_flow.submissions(
            search="dat", overdue_as_of=due + timedelta(days=1), state="assigned")]
        assert [] == list(any_flow.submissions(search="moi", department=LAND))

    def test_received_order_pages_newest_first(self, any_flow: DialogueFlow, intake: Actor,
                                               clock: FixedClock) -> None:
        """``order_by="received"``: the most recently received first, paged with
        ``next_after``, the total on every page."""
        ids = []
        for day in range(5):
            ids.append(_receive(any_flow, intake, f"đất đai {day}"))
            ids.append(_receive(any_flow, intake, "khác"))
            clock.advance(days=1)
        seen: list[str] = []
        after = None
        while True:
            page = any_flow.submissions(search="dat", order_by="received", limit=2,
                                        after=after)
            assert 5 == page.total
            seen += [s.id for s in page]
            if page.next_after is None:
                break
            after = page.next_after
        assert ids[::2][::-1] == seen
        everything = [s.id for s in any_flow.submissions(order_by="received", limit=100)]
        assert ids[::-1] == everything

    def test_iter_submissions_searches_too(self, any_flow: DialogueFlow, intake: Actor) -> None:
        found = _receive(any_flow, intake, "Nước sạch")
        _receive(any_flow, intake, "Đất đai")
        assert [found] == [s.id for s in any_flow.iter_submissions(search="nuoc sach")]

    @pytest.mark.parametrize(("search", "why"), [
        ("", "blank"), ("   ", "blank"), ("?!…", "no letter or digit"),
        (" ".join(["dat"] * (MAX_TERMS + 1)), f"at most {MAX_TERMS}"), (42, "expected text"),
        ("đất\x00", "control character"),
    ])
    def test_a_search_without_words_is_refused(self, flow: DialogueFlow, search: object,
                                               why: str) -> None:
        """A search that could match nothing sensible says so, naming ``search``;
        ``search=None`` lists everything."""
        with pytest.raises(InvalidInputError, match=f"search.*{why}"):
            flow.submissions(search=search)  # type: ignore[arg-type]

    @pytest.mark.parametrize("after", ["sub-0001", "2021-13-45/sub-0001", "-/sub-0001"])
    def test_a_received_page_needs_a_received_cursor(self, flow: DialogueFlow,
                                                     after: str) -> None:
        with pytest.raises(InvalidInputError, match="after"):
            flow.submissions(order_by="received", after=after)

    def test_unknown_order_names_the_orders(self, flow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError, match="id, due, received"):
            flow.submissions(order_by="topic")


# --- text typed decomposed (NFD) is the same text --------------------------------------------


class TestDecomposedInput:
    def test_a_department_filter_typed_decomposed_finds_the_matters(
            self, any_flow: DialogueFlow, intake: Actor, chair: Actor) -> None:
        """Regression (issue 16): ``submissions(department=NFD)`` found nothing; queries
        compare in NFC, as records hold text."""
        sub = _receive(any_flow, intake, "đất đai")
        any_flow.assign(sub, department=LAND, actor=chair)
        page = any_flow.submissions(department=_nfd(LAND))
        assert ([sub], 1) == ([s.id for s in page], page.total)

    def test_a_department_typed_decomposed_answers_its_matter(
            self, any_flow: DialogueFlow, intake: Actor, chair: Actor) -> None:
        """The issue's case: a department named in NFD (as some Vietnamese input methods
        type it), on the actor and on the assignment, answers its own matter."""
        sub = _receive(any_flow, intake, "đất đai")
        any_flow.assign(sub, department=_nfd(LAND), actor=chair)
        clerk = Actor("dc", "Cán bộ", Role.DEPARTMENT, department=_nfd(LAND))
        answered = any_flow.answer(sub, text="Đã giải quyết.", actor=clerk)
        assert (SubmissionState.ANSWERED, LAND) == (answered.state, answered.department)
        assign_row = next(r for r in any_flow.history(answered) if r.event == "assign")
        assert LAND == assign_row.details["department"]  # the audit trail in NFC too
        other = Actor("kl", "Cán bộ", Role.DEPARTMENT, department=_nfd(FOREST))
        with pytest.raises(PermissionDeniedError, match="may not answer"):
            any_flow.answer(_assigned(any_flow, intake, chair), text="x", actor=other)

    def test_topics_typed_either_way_are_one_report_group(
            self, any_flow: DialogueFlow, intake: Actor) -> None:
        _receive(any_flow, intake, "Đất đai")
        _receive(any_flow, intake, _nfd("Đất đai"))
        assert {"Đất đai": 2} == any_flow.report("2021").by_topic


def _assigned(flow: DialogueFlow, intake: Actor, chair: Actor) -> str:
    sub = _receive(flow, intake, "đất đai")
    flow.assign(sub, department=LAND, actor=chair)
    return sub
