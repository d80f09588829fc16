"""Code formats per code system, and the two check-digit schemes they use.

Each supported `code_system` has one `CodeFormat`: a regular expression for the shape of its
codes and, for SNOMED CT / dm+d and LOINC, a check digit (Verhoeff, LOINC mod 10).

Two implementations of every check live here on purpose:
- plain Python (`code_format_valid`, `verhoeff_valid`, `loinc_valid`): the readable reference,
  used in tests and for single values;
- vectorised Polars expressions (`code_format_expr`, `verhoeff_valid_expr`, `loinc_valid_expr`):
  what the pandera rules run on millions of rows. Tests hold the two to the same answers.

Codes are checked exactly as written: no trimming and no case folding (an ICD-10 code is
upper case; Read v2 is case-sensitive and allows both cases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

# Verhoeff tables: d is the multiplication table of the dihedral group D5, p the position
# permutation (p[i] = p[1] applied i times), inv the inverse of each element.
_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VERHOEFF_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

SNOMED_MAX_DIGITS = 18

# _VERHOEFF_STEPS[k][c * 11 + digit]: the running check after `digit` at a position i with
# i % 8 == k; digit 10 means "no digit" and leaves c unchanged.
_VERHOEFF_STEPS = tuple(
    [
        (_VERHOEFF_D[c][_VERHOEFF_P[k][digit]] if digit < 10 else c)
        for c in range(10)
        for digit in range(11)
    ]
    for k in range(8)
)
LOINC_MAX_DIGITS = 5


@dataclass(frozen=True)
class CodeFormat:
    """The accepted shape of one code system's codes."""

    system: str
    title: str
    pattern: str  # a full-match regular expression (Python `re` and Rust `regex` alike)
    check_digit: str | None  # "verhoeff", "loinc" or None
    description: str
    examples: tuple[str, ...]

    @property
    def rule(self) -> str:
        """The stable name of the rule that checks this format."""
        return f"code_format_{self.system.lower()}"


_SNOMED_PATTERN = r"[1-9][0-9]{5,17}"

CODE_FORMATS: dict[str, CodeFormat] = {
    f.system: f
    for f in (
        CodeFormat(
            "SNOMED",
            "SNOMED CT",
            _SNOMED_PATTERN,
            "verhoeff",
            "6 to 18 digits, no leading zero, the last digit a Verhoeff check digit",
            ("38341003", "44054006", "1000731000000107"),
        ),
        CodeFormat(
            "DMD",
            "NHS dictionary of medicines and devices (dm+d)",
            _SNOMED_PATTERN,
            "verhoeff",
            "a SNOMED CT identifier: 6 to 18 digits with a Verhoeff check digit",
            ("73133000", "319996000"),
        ),
        CodeFormat(
            "ICD10",
            "ICD-10 (WHO and national modifications)",
            r"[A-Z][0-9]{2}(\.?[0-9X][0-9A-Z]?)?",
            None,
            "a letter and 2 digits, then optionally a dot and 1-2 characters (E11.9, E119, I10X)",
            ("D51.0", "E119", "K50", "I10X"),
        ),
        CodeFormat(
            "ICD10CM",
            "ICD-10-CM",
            r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?",
            None,
            "a letter, a digit and a digit or letter, then optionally a dot and 1-4 characters",
            ("E11.9", "K50.00", "Z98.84", "O99.840", "M1A.0110", "E119"),
        ),
        CodeFormat(
            "ICD9CM",
            "ICD-9-CM diagnoses and procedures",
            r"[0-9]{3}(\.?[0-9]{1,2})?|V[0-9]{2}(\.?[0-9]{1,2})?|E[0-9]{3}(\.?[0-9])?"
            r"|[0-9]{2}\.?[0-9]{1,2}",
            None,
            "diagnoses NNN[.N[N]], VNN[.N[N]], ENNN[.N]; procedures NN[.N[N]]; dot optional",
            ("250.00", "281.1", "V12.1", "E950.0", "44.31", "4431"),
        ),
        CodeFormat(
            "READ2",
            "Read codes version 2",
            r"[A-Za-z0-9]{1,5}\.{0,4}",
            None,
            "exactly 5 characters: letters or digits, padded on the right with dots (C10F., 7L1H6)",
            ("C10F.", "7L1H6", "bxd5.", "C10.."),
        ),
        CodeFormat(
            "ATC",
            "Anatomical Therapeutic Chemical classification",
            r"[ABCDGHJLMNPRSV]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?",
            None,
            "one of the five ATC levels: A, A10, A10B, A10BA, A10BA02",
            ("A", "A10", "A10B", "A10BA", "A10BA02", "B03BA03"),
        ),
        CodeFormat(
            "RXNORM",
            "RxNorm concept unique identifier (RxCUI)",
            r"[1-9][0-9]{0,9}",
            None,
            "1 to 10 digits, no leading zero",
            ("6809", "860975", "197541"),
        ),
        CodeFormat(
            "BNF",
            "British National Formulary code",
            r"[0-9]{2}([0-9]{2}([0-9]{2}([0-9A-Z]([0-9A-Z]{2}([0-9A-Z]{2}([0-9A-Z]{2}"
            r"([0-9A-Z]{2})?)?)?)?)?)?)?",
            None,
            "a BNF chapter code and its refinements: 2, 4, 6, 7, 9, 11, 13 or 15 characters "
            "(0601, 0601022B0, 0601022B0AAABAB), digits first",
            ("06", "0601022", "0601022B0", "0601022B0AAABAB"),
        ),
        CodeFormat(
            "NDC",
            "US National Drug Code",
            r"[0-9]{10,11}|[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3}-[0-9]{2}"
            r"|[0-9]{5}-[0-9]{4}-[0-9]{1,2}",
            None,
            "10 or 11 digits, or hyphenated 4-4-2, 5-3-2, 5-4-1 or 5-4-2",
            ("0002-3227-30", "00002322730", "50090-2875-1"),
        ),
        CodeFormat(
            "LOINC",
            "Logical Observation Identifiers Names and Codes",
            r"[0-9]{1,5}-[0-9]",
            "loinc",
            "1 to 5 digits, a hyphen and the LOINC mod-10 check digit (2132-9)",
            ("2132-9", "14685-2", "72160-5", "787-2"),
        ),
        CodeFormat(
            "OPCS4",
            "OPCS Classification of Interventions and Procedures version 4",
            r"[A-Z][0-9]{2}(\.?[0-9])?",
            None,
            "a letter and 2-3 digits, optionally a dot before the third digit (G28, G28.1, G281)",
            ("G28", "G28.1", "G281"),
        ),
        CodeFormat(
            "CPT",
            "Current Procedural Terminology",
            r"[0-9]{5}|[0-9]{4}[FTU]",
            None,
            "5 digits, or 4 digits and F, T or U (categories II, III and PLA)",
            ("82607", "43644", "3046F", "0042T"),
        ),
        CodeFormat(
            "ICD10PCS",
            "ICD-10 Procedure Coding System",
            r"[0-9A-HJ-NP-Z]{7}",
            None,
            "7 characters, digits and letters except I and O",
            ("0DB64Z3", "0DBB0ZZ"),
        ),
    )
}

CODE_SYSTEMS: tuple[str, ...] = tuple(CODE_FORMATS)

_COMPILED = {s: re.compile(f.pattern) for s, f in CODE_FORMATS.items()}


# ---------------------------------------------------------------- plain-Python reference


def verhoeff_valid(number: str) -> bool:
    """True when the digit string ends with a correct Verhoeff check digit."""
    if not number or not number.isascii() or not number.isdigit():
        return False
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def verhoeff_check_digit(payload: str) -> str:
    """The Verhoeff check digit to append to the digit string `payload`."""
    c = 0
    for i, ch in enumerate(reversed(payload)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[(i + 1) % 8][int(ch)]]
    return str(_VERHOEFF_INV[c])


def loinc_check_digit(payload: str) -> str:
    """The LOINC mod-10 check digit of the digits before the hyphen (Luhn, rightmost doubled)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def loinc_valid(code: str) -> bool:
    """True for `N{1,5}-C` where C is the LOINC check digit of the digits."""
    if not _COMPILED["LOINC"].fullmatch(code):
        return False
    payload, check = code.split("-")
    return loinc_check_digit(payload) == check


# Case-sensitive systems: their codes are checked (and matched) exactly as written; Read v2
# `f41..` (metformin) and `F41..` differ. CTV3 is no contract system, but reference codelists
# carry it for review.
CASE_SENSITIVE_SYSTEMS = frozenset({"READ2", "CTV3"})
# Systems whose codes are matched without their dots (`K50.0` matches `K500`).
DOTLESS_SYSTEMS = frozenset({"ICD10", "ICD10CM", "ICD9CM", "OPCS4"})


def checked_form(system: str, code: str) -> str:
    """The form a code is checked in, as codelist matching normalises it: surrounding spaces
    dropped and, except in the case-sensitive Read v2, upper-cased (`" k50.0"` is K50.0)."""
    code = code.strip(" ")
    return code if system in CASE_SENSITIVE_SYSTEMS else code.upper()


def code_format_valid(system: str, code: str) -> bool:
    """True when `code` has the shape (and check digit) of `system`; False for unknown systems."""
    fmt = CODE_FORMATS.get(system)
    code = checked_form(system, code)
    if fmt is None or not _COMPILED[system].fullmatch(code):
        return False
    if system == "READ2" and len(code) != 5:
        return False
    if fmt.check_digit == "verhoeff":
        return verhoeff_valid(code)
    if fmt.check_digit == "loinc":
        return loinc_valid(code)
    return True


# ---------------------------------------------------------------- vectorised (Polars)


def _lookup(table: list[int] | tuple[int, ...], index: pl.Expr) -> pl.Expr:
    """`table[index]` for every row (index is an integer expression, never null here)."""
    return pl.lit(pl.Series(table, dtype=pl.Int8)).gather(index)


def _digit_from_right(code: pl.Expr, i: int) -> pl.Expr:
    """The i-th digit counting from the right (0-based) as Int32, or null past the start."""
    digit = code.str.slice(-(i + 1), 1).str.to_integer(strict=False).cast(pl.Int32)
    return pl.when(code.str.len_bytes() > i).then(digit)


def verhoeff_valid_expr(code: pl.Expr) -> pl.Expr:
    """Vectorised `verhoeff_valid` for digit strings of up to 18 digits (shape checked elsewhere).

    Step i maps (running check c, i-th digit from the right) to the next c through one lookup
    table of 10 x 11 entries, the 11th column being "no digit here" (c unchanged), so each
    step names the previous one once and the expression stays linear in size.
    """
    c = pl.lit(0, dtype=pl.Int32)
    for i in range(SNOMED_MAX_DIGITS):
        digit = _digit_from_right(code, i).fill_null(10)
        c = _lookup(_VERHOEFF_STEPS[i % 8], c * 11 + digit).cast(pl.Int32)
    return c == 0


def loinc_valid_expr(code: pl.Expr) -> pl.Expr:
    """Vectorised LOINC check digit test for codes already shaped `N{1,5}-C`."""
    parts = code.str.split_exact("-", 1)
    payload = parts.struct.field("field_0")
    check = parts.struct.field("field_1").str.to_integer(strict=False)
    total = pl.lit(0, dtype=pl.Int32)
    for i in range(LOINC_MAX_DIGITS):
        digit = _digit_from_right(payload, i)
        if i % 2 == 0:
            doubled = digit * 2
            digit = pl.when(doubled > 9).then(doubled - 9).otherwise(doubled)
        total = total + digit.fill_null(0)
    return ((10 - total % 10) % 10) == check


def code_format_expr(system: str, code: pl.Expr) -> pl.Expr:
    """Vectorised `code_format_valid` for one system: True/False, never null (null code: False)."""
    fmt = CODE_FORMATS[system]
    code = code.str.strip_chars(" ")
    if system not in CASE_SENSITIVE_SYSTEMS:
        code = code.str.to_uppercase()
    ok = code.str.contains(f"^(?:{fmt.pattern})$")
    if system == "READ2":
        ok = ok & (code.str.len_chars() == 5)
    if fmt.check_digit == "verhoeff":
        ok = ok & verhoeff_valid_expr(code)
    elif fmt.check_digit == "loinc":
        ok = ok & loinc_valid_expr(code)
    return ok.fill_null(False)
