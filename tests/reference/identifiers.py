"""Pure-Python reference of the identifier-value shapes (b12risk/ingest/sql/identifier_shapes.sql),
written from the descriptions in schemas.identifying.VALUE_SHAPES, not from the SQL."""

from __future__ import annotations

import re


def nhs_check_digit(first_nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number(value: str) -> bool:
    if len(value) != 10 or not all(c in "0123456789" for c in value):
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


def email(value: str) -> bool:
    if value.count("@") != 1 or any(c in "\t\n\f\r " for c in value):
        return False
    local, domain = value.split("@")
    labels = domain.split(".")
    return (
        bool(local)
        and len(labels) >= 2
        and all(labels)
        and len(labels[-1]) >= 2
        and labels[-1].isascii()
        and labels[-1].isalpha()
    )


def _num(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _digits(value: str) -> str:
    return "".join(c for c in value if c in "0123456789")


def _uk_grouped(value: str) -> bool:
    """0 and a non-zero digit opening a first group of 3-6 digits (in brackets or not), then
    1-3 groups of 2-6 digits, each after one space or dash."""
    groups = re.split(r"[ -]", value)
    first, rest = groups[0], groups[1:]
    if first.startswith("(") != first.endswith(")"):
        return False
    first = first.strip("()") if first.startswith("(") else first
    return (
        _num(first)
        and 3 <= len(first) <= 6
        and first[0] == "0"
        and first[1] != "0"
        and 1 <= len(rest) <= 3
        and all(_num(g) and 2 <= len(g) <= 6 for g in rest)
    )


def phone(value: str) -> bool:
    if not 10 <= len(value) <= 24:
        return False
    digits = _digits(value)
    if value.startswith("+"):
        body = value[1:]
        return (
            _num(body[:1])
            and _num(body[-1:])
            and set(body) <= set("0123456789 ()-")
            and 10 <= len(digits) <= 15
        )
    if _uk_grouped(value):
        return 10 <= len(digits) <= 11
    north_american = r"(\([2-9]\d\d\) ?|[2-9]\d\d[-.])\d{3}[-.]\d{4}"
    return re.fullmatch(north_american, value, re.ASCII) is not None


def ssn(value: str) -> bool:
    parts = value.split("-")
    if len(value) != 11 or [len(p) for p in parts] != [3, 2, 4]:
        return False
    if not all(p.isascii() and _num(p) for p in parts):
        return False
    area, group, serial = (int(p) for p in parts)
    return 1 <= area <= 899 and area != 666 and group >= 1 and serial >= 1


def _is_date(text: str) -> bool:
    """A date of 1900-2099: YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY, DD.MM.YYYY, DDMMYYYY and mixes of
    the separators - / . (each optional), day 01-31 whatever the month."""
    for pattern in (
        r"(?P<y>\d{4})[-/.]?(?P<m>\d\d)[-/.]?(?P<d>\d\d)",
        r"(?P<d>\d\d)[-/.]?(?P<m>\d\d)[-/.]?(?P<y>\d{4})",
    ):
        found = re.fullmatch(pattern, text, re.ASCII)
        if found:
            y, m, d = (int(found[k]) for k in "ymd")
            if 1900 <= y <= 2099 and 1 <= m <= 12 and 1 <= d <= 31:
                return True
    return False


def _is_name(text: str) -> bool:
    return (
        len(text) >= 2
        and text[0].isascii()
        and text[0].isalpha()
        and text[-1].isascii()
        and text[-1].isalpha()
        and all((c.isascii() and c.isalpha()) or c in "'. -" for c in text)
    )


def name_date(value: str) -> bool:
    if len(value) < 10:
        return False
    glued = any("a" <= c <= "z" for c in value) and any(
        c.lower() in "ghijklmnopqrstuvwxyz" for c in value
    )
    for cut in range(1, len(value)):
        for name, day, sep_side in (
            (value[:cut], value[cut:], "after"),
            (value[cut:], value[:cut], "before"),
        ):
            for with_sep in (False, True):
                if with_sep:
                    if sep_side == "after" and name[-1:] in " _.-":
                        candidate = name[:-1]
                    elif sep_side == "before" and name[:1] in " _.-":
                        candidate = name[1:]
                    else:
                        continue
                else:
                    if not glued:
                        continue
                    candidate = name
                if _is_name(candidate) and _is_date(day):
                    return True
    return False


SHAPES = {
    "nhs_number": nhs_number,
    "email": email,
    "phone": phone,
    "ssn": ssn,
    "name_date": name_date,
}


def valid_nhs_number(first_nine: int) -> str | None:
    digits = f"{first_nine:09d}"
    check = nhs_check_digit(digits)
    return None if check is None else digits + str(check)
