"""Argument checks and record building for the façade's commands.

Every command rejects bad input before anything is written: these helpers turn a wrong type,
a blank text or a validator's complaint into :class:`InvalidInputError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import enum
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ._errors import InvalidInputError, InvalidTransitionError
from ._lifecycle import Lifecycle
from ._reception_records import ReceptionDay
from ._records import Actor, Dialogue, Submission
from ._validators import FREE, check_text

T = TypeVar("T")
_A = TypeVar("_A", Dialogue, Submission, ReceptionDay)
_S = TypeVar("_S", bound=enum.Enum)
Record = Dialogue | Submission | ReceptionDay



def _check_actor(actor: object) -> Actor:
    if not isinstance(actor, Actor):
        raise InvalidInputError("actor", f"expected a dialogue_flow.Actor, got {actor!r}")
    return actor


def _check_text(field: str, value: object) -> None:
    """A command's text argument: the rules of a record's text fields (no control
    characters, no lone surrogates), checked before anything is read or decided."""
    check_text(field, value, FREE)


def _require(lifecycle: Lifecycle, record: Record, event: str) -> None:
    """Refuse an event the record's state does not allow, before checks that presume it."""
    allowed = lifecycle.allowed(record.state)
    if event not in allowed:
        raise InvalidTransitionError(lifecycle.kind, record.id, str(record.state), event,
                                     allowed)


def _check_id(field: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        # The type only, never a record's printout: a Submission passed by mistake would
        # put the citizen's own words into the message.
        got = repr(value) if isinstance(value, str) or value is None else type(value).__name__
        raise InvalidInputError(field, f"expected a record id (str), got {got}")


def _check_bool(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(field, f"expected True or False, got {value!r}")


def _check_count(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(field, f"expected a whole number >= 1, got {value!r}")


def _check_whole(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(field, f"expected a whole number >= 0, got {value!r}")
    return value


def _check_date(field: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        hint = " (use .date() for a datetime)" if isinstance(value, dt.datetime) else ""
        raise InvalidInputError(field, f"expected a datetime.date, got {value!r}{hint}")
    return value


def _opt_date(field: str, value: object) -> dt.date | None:
    return None if value is None else _check_date(field, value)


def _enum_arg(field: str, cls: type[Any], value: object) -> Any:
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(m.value for m in cls)
        raise InvalidInputError(field, f"{value!r} is not one of: {choices}") from None


def _names(field: str, values: object) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidInputError(field, "expected a list of names (not a single string)")
    names = tuple(values)
    for name in names:
        _check_text(field, name)
    return names


def _renamed(old: str, old_value: T | None, new: str, new_value: T | None) -> T | None:
    """The value of an argument renamed from ``old`` to ``new`` (a deprecation alias kept for
    one release): ``old`` still works, with a :class:`DeprecationWarning`; both is an error."""
    if old_value is None:
        return new_value
    if new_value is not None:
        raise InvalidInputError(new, f"{old}= is the old name of {new}=; pass {new}= only")
    warnings.warn(f"{old}= is deprecated, use {new}=", DeprecationWarning, stacklevel=3)
    return old_value


def _build(cls: type[T], **fields: Any) -> T:
    """Build a record; a validator's complaint is already an :class:`InvalidInputError`
    naming the field, anything else (a missing argument) becomes one."""
    try:
        return cls(**fields)
    except InvalidInputError:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(cls.__name__, str(exc)) from None


def _replace(record: _A, changes: Mapping[str, Any]) -> _A:
    """``attrs.evolve`` turning a converter's or validator's complaint into
    :class:`InvalidInputError`, as :func:`_build` does."""
    try:
        return attrs.evolve(record, **changes)
    except InvalidInputError:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(type(record).__name__, str(exc)) from None


def _states(cls: type[_S], state: object) -> frozenset[_S] | None:
    """A query's ``state`` argument (one state, a name, or several) as a set of members."""
    if state is None:
        return None
    single = isinstance(state, str) or not isinstance(state, Iterable)
    many = [state] if single else list(state)  # type: ignore[call-overload]
    return frozenset(_enum_arg("state", cls, x) for x in many)
