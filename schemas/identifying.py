"""Column names that identify a person, found however they are spelled.

A header is first normalised (`header_tokens`): Unicode NFKC (full-width letters become ASCII),
format and zero-width characters dropped, common Cyrillic and Greek look-alikes mapped to the
Latin letters they imitate, accents stripped, split into word tokens at every character that is
not a letter or digit, at camelCase boundaries and between letters and digits, case-folded.
A header holding a control character cannot be judged and is refused.

It is then matched against the vocabulary in `identifying_terms.csv` (data, reviewed like a
codelist; rendered in docs/extract-format.md). A term is one or more words; it matches when
some run of adjacent tokens, joined, spells the term joined: `NHS Number`, `nhs_no`,
`NHSNumber` and `nhsnumber` all meet the term `nhs number`, `d.o.b` and `DOB` meet `dob`.
A term marked `whole` matches only the whole header (`name` refuses; `drug_name` does not).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VOCABULARY = Path(__file__).with_name("identifying_terms.csv")
MATCHES = ("anywhere", "whole")
MAX_TOKENS = 32  # a longer header is judged on its first 32 tokens and its whole spelling

# Look-alikes of Latin letters in the Cyrillic and Greek blocks (Unicode's confusables for the
# letters an identifying term uses); NFKC has already folded full-width and mathematical forms.
_CONFUSABLES = str.maketrans(
    "АВСЕНІЈКМОРЅТХУаескіјорѕхуԁһԛԝӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχ",
    "ABCEHIJKMOPSTXYaeckijopsxydhqwlABEZHIKMNOPTYXabeikvoptux",
)
_CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z])"  # nhsNumber
    r"|(?<=[A-Z])(?=[A-Z][a-z])"  # NHSNumber
    r"|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"  # addr1, 1stName
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class UnreadableHeader(ValueError):
    """A header that cannot be normalised: it holds a control character."""


@dataclass(frozen=True)
class IdentifyingTerm:
    kind: str  # what it identifies, as the refusal names it: "NHS number", "date of birth"
    term: str  # words as the vocabulary spells them
    matches: str  # "anywhere" in the header, or only as the "whole" header
    note: str = ""

    @property
    def joined(self) -> str:
        return "".join(header_tokens(self.term))


@cache
def vocabulary() -> tuple[IdentifyingTerm, ...]:
    with VOCABULARY.open(encoding="utf-8", newline="") as handle:
        terms = tuple(
            IdentifyingTerm(r["kind"], r["term"], r["matches"], r["note"] or "")
            for r in csv.DictReader(handle)
        )
    bad = [t.term for t in terms if t.matches not in MATCHES or not t.joined]
    if bad:
        raise ValueError(f"{VOCABULARY.name}: terms with no words or an unknown `matches`: {bad}")
    return terms


@cache
def _index() -> tuple[dict[str, str], dict[str, str]]:
    anywhere: dict[str, str] = {}
    whole: dict[str, str] = {}
    for term in vocabulary():
        (anywhere if term.matches == "anywhere" else whole).setdefault(term.joined, term.kind)
    return anywhere, whole


def _unreadable(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def header_tokens(name: str) -> list[str]:
    """The word tokens a header spells, after the normalisation the module describes."""
    if any(_unreadable(c) for c in name):
        raise UnreadableHeader("holds a control character")
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = text.translate(_CONFUSABLES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _CAMEL.sub(" ", text).casefold()
    return [t for t in _NOT_WORD.split(text) if t]


def identifying_kind(name: str) -> str | None:
    """What kind of personal identifier a header names, or None; UnreadableHeader if it holds
    a control character."""
    tokens = header_tokens(name)
    anywhere, whole = _index()
    joined = "".join(tokens)
    if joined in whole:
        return whole[joined]
    tokens = tokens[:MAX_TOKENS]
    for start in range(len(tokens)):
        run = ""
        for token in tokens[start:]:
            run += token
            if run in anywhere:
                return anywhere[run]
    return anywhere.get(joined)
