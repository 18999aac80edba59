"""The storage contract for search and tracking codes (issue 16): matters found by their
words exactly as :meth:`SubmissionQuery.matches` finds them, in every order, with every
filter and page; and a submission found by its tracking code, which no two share."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

import attrs

from dialogue_flow import (
    VIETNAM_TZ,
    NotFoundError,
    StorageError,
    Submission,
    SubmissionState,
)
from dialogue_flow._tracking import tracking_code_from
from dialogue_flow.storage import Changeset, Storage, SubmissionQuery

from ._fakes import sample_submission
from ._support import _equal, _new, _next, _raises, _rng

#: Words of the generated texts: diacritics, "đ", capitals, words that fold alike ("dát",
#: "dat", "đất"), prefixes of one another ("da", "dai", "datum"), compatibility forms
#: (full-width, a ligature), digits, and what separates words (punctuation, "_").
_WORDS = (
    "đất", "đai", "Đất", "ĐAI", "dát", "dat", "datum", "Đà", "Nẵng", "nước", "nuoc", "sạch",
    "ô", "nhiễm", "môi", "trường", "giấy", "chứng", "nhận", "quyền", "sử", "dụng", "ＤＡＴ",
    "ﬁle", "2021", "15", "số", "x", "đường", "duong", "Đường", "cầu", "cau",
)
_GLUE = (" ", " ", " ", ", ", ". ", "-", "_", " (", ") ", "\n", "/", "%", "  ")
_ORGANISATIONS = ("xa-mot", "xa-hai", "tinh")
_DEPARTMENTS = ("Địa chính", "Tư pháp")
_START = dt.datetime(2021, 6, 1, 0, 30, tzinfo=VIETNAM_TZ)


def _variant(rng: random.Random, word: str) -> str:
    """``word`` as someone might type it: as is, decomposed (NFD), in capitals."""
    roll = rng.random()
    if roll < 0.2:
        return unicodedata.normalize("NFD", word)
    if roll < 0.3:
        return word.upper()
    return word


def _text(rng: random.Random, count: int) -> str:
    parts = [_variant(rng, rng.choice(_WORDS)) for _ in range(count)]
    return "".join(p + rng.choice(_GLUE) for p in parts).strip(" ") or "x"


def _random_submission(rng: random.Random, number: int) -> Submission:
    """A submission with random words, received on one of a few local days (some a
    minute either side of a local midnight), some in other organisations and states."""
    received = _START + dt.timedelta(days=rng.randint(0, 4),
                                     minutes=rng.choice((-31, -30, 0, 600, 1409)))
    return sample_submission(
        f"sub-{number:04d}", state=rng.choice(list(SubmissionState)),
        department=rng.choice((None, *_DEPARTMENTS)),
        due=None if rng.random() < 0.3 else dt.date(2021, 7, 1) + dt.timedelta(
            days=rng.randint(0, 5)),
        topic=_text(rng, rng.randint(1, 3)), content=_text(rng, rng.randint(1, 12)),
        received_at=received.astimezone(rng.choice((VIETNAM_TZ, dt.UTC))),
        updated_at=received, organisation_id=rng.choice(_ORGANISATIONS),
        tracking_code=tracking_code_from(f"contract-{number}"))


def _random_search(rng: random.Random) -> str:
    """One to three words, the last often cut short, typed in any variant."""
    words = [_variant(rng, rng.choice(_WORDS)) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        last = words[-1]
        words[-1] = last[:rng.randint(1, len(last))]
    return rng.choice((" ", "  ", ", ")).join(words)


def _random_query(rng: random.Random) -> SubmissionQuery:
    return SubmissionQuery(
        search=_random_search(rng),
        order_by=rng.choice(("id", "due", "received")),
        states=None if rng.random() < 0.6 else frozenset(
            rng.sample(list(SubmissionState), rng.randint(1, 3))),
        department=None if rng.random() < 0.7 else rng.choice(_DEPARTMENTS),
        organisations=None if rng.random() < 0.6 else frozenset(
            rng.sample(_ORGANISATIONS, rng.randint(1, 2))),
        due_on_or_before=None if rng.random() < 0.8 else dt.date(2021, 7, 3),
        overdue_as_of=None if rng.random() < 0.85 else dt.date(2021, 7, 4),
        limit=rng.choice((1, 2, 3, 1000)))


def _expected(records: list[Submission], query: SubmissionQuery) -> list[Submission]:
    """The reference: ``matches``, in ``sort_key`` order, at most ``limit``."""
    return sorted((s for s in records if query.matches(s)), key=query.sort_key)[:query.limit]


def _every_page(storage: Storage, query: SubmissionQuery) -> list[Submission]:
    seen: list[Submission] = []
    page_query = query
    while True:
        page = storage.find_submissions(page_query)
        seen += page
        if len(page) < page_query.limit or not page:
            return seen
        page_query = attrs.evolve(query, after=query.cursor(page[-1]))


class SearchContract:
    """Search and tracking codes (part of :class:`~dialogue_flow.testing.StorageContract`).

    The reference is :meth:`SubmissionQuery.matches` (words: :mod:`dialogue_flow._search`)
    and :meth:`SubmissionQuery.sort_key`.
    """

    #: Random searches checked (seeded: a failure names the query).
    searches = 300

    def test_random_searches_match_the_reference(self, storage: Storage) -> None:
        """Random searches, with random filters, orders and page sizes, find what the
        reference finds, in its order; ``count_submissions`` counts them all."""
        rng = _rng(16)
        records = [_random_submission(rng, n) for n in range(1, 81)]
        storage.commit(_new(*records))
        for _ in range(self.searches):
            query = _random_query(rng)
            _equal([s.id for s in _expected(records, query)],
                   [s.id for s in storage.find_submissions(query)], repr(query))
            _equal(sum(1 for s in records if query.within(s)),
                   storage.count_submissions(query), f"count of {query!r}")

    def test_search_pages_walk_every_match_once(self, storage: Storage) -> None:
        """Pages of a search in every order (``after`` = the last one's cursor) give each
        match once, in order."""
        rng = _rng(17)
        records = [_random_submission(rng, n) for n in range(1, 61)]
        storage.commit(_new(*records))
        for order in ("id", "due", "received"):
            for search in ("d", "dat", "Đất đ", "nuoc", "cau"):
                for size in (1, 2, 5):
                    query = SubmissionQuery(search=search, order_by=order, limit=size)
                    everything = attrs.evolve(query, limit=1000)
                    _equal([s.id for s in _expected(records, everything)],
                           [s.id for s in _every_page(storage, query)],
                           f"pages of {size} of {query!r}")

    def test_received_order_without_search(self, storage: Storage) -> None:
        """``order_by="received"`` alone: the most recently received first, pages and all."""
        rng = _rng(18)
        records = [_random_submission(rng, n) for n in range(1, 41)]
        storage.commit(_new(*records))
        query = SubmissionQuery(order_by="received", limit=3)
        _equal([s.id for s in _expected(records, attrs.evolve(query, limit=1000))],
               [s.id for s in _every_page(storage, query)], "pages by reception")

    def test_the_words_examples(self, storage: Storage) -> None:
        """The examples of the rule: case, diacritics and "đ" ignored; every word must
        match, whole, except the last, which may begin one."""
        land = sample_submission("sub-0001", topic="Tranh chấp ĐẤT ĐAI",
                                 content="Đề nghị cấp giấy chứng nhận.")
        water = sample_submission("sub-0002", topic="Nước sạch", content="Thôn Đông thiếu nước")
        storage.commit(_new(land, water))
        for search, found in (("dat dai", ["sub-0001"]), ("dat da", ["sub-0001"]),
                              ("đất", ["sub-0001"]), ("DAT", ["sub-0001"]),
                              ("da dai", []), ("chung nhan", ["sub-0001"]),
                              ("nuoc", ["sub-0002"]), ("d", ["sub-0001", "sub-0002"]),
                              ("thieu nuoc sach", ["sub-0002"]), ("nuoc dat", [])):
            _equal(found, [s.id for s in storage.find_submissions(
                SubmissionQuery(search=search))], f"search {search!r}")

    def test_search_sees_the_current_text_only(self, storage: Storage) -> None:
        """After an update, a matter is found by its new words, not its old ones."""
        first = sample_submission("sub-0001", topic="đất đai", content="Cấp giấy.")
        storage.commit(_new(first))
        _second, changes = _next(first, topic="môi trường", content="Rác thải.")
        storage.commit(changes)
        _equal([], storage.find_submissions(SubmissionQuery(search="dat")), "old words")
        _equal(["sub-0001"], [s.id for s in storage.find_submissions(
            SubmissionQuery(search="rac thai"))], "new words")

    # --- tracking codes ---------------------------------------------------------------------

    def test_a_submission_is_found_by_its_code(self, storage: Storage) -> None:
        """``get_submission_by_code`` gives the current version; records without a code
        (built outside the flow) may be many."""
        code = tracking_code_from("one")
        first = sample_submission("sub-0001", tracking_code=code)
        storage.commit(_new(first, sample_submission("sub-0002"),
                            sample_submission("sub-0003")))
        second, changes = _next(first, state=SubmissionState.ASSIGNED, department="Tư pháp")
        storage.commit(changes)
        _equal(second, storage.get_submission_by_code(code), "the current version")

    def test_an_unknown_code_is_not_found(self, storage: Storage) -> None:
        """A code no submission holds is NotFoundError naming it."""
        storage.commit(_new(sample_submission("sub-0001", tracking_code=tracking_code_from("a"))))
        code = tracking_code_from("b")
        error = _raises(NotFoundError, storage.get_submission_by_code, code)
        _equal(("submission", code), (error.kind, error.record_id), "error names it")

    def test_codes_are_unique(self, storage: Storage) -> None:
        """A commit writing a code another submission holds (stored, or in the same
        changeset) is a StorageError and writes nothing."""
        code = tracking_code_from("taken")
        holder = sample_submission("sub-0001", tracking_code=code)
        storage.commit(_new(holder))
        other = sample_submission("sub-0002")
        for changes in (
                _new(sample_submission("sub-0003", tracking_code=code)),
                _new(sample_submission("sub-0003"), attrs.evolve(other, tracking_code=code)),
                Changeset(((sample_submission("sub-0003", tracking_code=tracking_code_from(
                    "x")), 0), (sample_submission("sub-0004", tracking_code=tracking_code_from(
                        "x")), 0)), ())):
            _raises(StorageError, storage.commit, changes)
            _raises(NotFoundError, storage.get_submission, "sub-0003")
            _equal([], storage.history("submission", "sub-0003"), "no audit row")
        _equal(holder, storage.get_submission_by_code(code), "the holder keeps it")
        # Writing the holder again with its own code is no conflict.
        moved, changes = _next(holder, state=SubmissionState.ASSIGNED, department="Tư pháp")
        storage.commit(changes)
        _equal(moved, storage.get_submission_by_code(code), "after an update")
