"""Personal data must never travel in an exception (issue 13): not in its message, its
``args``, its attributes, nor anywhere down its ``__cause__``/``__context__`` chain, which
error trackers record whole."""

from __future__ import annotations

#: The conftest petitioner's personal data, and the testing samples' name.
MARKERS = ("Nguyễn Văn A", "Thôn 1", "0912345678")


def exception_text(exc: BaseException) -> str:
    """Everything an error tracker could record of ``exc`` and of every exception chained to
    it: ``str``, ``repr``, ``args``, attributes (a ``UnicodeError``'s ``object``, a
    ``JSONDecodeError``'s ``doc``)."""
    parts: list[str] = []
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args)]
        parts += [repr(value) for value in vars(current).values()]
        for attribute in ("object", "doc"):
            if hasattr(current, attribute):
                parts.append(repr(getattr(current, attribute)))
        if isinstance(current, BaseExceptionGroup):
            stack += current.exceptions
        stack += [current.__cause__, current.__context__]
    return "\n".join(parts)


def assert_no_personal_data(exc: BaseException, markers: tuple[str, ...] = MARKERS) -> None:
    """Fail when any marker appears anywhere in ``exc``'s chain."""
    text = exception_text(exc)
    found = [marker for marker in markers if marker in text]
    assert [] == found, f"personal data {found} in {type(exc).__name__} or its chain"
