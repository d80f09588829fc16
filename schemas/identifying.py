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
import math
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


# -- identifying values in allowed columns (issue 9.2) ---------------------------------------

VALUE_SCREENED_COLUMNS = ("patient_id", "practice_id")
# A random 10-digit token passes the NHS number's modulus-11 check with probability 1/11: its
# first nine digits give a check digit of 0-9 10 times in 11 (10 is never issued), and its last
# digit is that one 1 time in 10.
NHS_CHECK_PASS_RATE = 1 / 11


@dataclass(frozen=True)
class ValueShape:
    """A shape of value that is a real identifier, not a pseudonym."""

    key: str  # its count in identifier_screen.sql is n_<key>
    name: str  # as the refusal names it
    description: str
    majority: bool = False  # refuses when most values have it; otherwise any one value refuses


VALUE_SHAPES: tuple[ValueShape, ...] = (
    ValueShape(
        "nhs_number",
        "NHS number",
        "exactly 10 digits whose last is the modulus-11 check digit of the first nine (weights "
        "10 down to 2; 11 - sum mod 11, 11 read as 0, 10 never valid). Refuses when MORE THAN "
        "HALF of the column's distinct values are such numbers: a pseudonymiser that issues "
        "random 10-digit tokens passes the check 1 time in 11, so real NHS numbers (all pass) "
        "and random tokens (1 in 11) are far apart; the false-refusal rate is in the table below",
        majority=True,
    ),
    ValueShape("email", "e-mail address", "text@domain.tld: a local part, one @, a dotted domain"),
    ValueShape(
        "phone",
        "phone number",
        "an international number (+ then 10 to 15 digits, spaces, dashes or brackets), a UK "
        "national number written in groups (0 then a non-zero digit, 10 or 11 digits in all, "
        "in groups of 2 to 6 digits after a first group of 3 to 6, split by spaces or "
        "dashes: 07700 900123, 020-7946-0958) or a North American "
        "one ((555) 123-4567, 555-123-4567, 555.123.4567)",
    ),
    ValueShape(
        "ssn",
        "US social security number",
        "ddd-dd-dddd with an area of 001-899 but 666, a group of 01-99, a serial of 0001-9999",
    ),
    ValueShape(
        "name_date",
        "name and date",
        "a name (two or more letters) joined to a date of 1900-2099 (YYYY-MM-DD, YYYYMMDD, "
        "DD/MM/YYYY, DD.MM.YYYY or DDMMYYYY) in either order, by a separator (space, _ . -) or "
        "glued when the name has a lower-case letter and a letter beyond a-f: JSmith_1970-01-31, "
        "smith.john 31/01/1970, Smith19700131, SMITH_19700131. Glued to an upper-case prefix "
        "(PAT20240131) or to hex letters (eb19110624, about 1 random 10-character hex token in "
        "100,000) it is taken for a token, so a name of hex letters only glued to a date "
        "(Ada19700131) is not caught",
    ),
)


def nhs_false_refusal_rate(n_values: int) -> float:
    """The chance that a column of `n_values` distinct random 10-digit tokens is refused as NHS
    numbers: P(more than half of them pass the check), each passing 1 time in 11."""
    p = NHS_CHECK_PASS_RATE
    need = n_values // 2 + 1
    return sum(
        math.comb(n_values, k) * p**k * (1 - p) ** (n_values - k) for k in range(need, n_values + 1)
    )
