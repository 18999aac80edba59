"""Schema 5 (issue 16) on a file written by the release before it: every submission gets
its folded search words and a tracking code of its own, and text columns stored in
decomposed form (NFD) by an old release become NFC, so search, lookups and report groups
work on old data as on new."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialogue_flow import SQLiteStorage, Submission, from_json, to_json
from dialogue_flow._tracking import tracking_code_from
from dialogue_flow.storage import SubmissionQuery, sql
from dialogue_flow.testing import sample_submission
from sqlite_support import dump, raw, versions

_TOPIC = "Đất đai"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "schema-4.db"


def _write_as_schema_4(db: Path, monkeypatch: pytest.MonkeyPatch,
                       rows: list[tuple[Submission, str]]) -> None:
    """A file at schema 4 holding ``rows`` (a record and its stored JSON) as the release
    before issue 16 wrote them: without the columns of schema 5."""
    with monkeypatch.context() as patched:
        patched.setattr(sql, "MIGRATIONS", sql.MIGRATIONS[:4])
        SQLiteStorage(db).close()
    table, columns = sql.RECORD_TABLES["submission"]
    old = columns[:columns.index("search_text")]
    with raw(db) as conn:
        for record, text in rows:
            values = list(sql.indexed_values(record, sql.SQLITE)[:len(old)])
            values[old.index("topic")] = _topic_in(text)
            conn.execute(f"INSERT INTO {table} (id, version, record, {', '.join(old)}) "  # noqa: S608
                         f"VALUES ({', '.join('?' * (3 + len(old)))})",
                         (record.id, record.version, text, *values))
        conn.commit()


def _topic_in(text: str) -> str:
    topic: str = json.loads(text)["topic"]
    return topic


def _decomposed(record: Submission) -> str:
    """``record``'s JSON with its topic in NFD, as an old release may have stored it."""
    return to_json(record).replace(_TOPIC, unicodedata.normalize("NFD", _TOPIC))


@pytest.fixture
def upgraded(db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SQLiteStorage]:
    composed = sample_submission("sub-0001", topic=_TOPIC)
    decomposed = sample_submission("sub-0002", topic=_TOPIC)
    other = sample_submission("sub-0003", topic="Môi trường", content="Rác thải")
    _write_as_schema_4(db, monkeypatch, [(composed, to_json(composed)),
                                         (decomposed, _decomposed(decomposed)),
                                         (other, to_json(other))])
    with SQLiteStorage(db) as storage:
        yield storage


class TestSchema5:
    def test_it_is_applied(self, db: Path, upgraded: SQLiteStorage) -> None:
        assert [*range(1, sql.SCHEMA_VERSION + 1)] == versions(db)
        assert 5 <= sql.SCHEMA_VERSION

    def test_every_old_submission_gets_a_code_that_finds_it(
            self, upgraded: SQLiteStorage) -> None:
        subs = upgraded.find_submissions(SubmissionQuery())
        codes = {s.tracking_code for s in subs}
        assert None not in codes
        assert 3 == len(codes)
        for s in subs:
            assert s == upgraded.get_submission_by_code(str(s.tracking_code))

    def test_old_submissions_are_found_by_their_words(self, upgraded: SQLiteStorage) -> None:
        """The one stored decomposed too."""
        assert ["sub-0001", "sub-0002"] == [
            s.id for s in upgraded.find_submissions(SubmissionQuery(search="dat dai"))]
        assert ["sub-0003"] == [
            s.id for s in upgraded.find_submissions(SubmissionQuery(search="rac"))]

    def test_a_topic_stored_decomposed_is_no_report_group_of_its_own(
            self, upgraded: SQLiteStorage) -> None:
        """Regression (issue 16): NFC and NFD topics were counted apart in reports."""
        [s] = upgraded.find_submissions(SubmissionQuery(limit=1))
        day = s.received_at.date()
        groups = upgraded.report_inputs(day, day).groups
        assert {_TOPIC: 2, "Môi trường": 1} == {g[1]: g[4] for g in groups}

    def test_the_json_is_rewritten_in_nfc_with_the_code(self, db: Path,
                                                        upgraded: SQLiteStorage) -> None:
        """Without a new version or an audit row: nothing happened to the matter."""
        upgraded.close()
        with raw(db) as conn:
            rows = conn.execute("SELECT id, version, record FROM submissions").fetchall()
        for record_id, version, text in rows:
            assert (1, text) == (version, to_json(from_json(Submission, text))), record_id
            assert unicodedata.is_normalized("NFC", text)

    def test_opening_again_changes_nothing(self, db: Path, upgraded: SQLiteStorage) -> None:
        upgraded.close()
        before = dump(db)
        SQLiteStorage(db).close()
        assert before == dump(db)


def test_a_record_that_cannot_be_read_is_left_as_it_was(
        db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """One corrupt row does not stop the upgrade (nor the file from opening): it keeps its
    text, without a code, and the warning names it."""
    good = sample_submission("sub-0001")
    broken = sample_submission("sub-0002")
    _write_as_schema_4(db, monkeypatch, [(good, to_json(good)),
                                         (broken, to_json(broken).replace('"version":1',
                                                                          '"version":"x"'))])
    with caplog.at_level(logging.WARNING), SQLiteStorage(db) as storage:
        assert storage.get_submission("sub-0001").tracking_code is not None
    assert "sub-0002" in caplog.text
    with raw(db) as conn:
        assert [("sub-0002", None)] == conn.execute(
            "SELECT id, tracking_code FROM submissions WHERE id = 'sub-0002'").fetchall()


def test_codes_drawn_twice_are_drawn_again(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At two million submissions about one upgrade in thirteen draws a code twice: the
    repeats are drawn again before the unique index is built."""
    records = [sample_submission(f"sub-{n:04d}") for n in range(1, 6)]
    _write_as_schema_4(db, monkeypatch, [(r, to_json(r)) for r in records])
    draws = iter([tracking_code_from("same")] * 4 + [tracking_code_from(str(n))
                                                      for n in range(100)])
    monkeypatch.setattr(sql, "new_tracking_code", lambda: next(draws))
    with SQLiteStorage(db) as storage:
        codes = [s.tracking_code for s in storage.find_submissions(SubmissionQuery())]
    assert None not in codes
    assert 5 == len(set(codes))
    assert tracking_code_from("same") in codes
