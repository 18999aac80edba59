"""Argument checks and record building for the façade's commands.

Every command rejects bad input before anything is written: these helpers turn a wrong type,
a blank text or a validator's complaint into :class:`InvalidInputError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ._errors import InvalidInputError, InvalidTransitionError
from ._lifecycle import Lifecycle
from ._records import Actor, Dialogue, Submission

T = TypeVar("T")
_S = TypeVar("_S", bound=enum.Enum)
Record = Dialogue | Submission

#: The largest page a query returns; `after` pages further.
MAX_PAGE = 10_000


def _check_actor(actor: object) -> None:
    if not isinstance(actor, Actor):
        raise InvalidInputError("actor", f"expected a dialogue_flow.Actor, got {actor!r}")


def _check_text(field: str, value: object) -> None:
    if not isinstance(value, str):
        raise InvalidInputError(field, f"expected text, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(field, "must not be blank")


def _require(lifecycle: Lifecycle, record: Record, event: str) -> None:
    """Refuse an event the record's state does not allow, before checks that presume it."""
    allowed = lifecycle.allowed(record.state)
    if event not in allowed:
        raise InvalidTransitionError(lifecycle.kind, record.id, str(record.state), event,
                                     allowed)


def _check_id(field: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(field, f"expected a record id (str), got {value!r}")


def _check_bool(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(field, f"expected True or False, got {value!r}")


def _check_count(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(field, f"expected a whole number >= 1, got {value!r}")


def _check_limit(value: object) -> int:
    _check_count("limit", value)
    assert isinstance(value, int)  # noqa: S101 - narrowed by _check_count
    if value > MAX_PAGE:
        raise InvalidInputError("limit", f"at most {MAX_PAGE} per page; use `after` to page")
    return value


def _check_date(field: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        hint = " (use .date() for a datetime)" if isinstance(value, dt.datetime) else ""
        raise InvalidInputError(field, f"expected a datetime.date, got {value!r}{hint}")
    return value


def _opt_date(field: str, value: object) -> dt.date | None:
    return None if value is None else _check_date(field, value)


def _enum_arg(field: str, cls: type[Any], value: object) -> Any:
    if value.__class__ is cls:  # a member already: skip Enum.__call__ (~0.7 µs)
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


def _build(cls: type[T], **fields: Any) -> T:
    """Build a record, turning a validator's complaint into :class:`InvalidInputError`."""
    try:
        return cls(**fields)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(cls.__name__, str(exc)) from None


#: (cls, changed field names) -> a generated function that builds the evolved record
_EVOLVERS: dict[tuple[type, tuple[str, ...]], Callable[[Any, Mapping[str, Any]], Any]] = {}


def _replace(record: T, changes: Mapping[str, Any]) -> T:
    """``attrs.evolve`` that converts and validates the changed fields only.

    The other fields were validated when ``record`` was built; pushing all of them through
    ``__init__`` again (after ``attrs.asdict``) was the largest cost of an event. The work
    is done by a function generated once per (class, changed field names), as attrs
    generates ``__init__``: it copies each slot through its descriptor and converts and
    validates only what changed (2 µs instead of 6 for a submission). A converter or
    validator complaint becomes :class:`InvalidInputError`, as in :func:`_build`; an
    unknown field name is a bug and raises ``KeyError``.
    """
    cls = type(record)
    key = (cls, tuple(changes))
    evolve = _EVOLVERS.get(key)
    if evolve is None:
        if len(_EVOLVERS) >= 256:  # call sites are few; never grow without bound
            _EVOLVERS.clear()
        evolve = _EVOLVERS[key] = _evolver(cls, key[1])
    try:
        new: T = evolve(record, changes)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(cls.__name__, str(exc)) from None
    return new


def _evolver(cls: type, changed: tuple[str, ...]) -> Callable[[Any, Mapping[str, Any]], Any]:
    """Generate ``evolve(old, changes)`` for ``cls`` (an attrs class) and ``changed``."""
    by_name = {a.name: a for a in attrs.fields(cls)}
    for name in changed:
        if name not in by_name:
            raise KeyError(name)
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls,
                             "_setattr": object.__setattr__}
    lines = ["def evolve(old, changes):", "    new = _new(_cls)"]
    for i, (name, a) in enumerate(by_name.items()):
        slot: Any = cls.__dict__.get(name)
        if type(slot).__name__ == "member_descriptor":  # a slot: set it directly
            scope[f"_s{i}"] = slot.__set__
            put = f"_s{i}(new, {{}})"
        else:  # pragma: no cover - every record class is slotted
            put = f"_setattr(new, {name!r}, {{}})"
        if name not in changed:
            lines.append("    " + put.format(f"old.{name}"))
            continue
        value = f"changes[{name!r}]"
        if a.converter is not None:
            scope[f"_c{i}"] = a.converter
            value = f"_c{i}({value})"
        lines.append("    " + put.format(value))
    for i, (name, a) in enumerate(by_name.items()):
        if name in changed and a.validator is not None:
            scope[f"_v{i}"], scope[f"_a{i}"] = a.validator, a
            lines.append(f"    _v{i}(new, _a{i}, new.{name})")
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    new.__attrs_post_init__()")
    lines.append("    return new")
    exec("\n".join(lines), scope)  # noqa: S102 - generated from the class's own fields
    evolve: Callable[[Any, Mapping[str, Any]], Any] = scope["evolve"]
    return evolve


def _trusted(cls: type[T]) -> Callable[..., T]:
    """A constructor for the attrs class ``cls`` that takes every field, in order, and runs
    no converter and no validator.

    Only for records rebuilt from values that already passed them: an audit row or an
    outbox notification read back from its stored form (``_storage._stored_row``), which
    was made from a record that passed its validators (its id, version, state and instant
    were checked then). attrs' own ``__init__`` sets each frozen slot through
    ``object.__setattr__`` and calls the validators: 2.5 µs for a TransitionRecord, three
    times this. Generated once per class, like ``__init__``.
    """
    names = [a.name for a in attrs.fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    new = _new(_cls)"]
    for i, name in enumerate(names):
        slot: Any = cls.__dict__.get(name)
        if type(slot).__name__ != "member_descriptor":  # pragma: no cover - all slotted
            raise TypeError(f"{cls.__name__}.{name} is not a slot")
        scope[f"_s{i}"] = slot.__set__
        lines.append(f"    _s{i}(new, {name})")
    lines.append("    return new")
    exec("\n".join(lines), scope)  # noqa: S102 - generated from the class's own fields
    make: Callable[..., T] = scope["make"]
    return make


def _row(record: Record, event: str, source: str | None, actor: Actor, now: dt.datetime,
         reason: str | None = None, details: Mapping[str, str] | None = None,
         ) -> tuple[Any, ...]:
    """The audit row of ``record``'s new version, in its stored form: the fields of
    :class:`TransitionRecord` in order, the details' keys and values after them
    (``_storage._row_tuple`` of the record this stands for; a test pins that they agree).

    Every value comes from a record that passed its validators (``now`` is its
    ``updated_at``), so nothing is checked again.
    """
    head = (record.KIND, record.id, record.version, event,
            None if source is None else str(source), record.state._value_, actor.id, now,
            reason)
    return head + sum(details.items(), ()) if details else head


def _states(cls: type[_S], state: object) -> frozenset[_S] | None:
    """A query's ``state`` argument (one state, a name, or several) as a set of members."""
    if state is None:
        return None
    many = [state] if isinstance(state, str) else list(state)  # type: ignore[call-overload]
    return frozenset(_enum_arg("state", cls, x) for x in many)
