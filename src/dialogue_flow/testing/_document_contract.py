"""The issued documents of :class:`~dialogue_flow.testing.StorageContract` (issue 18): every
backend numbers them alike, per organisation, series and year, and never twice."""

from __future__ import annotations

import datetime as dt
import threading

from dialogue_flow import InvalidInputError
from dialogue_flow._document_records import SERIES, SUBJECT_KINDS, DocumentKind, IssuedDocument
from dialogue_flow.storage import Storage

from ._support import _equal, _raises, _true

#: Threads issuing at once in the race test (PostgreSQL: one pooled connection each).
_THREADS = 8
_EACH = 5
_WAIT = 60  # seconds: a thread that never finishes is a failure, not a hang


def _doc(kind: str = "announcement", subject: str = "dlg-0001", *,
         organisation: str = "xa-a", on: dt.date = dt.date(2021, 6, 3),
         by: str = "office-1") -> IssuedDocument:
    member = DocumentKind(kind)
    return IssuedDocument(organisation, member, SERIES[member], on.year, 0,
                          SUBJECT_KINDS[member], subject, on, by)


class DocumentContract:
    """Issued-document tests of :class:`~dialogue_flow.testing.StorageContract` (which
    inherits them; a backend runs the whole contract, not this part)."""

    def test_a_new_store_has_no_document(self, storage: Storage) -> None:
        """Nothing issued yet."""
        _equal([], storage.documents(), "documents")

    def test_numbers_count_from_one_per_organisation_series_and_year(
            self, storage: Storage) -> None:
        """TB, CV and BC count apart; so do organisations and years; an announcement and a
        conclusion notice share TB."""
        issued = [
            storage.issue_document(_doc("announcement", "dlg-0001")),
            storage.issue_document(_doc("conclusion_notice", "dlg-0001")),
            storage.issue_document(_doc("answer", "sub-0001")),
            storage.issue_document(_doc("announcement", "dlg-0002")),
            storage.issue_document(_doc("report", "2021-H1")),
            storage.issue_document(_doc("announcement", "dlg-0003", organisation="xa-b")),
            storage.issue_document(_doc("announcement", "dlg-0004", on=dt.date(2022, 1, 2))),
            storage.issue_document(_doc("answer", "sub-0002")),
        ]
        _equal([("TB", 1), ("TB", 2), ("CV", 1), ("TB", 3), ("BC", 1), ("TB", 1), ("TB", 1),
                ("CV", 2)], [(d.series, d.number) for d in issued], "series and numbers")
        _equal(issued, storage.documents(), "documents, in issue order")

    def test_a_document_reads_back_equal(self, storage: Storage) -> None:
        """Every field comes back as issued, with its number."""
        issued = storage.issue_document(_doc("report", "2021-H1:subtree", by="chair-1"))
        _equal(1, issued.number, "number")
        _equal([issued], storage.documents(subject_id="2021-H1:subtree"), "read back")

    def test_the_same_subject_again_is_a_reprint(self, storage: Storage) -> None:
        """The document already issued comes back, number and day as recorded."""
        first = storage.issue_document(_doc())
        again = storage.issue_document(_doc(on=dt.date(2021, 6, 9), by="chair-1"))
        _equal(first, again, "reprint")
        _equal([first], storage.documents(), "documents")

    def test_a_reissue_takes_a_new_number_and_the_old_one_stays_used(
            self, storage: Storage) -> None:
        """The reissue is the next number; the next document the one after; a reprint
        then returns the reissue."""
        first = storage.issue_document(_doc())
        reissued = storage.issue_document(_doc(), reissue=True)
        other = storage.issue_document(_doc(subject="dlg-0002"))
        _equal((1, 2, 3), (first.number, reissued.number, other.number), "numbers")
        _equal(reissued, storage.issue_document(_doc()), "a reprint after a reissue")
        _equal([first, reissued, other], storage.documents(), "all three kept")

    def test_documents_are_filtered(self, storage: Storage) -> None:
        """By organisation, subject and kind, together."""
        a = storage.issue_document(_doc("announcement", "dlg-0001"))
        b = storage.issue_document(_doc("conclusion_notice", "dlg-0001"))
        c = storage.issue_document(_doc("announcement", "dlg-0001", organisation="xa-b"))
        _equal([a, b], storage.documents(organisation_id="xa-a"), "of an organisation")
        _equal([a, b, c], storage.documents(subject_id="dlg-0001"), "of a subject")
        _equal([a, c], storage.documents(kind="announcement"), "of a kind")
        _equal([b], storage.documents(organisation_id="xa-a",
                                      kind=DocumentKind.CONCLUSION_NOTICE), "both")
        _equal([], storage.documents(subject_id="dlg-0002"), "none")

    def test_bad_arguments_are_refused(self, storage: Storage) -> None:
        """Not a document, a reissue that is not a bool, a bad filter: nothing written."""
        _raises(InvalidInputError, storage.issue_document, "TB 1")
        _raises(InvalidInputError, storage.issue_document, _doc(), reissue="yes")
        _raises(InvalidInputError, lambda: storage.documents(kind="minutes"))
        _raises(InvalidInputError, lambda: storage.documents(organisation_id="xa a"))
        _equal([], storage.documents(), "nothing issued")

    def test_threads_issuing_at_once_get_distinct_consecutive_numbers(
            self, storage: Storage) -> None:
        """Several threads issue into one sequence at once (PostgreSQL: through several
        connections): numbers 1..n, each once; and one subject raced by every thread gets
        one document."""
        start = threading.Barrier(_THREADS)
        numbers: list[int] = []
        shared: list[IssuedDocument] = []
        errors: list[BaseException] = []
        guard = threading.Lock()

        def issue(thread: int) -> None:
            try:
                start.wait(_WAIT)
                mine = [storage.issue_document(_doc("answer", f"sub-{thread}-{n}")).number
                        for n in range(_EACH)]
                same = storage.issue_document(_doc("answer", "sub-shared"))
                with guard:
                    numbers.extend(mine)
                    shared.append(same)
            except BaseException as exc:  # noqa: BLE001 - reported below
                with guard:
                    errors.append(exc)

        threads = [threading.Thread(target=issue, args=(n,), daemon=True)
                   for n in range(_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(_WAIT)
        _equal([], errors, "errors")
        _true(len(shared) == _THREADS, "a thread did not finish")
        _equal(1, len(set(shared)), "one document for the subject every thread issued")
        every = sorted([*numbers, shared[0].number])
        _equal(list(range(1, _THREADS * _EACH + 2)), every, "numbers 1..n, each once")
        _equal(every, sorted(d.number for d in storage.documents()), "as stored")
