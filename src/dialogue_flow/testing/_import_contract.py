"""The storage contract for the keys of imported register rows (issue 18): recorded in the
commit of the submissions made of them, per organisation, each key once."""

from __future__ import annotations

from dialogue_flow import InvalidInputError, NotFoundError, VersionConflictError
from dialogue_flow.storage import Changeset, ImportKey, Storage

from ._fakes import sample_submission, sample_transition
from ._support import _equal, _raises


def _imported(storage: Storage, organisation: str, *pairs: tuple[str, str]) -> None:
    """Commit a submission per ``(key, submission id)`` with its key, as an import does."""
    subs = [sample_submission(sid, organisation_id=organisation) for _key, sid in pairs]
    storage.commit(Changeset(tuple((s, 0) for s in subs),
                             tuple(sample_transition(s, event="import") for s in subs),
                             import_keys=tuple(ImportKey(organisation, key, sid)
                                               for key, sid in pairs)))


class ImportKeyContract:
    """``Changeset.import_keys`` and ``Storage.import_keys``."""

    def test_keys_read_back_with_their_submissions(self, storage: Storage) -> None:
        """The keys asked for that are held, each with its submission; others left out."""
        _imported(storage, "xa-mot", ("2021:1", "sub-0001"), ("2021:2", "sub-0002"))
        _equal({"2021:1": "sub-0001", "2021:2": "sub-0002"},
               storage.import_keys("xa-mot", ["2021:1", "2021:2", "2021:3"]), "held")
        _equal({}, storage.import_keys("xa-mot", []), "none asked")

    def test_keys_belong_to_one_organisation(self, storage: Storage) -> None:
        """The same key in two organisations is two keys (two registers, both numbered 1)."""
        _imported(storage, "xa-mot", ("2021:1", "sub-0001"))
        _imported(storage, "xa-hai", ("2021:1", "sub-0002"))
        _equal({"2021:1": "sub-0002"}, storage.import_keys("xa-hai", ["2021:1"]), "xa-hai")
        _equal({}, storage.import_keys("xa-ba", ["2021:1"]), "another organisation")

    def test_a_key_held_fails_the_whole_commit(self, storage: Storage) -> None:
        """A key the organisation holds (another import of the row committed first) is a
        conflict of kind ``import_key``; nothing of that commit is written."""
        _imported(storage, "xa-mot", ("2021:1", "sub-0001"))
        error = _raises(VersionConflictError, _imported, storage, "xa-mot",
                        ("2021:2", "sub-0002"), ("2021:1", "sub-0003"))
        _equal("import_key", error.kind, "kind")
        _raises(NotFoundError, storage.get_submission, "sub-0002")
        _equal({}, storage.import_keys("xa-mot", ["2021:2"]), "no key of the failed commit")
        _equal({"2021:1": "sub-0001"}, storage.import_keys("xa-mot", ["2021:1"]), "kept")

    def test_a_stored_id_among_many_new_submissions_is_named(self, storage: Storage) -> None:
        """An import's commit of many new submissions, one of them stored already: a
        version conflict naming that one, and nothing of the commit is written."""
        _imported(storage, "xa-mot", ("2021:9", "sub-0009"))
        pairs = [(f"2022:{n}", f"sub-{n:04d}") for n in range(5, 14)]
        error = _raises(VersionConflictError, _imported, storage, "xa-mot", *pairs)
        _equal(("submission", "sub-0009", 0, 1),
               (error.kind, error.record_id, error.expected, error.actual), "the conflict")
        _raises(NotFoundError, storage.get_submission, "sub-0005")
        _raises(NotFoundError, storage.get_submission, "sub-0013")
        _equal({}, storage.import_keys("xa-mot", [key for key, _sid in pairs]), "no key")
        _equal([1], [r.version for r in storage.history("submission", "sub-0009")],
               "the stored one's history alone")

    def test_many_keys_are_looked_up_at_once(self, storage: Storage) -> None:
        """A register of thousands of rows is looked up in one call."""
        pairs = [(f"sha256:{n:064x}", f"sub-{n:05d}") for n in range(1200)]
        _imported(storage, "xa-mot", *pairs)
        asked = [key for key, _sid in pairs] + [f"2021:{n}" for n in range(300)]
        _equal(dict(pairs), storage.import_keys("xa-mot", asked), "held")

    def test_lookup_arguments_are_checked(self, storage: Storage) -> None:
        """A bare string for the keys is refused (it would be read letter by letter)."""
        _raises(InvalidInputError, storage.import_keys, "xa-mot", "2021:1")
        _raises(InvalidInputError, storage.import_keys, "", ["2021:1"])
