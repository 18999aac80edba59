"""A petitioner without identity (issue 17): withheld from a reader, or erased."""

from __future__ import annotations

import pytest
from hypothesis import given

from dialogue_flow import InvalidInputError, Petitioner, Redaction, from_json, to_json
from strategies import petitioners


@given(petitioners())
def test_redacted_keeps_source_and_group_only(p: Petitioner) -> None:
    for why in Redaction:
        r = p.redacted(why)
        assert r.redaction is why
        assert r.source == p.source
        assert (r.name, r.address, r.phone, r.email, dict(r.contacts)) == (None,) * 4 + ({},)
        assert (r.group, r.members) == (p.group, p.members)
        assert from_json(Petitioner, to_json(r)) == r


def test_a_redacted_petitioner_holds_no_identity() -> None:
    with pytest.raises(InvalidInputError, match="holds no name"):
        Petitioner("Nguyễn Văn A", redaction="erased", redacted_source="person")
    with pytest.raises(InvalidInputError, match="redacted_source"):
        Petitioner(redaction="erased", redacted_source="someone")
    with pytest.raises(InvalidInputError, match="only a redacted"):
        Petitioner(redacted_source="person")
    with pytest.raises(InvalidInputError, match="withheld, erased"):
        Petitioner(redaction="hidden", redacted_source="person")


def test_an_erased_person_still_counts_as_a_person() -> None:
    erased = Petitioner("Nguyễn Văn A", phone="0912345678").redacted("erased")
    assert erased.source == "person"
    assert erased.redaction is Redaction.ERASED
    assert Petitioner.anonymous().redacted(Redaction.WITHHELD).source == "anonymous"
