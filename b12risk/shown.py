"""Text from the input, as it may be shown to a person: on a terminal, in report.html, in a CSV.

File names, column names, manifest keys and any other text an extract supplies can carry
characters that act instead of print: an ANSI escape that clears the screen, a carriage return
that overwrites the line, a Unicode bidi override that reverses what follows, a zero-width
character that hides a difference. `shown()` writes each of those as a visible escape (`\\x1b`,
`\\r` as `\\x0d`, `\\u202e`), and leaves every other character as it is. It is idempotent:
what it returns holds no such character, so showing it again changes nothing.
"""

from __future__ import annotations

import unicodedata

# Control (Cc), format (Cf: bidi overrides and isolates, zero-width characters, soft hyphen),
# line and paragraph separators, surrogates, private-use and unassigned code points.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _escape(char: str) -> str:
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    if point < 0x10000:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def shown(text: object) -> str:
    """`text` (made a str) with every control, format and bidi character as a visible escape."""
    text = str(text)
    if text.isprintable():  # the common case: nothing to do (isprintable is False for all of
        return text  # the hidden categories, and for spaces other than ' ', kept below)
    return "".join(_escape(c) if unicodedata.category(c) in HIDDEN_CATEGORIES else c for c in text)
