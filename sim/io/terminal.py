"""What the command line prints goes through here: control characters in user text are
escaped, characters the terminal's encoding lacks are replaced, a closed stream is named.

A scenario name, a file name or a value quoted in an error can hold ESC, CR or other
control characters that a terminal would obey (move the cursor, rewrite a line, change
the title): :class:`SafeStream` wraps stdout and stderr for the whole of a command, so
every line the CLI prints (its own, pandas tables, error messages) shows them as
``\\x1b``, ``\\r``, ... Only newline and tab pass as they are. The rich progress bar
writes its own escape codes to the stream underneath (:func:`raw_stream`).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from typing import IO, Any

__all__ = [
    "SafeStream",
    "closed_output",
    "escape_controls",
    "is_control",
    "raw_stream",
    "safe_streams",
    "visible",
]

# C0 (but newline and tab), DEL and C1, plus the bidirectional overrides and isolates
# that make a terminal show text in another order than it is stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character (but newline and tab) written as an escape."""
    return _CONTROL.sub(_escape, text)


def is_control(c: str) -> bool:
    """A C0 or C1 control character (newline and tab included), or DEL."""
    return unicodedata.category(c) == "Cc"


_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"}  # spaces, controls, format, marks


def visible(text: str) -> bool:
    """Whether ``text`` holds a character a reader can see: not only spaces, zero-width
    and other format characters (``\\u200b``, ``\\u2060``, ``\\ufeff``), marks or controls."""
    return any(unicodedata.category(c) not in _INVISIBLE for c in text)


class SafeStream:
    """A text stream that escapes control characters on their way to ``raw`` (the
    attributes it does not define, e.g. ``buffer``, are the stream's own)."""

    def __init__(self, raw: IO[str]):
        self.raw = raw

    def write(self, s: str) -> int:
        self.raw.write(escape_controls(s))
        return len(s)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, ...
        return getattr(self.raw, name)


def raw_stream(stream: Any) -> Any:
    """The stream under a SafeStream (``stream`` itself otherwise): for the progress bar,
    whose escape codes are its own."""
    return stream.raw if isinstance(stream, SafeStream) else stream


def closed_output() -> str | None:
    """'standard output' when it is closed (``sim ... >&-``), else None: nothing the
    command finds or writes could be told."""
    out = sys.stdout
    if out is None:  # Python found file descriptor 1 closed when it started
        return "standard output"
    try:
        os.fstat(out.fileno())
    except io.UnsupportedOperation:  # a stream without a descriptor (a test's StringIO)
        return None
    except (OSError, ValueError):  # a descriptor closed since, or a closed stream
        return "standard output"
    return None


def _lenient(stream: Any) -> str | None:
    """Make ``stream`` replace what its encoding cannot write (``\\xb1`` for ± under ASCII)
    instead of failing; its previous setting, to restore."""
    before = getattr(stream, "errors", None)
    if before is not None and hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="backslashreplace")
    return before


@contextlib.contextmanager
def safe_streams() -> Iterator[None]:
    """For one command: stdout and stderr escape control characters and replace what the
    encoding cannot write; a closed stderr becomes /dev/null. Restored afterwards."""
    saved = sys.stdout, sys.stderr
    devnull = open(os.devnull, "w", encoding="utf-8") if sys.stderr is None else None
    if devnull is not None:
        sys.stderr = devnull
    errors = [_lenient(s) for s in (sys.stdout, sys.stderr)]
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        for s, e in zip(saved, errors, strict=True):
            reconfigure = getattr(s, "reconfigure", None)
            if e is not None and reconfigure is not None:
                with contextlib.suppress(ValueError, OSError):  # closed meanwhile
                    reconfigure(errors=e)
        if devnull is not None:
            devnull.close()
