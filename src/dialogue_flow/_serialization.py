"""JSON-safe (un)structuring of records through cattrs; round trips are exact.

:func:`to_json` encodes with one prebuilt encoder and splices in the JSON of ``Deadline``
objects from a small cache keyed by identity (a deadline is immutable, and the façade
shares one between the submissions decided the same day and between a record's versions);
the text is exactly that of encoding :func:`to_dict` whole. Submissions, audit rows and
notifications are written field by field by a generated writer when that gives the same
text (see "direct writers" below). Writers are built per class at first use: a hook
registered afterwards on :data:`converter` for a record class, or for a type its fields
are declared with, is not seen by :func:`to_json` (hooks for ``Deadline`` itself are).
Register hooks before the first record is written.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

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
        cls = type(record)
        through_converter = _writer(cls)
        direct = _direct(cls) if attrs.has(cls) else None
        writer = _WRITERS[cls] = through_converter if direct is None else _checked(
            through_converter, direct, partial(_WRITERS.__setitem__, cls))
    return writer(record)


def _checked(through_converter: Callable[[Any], str], direct: Callable[[Any], str],
             install: Callable[[Callable[[Any], str]], object]) -> Callable[[Any], str]:
    """A writer that writes its first record through the converter, then installs (through
    ``install``) the writer for the records after it: ``direct``, falling back to the
    converter for a value of a surprising type, if ``direct`` wrote that first record the
    same; else the converter."""

    def write(record: object) -> str:
        try:
            return direct(record)
        except (_UnexpectedValueError, TypeError, AttributeError):  # a surprising value
            return through_converter(record)

    def first(record: object) -> str:
        text = through_converter(record)
        try:
            same = direct(record) == text
        except (_UnexpectedValueError, TypeError, AttributeError):
            return text  # not comparable on this record: try again on the next
        install(write if same else through_converter)
        return text

    return first


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


# --- direct writers ------------------------------------------------------------------------
# A record's JSON, written field by field by a function generated per class: no
# intermediate dict, no hook dispatch per field. In a SQLite commit, where SQLite's own
# work keeps the processor's caches cold, unstructuring and encoding a submission, its
# audit row and its notification took ~100 µs per command; writing them directly, a third
# of that. The text must be exactly the converter's (tests compare them on random records),
# so a direct writer is used for a class only if its leaf types unstructure as assumed (a
# host's hook for str, datetime, an enum, ... changes that) and its first record comes out
# the same both ways; any value of an unexpected type (an int where a str is declared,
# say) makes that one record go the converter's way.

#: ``'"' + escaped + '"'``: exactly how the encoder writes a str with ensure_ascii=False
_quote: Callable[[str], str] = json.encoder.encode_basestring


class _UnexpectedValueError(Exception):
    """A value a direct writer does not write exactly as the converter would."""


def _int(value: object) -> str:
    if value.__class__ is not int:
        raise _UnexpectedValueError
    return repr(value)


def _bool(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise _UnexpectedValueError


def last_by_identity(compute: Callable[[Any], T]) -> Callable[[Any], T]:
    """``compute`` remembering its last argument, by identity, and its result: for
    immutable arguments that come in runs (the entry keeps the object alive, so an equal
    id is the same object). Thread-safe: the entry is one tuple, replaced whole."""
    last: tuple[object, Any] = (_NOTHING, None)

    def cached(value: Any) -> T:
        nonlocal last
        seen = last
        if seen[0] is value:
            result: T = seen[1]
            return result
        result = compute(value)
        last = (value, result)
        return result

    return cached


_NOTHING = object()


@last_by_identity
def _iso_instant(value: object) -> str:
    """A command stamps its record, audit row and notification with one datetime object,
    and isoformat() asks the named zone for its offset every time (~3 µs in a commit)."""
    if value.__class__ is not dt.datetime:
        raise _UnexpectedValueError
    return f'"{value.isoformat()}"'  # digits, T, :, +, -, .


def _iso_day(value: object) -> str:
    if value.__class__ is not dt.date:
        raise _UnexpectedValueError
    return f'"{value.isoformat()}"'


def _names(value: object) -> str:
    if value.__class__ is not tuple:
        raise _UnexpectedValueError
    return "[" + ",".join(map(_quote, value)) + "]"


def _pairs(value: object) -> str:
    if value.__class__ is not dict:
        raise _UnexpectedValueError
    return _object(value.items())


def _object(pairs: Iterable[tuple[Any, Any]]) -> str:
    """A JSON object of str keys and str values, as the encoder writes a dict of them
    (``_quote`` writes a str subclass by its text, as the encoder does, and refuses
    anything else with TypeError: the record then goes the converter's way)."""
    return "{" + ",".join([f"{_quote(key)}:{_quote(text)}" for key, text in pairs]) + "}"


def _member(cls: type[enum.Enum]) -> Callable[[object], str]:
    def member(value: object) -> str:
        if value.__class__ is not cls:
            raise _UnexpectedValueError
        return _quote(value._value_)

    return member


#: leaf type -> (a sample, what the converter must make of it, the direct writer for it)
_LEAVES: dict[Any, tuple[object, object, Callable[[Any], str]]] = {
    str: ("x", "x", _quote),
    int: (7, 7, _int),
    bool: (True, True, _bool),
    dt.datetime: (dt.datetime(2021, 6, 1, 8, tzinfo=VIETNAM_TZ), "2021-06-01T08:00:00+07:00",
                  _iso_instant),
    dt.date: (dt.date(2021, 6, 1), "2021-06-01", _iso_day),
}


def _field_writer(hint: Any) -> tuple[Callable[[Any], str], bool] | None:
    """The direct writer of a field declared ``hint`` and whether the field may be None
    (the writer is for the other values then); ``None`` if there is no direct writer."""
    args = get_args(hint)
    optional = get_origin(hint) in (Union, types.UnionType) and len(args) == 2 and (
        type(None) in args)
    if optional:
        hint = next(a for a in args if a is not type(None))
        args = get_args(hint)
    writer = _plain_writer(hint, args)
    return None if writer is None else (writer, optional)


def _plain_writer(hint: Any, args: tuple[Any, ...]) -> Callable[[Any], str] | None:
    if hint is Deadline:
        return _deadline_json
    if isinstance(hint, type) and attrs.has(hint):
        return _direct(hint)
    # str, int, bool, datetime, date, an enum of str values, tuple[str, ...] and
    # Mapping[str, str], each only if the converter unstructures it as the writer assumes
    if hint in _LEAVES:
        sample, expected, leaf = _LEAVES[hint]
        return leaf if converter.unstructure(sample, unstructure_as=hint) == expected else None
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        plain = all(isinstance(m.value, str) and converter.unstructure(
            m, unstructure_as=hint) == m.value for m in hint)
        return _member(hint) if plain else None
    origin = get_origin(hint)
    if (origin, args) == (tuple, (str, Ellipsis)):
        container = _names
    elif origin in (Mapping, dict) and args == (str, str):
        container = _pairs
    else:
        return None
    return container if _plain_writer(str, ()) is _quote else None


def _direct(cls: type, *, flat: bool = False) -> Callable[[Any], str] | None:
    """A generated writer of ``cls``'s JSON, or ``None`` if a field has no direct writer.

    ``flat``: the writer takes the record's stored form instead (a tuple of its fields in
    order, the last one, a ``Mapping[str, str]``, as its keys and values after them; see
    ``_storage._flattener``).

    A record writer keeps the last record's field values and their JSON: a command's new
    version shares most field objects with the version it replaces (attrs.evolve copies
    references), and a value that *is* the last one's (identity) has the same JSON, unless
    it may change in place (a dict: written every time).
    """
    hints = get_type_hints(cls)
    fields = attrs.fields(cls)
    scope: dict[str, Any] = {"_cls": tuple if flat else cls, "_null": "null",
                             "_UnexpectedValueError": _UnexpectedValueError,
                             "_last": [((_NOTHING,) * len(fields), ("",) * len(fields))]}
    lines = ["def write(r):", "    if r.__class__ is not _cls:",
             "        raise _UnexpectedValueError"]
    if not flat:
        lines.append("    lv, lf = _last[0]")
    mutable = False
    for i, field in enumerate(fields):
        found = _field_writer(hints.get(field.name))
        if found is None:
            return None
        (write, optional), fresh = found, False
        if not flat:
            lines.append(f"    v{i} = r.{field.name}")
            fresh = write in _MUTABLE
        elif i < len(fields) - 1:
            lines.append(f"    v{i} = r[{i}]")
        elif write is _pairs:
            write = _flat_pairs
            lines.append(f"    v{i} = r[{i}:]")
        else:
            return None
        scope[f"_w{i}"] = write
        mutable = mutable or fresh
        value = f"_null if v{i} is None else _w{i}(v{i})" if optional else f"_w{i}(v{i})"
        if flat or fresh:
            lines.append(f"    f{i} = {value}")
        else:
            lines.append(f"    f{i} = lf[{i}] if v{i} is lv[{i}] else {value}")
    if not flat:
        names = range(len(fields))
        lines.append(f"    _last[0] = (({''.join(f'v{i}, ' for i in names)}), "
                     f"({''.join(f'f{i}, ' for i in names)}))")
    parts = [f"{_quote(field.name)}:{{f{i}}}" for i, field in enumerate(fields)]
    lines.append("    return f" + repr("{{" + ",".join(parts) + "}}"))
    exec("\n".join(lines), scope)  # noqa: S102 - generated from the class's own field names
    generated: Callable[[Any], str] = scope["write"]
    if mutable:
        _MUTABLE.add(generated)
    return generated


#: Writers of values that may change in place (dicts, records holding one): never reused
_MUTABLE: set[Callable[[Any], str]] = {_pairs}


def _flat_pairs(flat: tuple[Any, ...]) -> str:
    """``_pairs`` of a dict given as its keys and values in turn (a key given twice
    would not be written as the dict built from them: refused)."""
    if not flat:
        return "{}"
    if len(flat) == 2:
        return f"{{{_quote(flat[0])}:{_quote(flat[1])}}}"
    if len(flat) % 2 or len(set(flat[::2])) * 2 != len(flat):
        raise _UnexpectedValueError
    return _object(zip(flat[::2], flat[1::2], strict=True))


def flat_writer(cls: type, record: Callable[[tuple[Any, ...]], object],
                ) -> Callable[[tuple[Any, ...]], str]:
    """``to_json(record(row))`` for a stored-form tuple ``row`` of ``cls`` (see _direct),
    written straight from the tuple when that gives the same text. Built at first use and
    checked on the first row, as the writers of records are; a row with a value of a
    surprising type is built and written the usual way."""

    def through_record(row: tuple[Any, ...]) -> str:
        return to_json(record(row))

    def build(row: tuple[Any, ...]) -> str:
        direct = _direct(cls, flat=True)
        installed[0] = through_record if direct is None else _checked(
            through_record, direct, partial(installed.__setitem__, 0))
        return installed[0](row)

    installed: list[Callable[[Any], str]] = [build]

    def write(row: tuple[Any, ...]) -> str:
        return installed[0](row)  # build, then the first-row check, then what it chose

    return write
