"""JSON-safe (un)structuring of records through cattrs; round trips are exact.

:func:`to_json` encodes with one prebuilt encoder and splices in the JSON of ``Deadline``
objects from a small cache keyed by identity (a deadline is immutable, and the façade
shares one between the submissions decided the same day and between a record's versions);
the text is exactly that of encoding :func:`to_dict` whole. Writers are built per class at
first use: a hook registered afterwards on :data:`converter` for a record class that has
``Deadline`` fields is not seen by :func:`to_json` (hooks for ``Deadline`` itself and for
other classes are).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from ._calendar import SkippedDay
from ._clock import VIETNAM_TZ
from ._errors import InvalidInputError
from ._records import Deadline

__all__ = ["converter", "from_dict", "from_json", "to_dict", "to_json"]

T = TypeVar("T")

#: The converter used for storage and JSON; hosts may register hooks of their own on it.
converter = make_converter()

# A skipped day reads better as {"date": ..., "reason": ...} than as a bare pair.
converter.register_unstructure_hook(
    SkippedDay, lambda s: {"date": s.date.isoformat(), "reason": s.reason})
converter.register_structure_hook(
    SkippedDay, lambda d, _: SkippedDay(dt.date.fromisoformat(d["date"]), _text(d["reason"])))


# cattrs is lax by default: it calls str() on a number and iterates a string into a tuple of
# characters. Stored JSON that is not what we wrote is corruption; refuse it instead.
def _text(value: object, _type: object = str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _is_homogeneous_tuple(cls: Any) -> bool:
    return get_origin(cls) is tuple and get_args(cls)[-1:] == (Ellipsis,)


def _strict_tuple(cls: Any) -> Callable[[Any, Any], Any]:
    inner = get_args(cls)[0]

    def structure(value: object, _type: object) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return tuple(converter.structure(item, inner) for item in value)

    return structure


def _instant(value: object, _type: object) -> dt.datetime:
    """ISO text back to an aware datetime; +07:00 becomes the named Asia/Ho_Chi_Minh zone,
    so a record read back prints as it was written."""
    parsed = dt.datetime.fromisoformat(_text(value))
    if parsed.utcoffset() == VIETNAM_TZ.utcoffset(None):
        return parsed.replace(tzinfo=VIETNAM_TZ)
    return parsed


converter.register_structure_hook(str, _text)
converter.register_structure_hook(dt.datetime, _instant)
converter.register_structure_hook_factory(_is_homogeneous_tuple, _strict_tuple)


def _describe(exc: BaseException, _type: object) -> str:
    """cattrs' default says "invalid value"; the validator's own words say which and why."""
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or type(exc).__name__


def to_dict(record: object) -> dict[str, Any]:
    """A JSON-safe dict of ``record`` (dates as ISO strings, enums as their values)."""
    result: dict[str, Any] = converter.unstructure(record)
    return result


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild a record of type ``cls`` from :func:`to_dict` output, validating it."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        detail = "; ".join(cattrs.transform_error(exc, format_exception=_describe)) if (
            isinstance(exc, cattrs.BaseValidationError)) else str(exc)
        raise InvalidInputError(cls.__name__, f"cannot rebuild from data: {detail}") from exc


#: ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``, built once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json(record: object) -> str:
    """``record`` as compact JSON text (UTF-8 friendly: Vietnamese stays readable)."""
    writer = _WRITERS.get(type(record))
    if writer is None:
        writer = _WRITERS[type(record)] = _writer(type(record))
    return writer(record)


# Records carry Deadline objects, immutable, and the façade shares one between the
# submissions decided the same day and between a record's versions: their JSON (a third of
# a submission's) is made once and spliced in. Keys stay in field order, so the text is the
# same as encoding to_dict(record) whole.
_WRITERS: dict[type, Callable[[Any], str]] = {}
_DEADLINE_JSON: dict[int, tuple[Deadline, str]] = {}
_DEADLINE_CACHE_SIZE = 256
_DEADLINE_LOCK = threading.Lock()


def _writer(cls: type) -> Callable[[Any], str]:
    """``cls``'s JSON writer: whole through the converter, or, for an attrs class with
    ``Deadline`` fields, around those fields, whose JSON comes from a cache."""
    encode = _ENCODER.encode
    if not attrs.has(cls):
        return lambda record: encode(converter.unstructure(record))
    hints = get_type_hints(cls)
    names = [field.name for field in attrs.fields(cls)]
    deadlines = {name for name in names if hints.get(name) in (Deadline, Deadline | None)}
    if not deadlines:
        return lambda record: encode(converter.unstructure(record))
    # The fields between two deadline fields, each unstructured by a generated function.
    steps: list[tuple[str, Callable[[Any], dict[str, Any]] | None]] = []
    run: list[str] = []
    for name in [*names, None]:
        if name is not None and name not in deadlines:
            run.append(name)
            continue
        if run:
            omit: dict[str, Any] = {other: override(omit=True) for other in names
                                    if other not in run}
            steps.append(("", make_dict_unstructure_fn(cls, converter, **omit)))
            run = []
        if name is not None:
            steps.append((name, None))

    def write(record: object) -> str:
        parts = []
        for name, make in steps:
            if make is None:
                parts.append(f'"{name}":{_deadline_json(getattr(record, name))}')
            else:
                parts.append(encode(make(record))[1:-1])
        return "{" + ",".join(parts) + "}"

    return write


def _deadline_json(deadline: Deadline | None) -> str:
    if deadline is None:
        return "null"
    cached = _DEADLINE_JSON.get(id(deadline))
    if cached is not None and cached[0] is deadline:
        return cached[1]
    text = _ENCODER.encode(converter.unstructure(deadline))
    with _DEADLINE_LOCK:
        if len(_DEADLINE_JSON) >= _DEADLINE_CACHE_SIZE:
            del _DEADLINE_JSON[next(iter(_DEADLINE_JSON))]
        # The entry keeps the object alive, so its id cannot be reused by another one.
        _DEADLINE_JSON[id(deadline)] = (deadline, text)
    return text


def from_json(cls: type[T], text: str | bytes) -> T:
    """Rebuild a record of type ``cls`` from :func:`to_json` output."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(cls.__name__, f"not valid JSON: {exc}") from exc
    return from_dict(cls, data)
