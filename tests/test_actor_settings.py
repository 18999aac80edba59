"""The settings file's ``[[actor]]`` tables (issue 19): who logs in to a host, where and in
which role; a password hash is kept as given and never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue_flow import ConfigurationError, Role
from dialogue_flow._settings import read_settings

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def _read(tmp_path: Path, text: str) -> object:
    path = tmp_path / "dialogue-flow.toml"
    path.write_text(text, encoding="utf-8")
    return read_settings(path)


def test_actors_with_their_logins(tmp_path: Path) -> None:
    settings = _read(tmp_path, f"""
[[organisation]]
id = "xa-a"
name = "Đảng ủy xã A"
level = "commune"

[[actor]]
id = "vp.xa-a"
name = "Văn phòng Đảng ủy xã A"
role = "office"
organisation = "xa-a"
login = "vanphong"
password_hash = "{HASH}"

[[actor]]
id = "dc.xa-a"
name = "Cán bộ địa chính"
role = "department"
department = "Địa chính"
organisation = "xa-a"
""")
    office, land = settings.actors  # type: ignore[attr-defined]
    assert ("vanphong", HASH) == (office.login, office.password_hash)
    assert (Role.OFFICE, "xa-a") == (office.actor.role, office.actor.organisation_id)
    assert ("dc.xa-a", None, "Địa chính") == (land.login, land.password_hash,
                                             land.actor.department)
    assert HASH not in repr(office)


@pytest.mark.parametrize(("table", "complaint"), [
    ('id = "a"\nname = "A"\n', "role is missing"),
    ('id = "a"\nname = "A"\nrole = "boss"\n', "expected one of chair, office"),
    ('id = "a b"\nname = "A"\nrole = "office"\n', "Actor.id"),
    ('id = "a"\nname = "A"\nrole = "department"\n', "must name it"),
    ('id = "a"\nname = "A"\nrole = "office"\nseal = 1\n', "unknown key [[actor]] #1 'seal'"),
    ('id = "a"\nname = "A"\nrole = "office"\npassword_hash = 5\n',
     "password_hash: expected the hash of their password"),
    ('id = "a"\nname = "A"\nrole = "office"\norganisation = "elsewhere"\n',
     "acts in 'elsewhere', which is not one of the file's organisations"),
])
def test_a_bad_actor_names_what_is_wrong(tmp_path: Path, table: str, complaint: str) -> None:
    tree = '[[organisation]]\nid = "xa-a"\nname = "Đảng ủy xã A"\nlevel = "commune"\n'
    with pytest.raises(ConfigurationError, match=complaint.replace("[", r"\[").replace(
            "]", r"\]")):
        _read(tmp_path, f"{tree}\n[[actor]]\n{table}")


def test_an_id_or_login_given_twice(tmp_path: Path) -> None:
    one = 'id = "a"\nname = "A"\nrole = "office"\n'
    with pytest.raises(ConfigurationError, match="the id 'a' is given twice"):
        _read(tmp_path, f"[[actor]]\n{one}\n[[actor]]\n{one}")
    with pytest.raises(ConfigurationError, match="the login 'x' is given twice"):
        _read(tmp_path, f'[[actor]]\n{one}login = "x"\n[[actor]]\nid = "b"\nname = "B"\n'
                        'role = "chair"\nlogin = "x"\n')


def test_a_hash_never_appears_in_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _read(tmp_path, f'[[actor]]\nid = "a"\nname = "A"\nrole = "nobody"\n'
                        f'password_hash = "{HASH}"\n')
    assert HASH not in str(caught.value)
