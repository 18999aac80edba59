"""What the web host needs to run: :class:`WebConfig` and its :class:`User` records, built by
hand or from a settings file's ``[[actor]]`` tables (:func:`config_from_settings`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from dialogue_flow import Actor, ConfigurationError, InvalidInputError

from ._words import LANGUAGES

if TYPE_CHECKING:
    from dialogue_flow import DialogueFlow

__all__ = ["SECRET_ENV_VAR", "User", "WebConfig", "config_from_settings", "users_from_actors"]

#: The environment variable holding the key that signs the session cookies.
SECRET_ENV_VAR = "DIALOGUE_FLOW_SECRET_KEY"  # noqa: S105 - a variable name, not a key

#: Shorter keys are refused: the key is all that stops a forged session cookie.
MIN_SECRET_LENGTH = 32


def _password_hash(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.startswith("$argon2"):
        raise InvalidInputError(f"User.{attribute.name}",
                                "expected an argon2 hash ($argon2id$...); make one with "
                                "`python -m dialogue_flow_web hash-password`")


@attrs.frozen
class User:
    """Someone who logs in: the :class:`~dialogue_flow.Actor` they act as (role and
    organisation, which the library's role policy checks on every command) and the argon2
    hash of their password (never the password)."""

    actor: Actor = attrs.field(validator=attrs.validators.instance_of(Actor))
    password_hash: str = attrs.field(validator=_password_hash, repr=False)


def _users(value: object) -> Mapping[str, User]:
    if not isinstance(value, Mapping):
        raise InvalidInputError("WebConfig.users", "expected a mapping {login: User}")
    for login, user in value.items():
        if not isinstance(login, str) or not login.strip() or len(login) > 64:
            raise InvalidInputError("WebConfig.users", f"{login!r} is not a login "
                                    "(1-64 characters)")
        if not isinstance(user, User):
            raise InvalidInputError("WebConfig.users", f"the user {login!r} is not a User")
    return dict(value)


def _secret(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
        raise InvalidInputError("WebConfig.secret_key", f"expected at least "
                                f"{MIN_SECRET_LENGTH} characters of random text, e.g. "
                                "python -c 'import secrets; print(secrets.token_urlsafe())'")


def _positive(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInputError(f"WebConfig.{attribute.name}", "expected a whole number >= 1")


def _language(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in LANGUAGES:
        raise InvalidInputError("WebConfig.language", f"expected one of {', '.join(LANGUAGES)}")


@attrs.frozen
class WebConfig:
    """The web host's settings; :func:`~dialogue_flow_web.create_app` serves them."""

    #: Opens the flow the host serves. Called once, on the first request: the flow (and
    #: its storage) is shared by every request and closed when the server stops. SQLite
    #: and memory storages guard every statement with a lock, so one flow serves the
    #: server's threads (commands run one at a time, as SQLite writers do anyway).
    open_flow: Callable[[], DialogueFlow]
    #: Who may log in: ``{login: User}``.
    users: Mapping[str, User] = attrs.field(converter=_users)
    #: Signs the session cookies; at least 32 characters of random text.
    secret_key: str = attrs.field(validator=_secret, repr=False)
    #: Citizen lookups per client address per minute (a sliding window).
    lookups_per_minute: int = attrs.field(default=10, validator=_positive)
    #: Failed log-ins per client address per minute (a sliding window): past it, HTTP 429
    #: without checking the password, so guessing costs the guesser time, not the server.
    #: Successful log-ins are not counted: a whole office behind one address starts its day.
    logins_per_minute: int = attrs.field(default=10, validator=_positive)
    #: The screens' language until a user switches (``vi`` or ``en``).
    language: str = attrs.field(default="vi", validator=_language)
    #: "Due soon" on the dashboard: due within this many working days.
    due_soon_days: int = attrs.field(default=5, validator=_positive)
    #: Send the session cookie over HTTPS only (behind a TLS proxy: set it).
    https_only: bool = False


def users_from_actors(entries: Iterable[Any]) -> dict[str, User]:
    """The users of a settings file's ``[[actor]]`` entries (``Settings.actors``: each an
    ``ActorEntry`` with its ``actor``, ``login`` and ``password_hash``; an entry giving the
    actor's fields instead, id, name, role, organisation and department, is read too). An
    entry without a hash cannot log in and is left out.

    :raises ConfigurationError: a login twice, or an entry that is not a valid actor or
        whose hash is not an argon2 hash (never quoting the hash).
    """
    users: dict[str, User] = {}
    for entry in entries:
        login = getattr(entry, "login", None)
        password_hash = getattr(entry, "password_hash", None)
        if not login or not password_hash:
            continue
        if login in users:
            raise ConfigurationError(f"[[actor]]: the login {login!r} is given twice")
        try:
            actor = getattr(entry, "actor", None)
            if not isinstance(actor, Actor):
                actor = Actor(entry.id, entry.name, entry.role,
                              getattr(entry, "department", None),
                              organisation_id=getattr(entry, "organisation", None)
                              or "default")
            users[login] = User(actor, password_hash)
        except InvalidInputError as exc:
            raise ConfigurationError(f"[[actor]] with login {login!r}: {exc}") from None
    return users


def config_from_settings(path: str | os.PathLike[str], *, storage: str | None = None,
                         lookups_per_minute: int = 10, logins_per_minute: int = 10,
                         secret_key: str | None = None) -> WebConfig:
    """The :class:`WebConfig` of a settings file: its flow (``storage`` replaces the file's
    storage URL), its ``[[actor]]`` users, its language; the key from ``secret_key``, else
    :data:`SECRET_ENV_VAR`, else a random one (sessions then end when the server stops).

    :raises ConfigurationError: the file is not valid, or no actor in it can log in.
    """
    from dialogue_flow import DialogueFlow, read_settings  # noqa: PLC0415 - when serving

    settings = read_settings(path)
    users = users_from_actors(getattr(settings, "actors", ()))
    if not users:
        raise ConfigurationError(f"{path}: no [[actor]] with a login and a password_hash; "
                                 "nobody could log in (make a hash with `python -m "
                                 "dialogue_flow_web hash-password`)")
    key = secret_key or os.environ.get(SECRET_ENV_VAR) or secrets.token_urlsafe(32)
    file = Path(path)

    def open_flow() -> DialogueFlow:
        return DialogueFlow.from_config(file, storage=storage)

    language = settings.language if settings.language in LANGUAGES else "vi"
    return WebConfig(open_flow=open_flow, users=users, secret_key=key,
                     lookups_per_minute=lookups_per_minute,
                     logins_per_minute=logins_per_minute, language=language)
