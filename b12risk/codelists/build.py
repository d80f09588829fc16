"""Build the reviewed codelists from the clinical reference, deterministically.

    python -m b12risk.codelists.build --reference ../shared/reference/codelists

reads the reference lists (`system,code,description,source`), keeps every verified member of
each concept, leaves out what the reference marks (`-EXCLUDE`, `-WARNING`, "supportive, not
B12-specific", sources starting UNVERIFIED, descriptions that say exclude) and what review
left out (REVIEWED_LEFT_OUT, each with its reason), and writes `data/codelists/<concept>.csv`,
`data/codelists/manifest.json` and `docs/codelists.md`. The same reference gives the same bytes.
Every reference row must end up in a list or be left out with a reason: a new row nobody has
placed stops the build. A list whose content changes needs a new VERSION.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from b12risk.codelists.load import (
    CSV_COLUMNS,
    MANIFEST_NAME,
    CodelistError,
    CodelistInfo,
    normalise_code,
    read_manifest,
    sha256_hex,
)
from b12risk.config import DEFAULT_CODELISTS, PROJECT_ROOT

VERSION = "2026-11-23.1"
DEFAULT_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "codelists"
DEFAULT_DOCS = PROJECT_ROOT / "docs" / "codelists.md"
REFERENCE_COLUMNS = ("system", "code", "description", "source")
READ2_WITH_TERM_ID = 7  # `f41..00`: the 5-character Read code and its 2-character term id

# Reference system name -> the extract contract's names (a dm+d id is a SNOMED id: both).
SYSTEMS: dict[str, tuple[str, ...]] = {
    "SNOMED CT": ("SNOMED",),
    "SNOMED CT/dm+d": ("SNOMED", "DMD"),
    "ICD-10": ("ICD10",),
    "ICD-10-CM": ("ICD10CM",),
    "ICD-9-CM proc": ("ICD9CM",),
    "Read v2": ("READ2",),
    "RxNorm": ("RXNORM",),
    "OPCS-4": ("OPCS4",),
    "ICD-10-PCS": ("ICD10PCS",),
    "CPT": ("CPT",),
    "ATC": ("ATC",),
    "BNF": ("BNF",),
    "LOINC": ("LOINC",),
    "CTV3": ("CTV3",),  # outside the extract contract: kept for review, never matches
    "HCPCS": ("HCPCS",),  # outside the extract contract
}
SUPPORTIVE = re.compile(r"^(?P<base>.+?)\s*\(supportive, not B12-specific\)$")
MARKED = re.compile(r"^(?P<base>.+)-(?P<marker>EXCLUDE|WARNING)$")
SAYS_EXCLUDE = re.compile(r"\bexclude\b", re.IGNORECASE)
CAVEAT = re.compile(
    r"UNVERIFIED|confirm|verify|single (?:GitHub )?(?:source|mention)|secondary|inference|LEGACY",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReferenceRow:
    file: str
    line: int
    raw_system: str  # as written in the reference, markers included
    system: str  # the reference system without its marker
    marker: str  # "", "EXCLUDE", "WARNING" or "supportive"
    code: str
    description: str
    source: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.file, self.raw_system, self.code)


# A classifier places a reference row in a concept: the subtype ("" for none), or None when
# the row belongs to another concept read from the same file.
Classifier = Callable[[ReferenceRow], str | None]


def fixed(subtype: str = "") -> Classifier:
    return lambda row: subtype


def by_keywords(
    rules: Sequence[tuple[str, str]], keep: Iterable[str] | None = None, in_source: bool = False
) -> Classifier:
    """First rule whose pattern occurs in the description (and source) gives the subtype."""
    compiled = [(re.compile(pattern, re.IGNORECASE), subtype) for pattern, subtype in rules]
    kept = None if keep is None else frozenset(keep)

    def classify(row: ReferenceRow) -> str | None:
        text = f"{row.description} {row.source}" if in_source else row.description
        for pattern, subtype in compiled:
            if pattern.search(text):
                return subtype if kept is None or subtype in kept else None
        return None

    return classify


@dataclass(frozen=True)
class Source:
    file: str
    classify: Classifier


@dataclass(frozen=True)
class Concept:
    name: str
    title: str
    sources: tuple[Source, ...]
    version: str = VERSION


B12_TEST_KINDS = (
    (r"holo-?transcobalamin|active b12", "active_b12"),
    (r"methylmalonic|\bMMA\b", "mma"),
    (r"homocysteine", "homocysteine"),
    (r"vitamin b-?12|cobalamin", "total_b12"),
)
MALABSORPTION_KINDS = (
    (r"crohn", "crohns"),
    (r"coeliac|celiac", "coeliac"),
    (r"atrophic gastritis|autoimmune gastritis", "atrophic_gastritis"),
    (r"pernicious|intrinsic factor", "pernicious_anaemia"),
)
AUTOIMMUNE_KINDS = (
    (r"type 1 diabetes", "type1_diabetes"),
    (r"thyroid", "autoimmune_thyroid"),
    (r"sj[oö]gren", "sjogren"),
    (r"vitiligo", "vitiligo"),
    (r"addison", "addison"),
)
RISK_DRUGS = tuple(
    (name, name) for name in ("phenobarbital", "primidone", "topiramate", "pregabalin")
)

CONCEPTS: tuple[Concept, ...] = (
    Concept("vegan_diet", "Vegan diet", (Source("diet_vegan_vegetarian.csv", fixed()),)),
    Concept(
        "gastric_surgery",
        "Bariatric surgery, gastrectomy or ileal resection (procedures and status codes)",
        (
            Source("bariatric_surgery.csv", fixed("bariatric")),
            Source("gastrectomy_stomach_resection.csv", fixed("gastrectomy")),
            Source("ileal_resection_small_bowel.csv", fixed("ileal_resection")),
        ),
    ),
    Concept(
        "metformin", "Metformin, alone and in combinations", (Source("metformin.csv", fixed()),)
    ),
    Concept(
        "acid_suppressants",
        "Proton pump inhibitors and H2-receptor antagonists",
        (
            Source("proton_pump_inhibitors.csv", fixed("ppi")),
            Source("h2_receptor_antagonists.csv", fixed("h2ra")),
        ),
    ),
    Concept(
        "b12_tests",
        "Total and active B12 tests",
        (Source("b12_tests.csv", by_keywords(B12_TEST_KINDS, keep={"total_b12", "active_b12"})),),
    ),
    Concept(
        "b12_second_line_tests",
        "Methylmalonic acid and homocysteine tests",
        (Source("b12_tests.csv", by_keywords(B12_TEST_KINDS, keep={"mma", "homocysteine"})),),
    ),
    Concept(
        "b12_treatment",
        "B12 replacement (not the cyanide antidote)",
        (Source("b12_treatment.csv", fixed()),),
    ),
    Concept(
        "b12_deficiency",
        "Diagnosed B12 deficiency",
        (Source("b12_deficiency_diagnosis.csv", fixed()),),
    ),
    Concept(
        "malabsorption_conditions",
        "Crohn's, coeliac, atrophic or autoimmune gastritis, pernicious anaemia",
        (
            Source("crohns_coeliac.csv", by_keywords(MALABSORPTION_KINDS)),
            Source("pernicious_anaemia_autoimmune_gastritis.csv", by_keywords(MALABSORPTION_KINDS)),
        ),
    ),
    Concept(
        "autoimmune_conditions",
        "Type 1 diabetes, autoimmune thyroid disease, Sjogren's, vitiligo, Addison's",
        (Source("autoimmune_conditions_ng239.csv", by_keywords(AUTOIMMUNE_KINDS)),),
    ),
    Concept(
        "other_risk_medicines",
        "Colchicine, phenobarbital, primidone, topiramate, pregabalin",
        (
            Source("colchicine.csv", fixed("colchicine")),
            Source("antiepileptics_pregabalin.csv", by_keywords(RISK_DRUGS, in_source=True)),
        ),
    ),
    Concept("nitrous_oxide", "Nitrous oxide use", (Source("nitrous_oxide.csv", fixed()),)),
)

# Reasons shared by several reviewed exclusions.
_BALLOON = (
    "intragastric balloon: temporary, not surgery; the reference says B12 risk not established"
)
_ANY_MALABSORPTION = "malabsorption of any cause, not a surgery or surgery status"
_ANTIBODY_TEST = (
    "an intrinsic factor antibody test, not a diagnosis (its result is not in the extract code)"
)

# Verified reference rows that review left out of their concept: (file, system, code) -> why.
REVIEWED_LEFT_OUT: dict[tuple[str, str, str], str] = {
    ("b12_deficiency_diagnosis.csv", "ICD-10-CM", "D53.1"): (
        "megaloblastic anaemia NOS is not B12-specific: the reference marks the same code "
        "'supportive, not B12-specific' for ICD-10"
    ),
    ("b12_tests.csv", "CPT", "82608"): (
        "B12 unsaturated binding capacity: clinical-rules 2.1 says do not count (as LOINC 2171-7)"
    ),
    ("bariatric_surgery.csv", "OPCS-4", "G48.1"): _BALLOON,
    ("bariatric_surgery.csv", "OPCS-4", "G48.5"): _BALLOON,
    ("ileal_resection_small_bowel.csv", "ICD-10-CM", "Z90.49"): (
        "catch-all status code (acquired absence of any other part of the digestive tract): coding "
        "guides use it after cholecystectomy and partial colectomy, which it would flag as ileal "
        "resection"
    ),
    ("ileal_resection_small_bowel.csv", "ICD-10-CM", "K90.89"): _ANY_MALABSORPTION,
    ("ileal_resection_small_bowel.csv", "ICD-10-CM", "K90.9"): _ANY_MALABSORPTION,
    ("pernicious_anaemia_autoimmune_gastritis.csv", "LOINC", "31444-3"): _ANTIBODY_TEST,
    ("pernicious_anaemia_autoimmune_gastritis.csv", "LOINC", "31443-5"): _ANTIBODY_TEST,
    ("pernicious_anaemia_autoimmune_gastritis.csv", "CPT", "86340"): _ANTIBODY_TEST,
    ("pernicious_anaemia_autoimmune_gastritis.csv", "ICD-10-CM", "Z83.2"): (
        "family history of any blood disease; the reference calls the mapping an inference"
    ),
    ("pernicious_anaemia_autoimmune_gastritis.csv", "SNOMED CT", "4556007"): (
        "gastritis of any kind (the parent concept), not atrophic or autoimmune gastritis"
    ),
    ("nitrous_oxide.csv", "LOINC", "13965-9"): (
        "a homocysteine test (ordered when use is suspected), not evidence of use; it is in "
        "b12_second_line_tests"
    ),
    ("antiepileptics_pregabalin.csv", "ATC", "N03AB02"): "phenytoin: not in the NG239 list",
    ("antiepileptics_pregabalin.csv", "RxNorm", "8183"): "phenytoin: not in the NG239 list",
    ("antiepileptics_pregabalin.csv", "ATC", "N03AF01"): "carbamazepine: not in the NG239 list",
    ("antiepileptics_pregabalin.csv", "RxNorm", "2002"): "carbamazepine: not in the NG239 list",
    ("antiepileptics_pregabalin.csv", "RxNorm", "308971"): "carbamazepine: not in the NG239 list",
}

# Codes listed under several subtypes of one concept: the subtype review gave them, and why.
SHARED_CODE_SUBTYPES: dict[tuple[str, str, str], tuple[str, str]] = {
    ("gastric_surgery", "ICD10CM", "K91.2"): (
        "gastrectomy",
        "postsurgical malabsorption is listed under all three surgeries; the surgery is unknown, "
        "so it is not 'bariatric' (which may select the bariatric testing schedule)",
    ),
}


@dataclass(frozen=True)
class DerivedCategory:
    """A category row added with match=prefix where the reference says all children qualify."""

    concept: str
    file: str
    anchor_system: str
    anchor_code: str
    category: str
    quote: str  # what the anchor row's description says, checked on every build
    description: str


DERIVED_CATEGORIES: tuple[DerivedCategory, ...] = (
    DerivedCategory(
        "malabsorption_conditions", "crohns_coeliac.csv", "ICD-10-CM", "K50.00", "K50",
        "all K50.- codes qualify", "Crohn's disease [regional enteritis] (all K50.- codes)",
    ),
    DerivedCategory(
        "autoimmune_conditions", "autoimmune_conditions_ng239.csv", "ICD-10-CM", "E10.9", "E10",
        "any E10.- qualifies", "Type 1 diabetes mellitus (any E10.- code)",
    ),
    DerivedCategory(
        "gastric_surgery", "bariatric_surgery.csv", "ICD-10-CM", "K95.81", "K95",
        "K95.- imply prior bariatric surgery",
        "Complications of bariatric procedures (all K95.- codes imply prior bariatric surgery)",
    ),
)  # fmt: skip


@dataclass
class CodelistRow:
    code_system: str
    code: str
    description: str
    match: str
    subtype: str
    source: str

    def as_record(self) -> tuple[str, ...]:
        return tuple(getattr(self, column) for column in CSV_COLUMNS)


@dataclass(frozen=True)
class LeftOut:
    row: ReferenceRow
    reason: str


@dataclass
class BuiltList:
    concept: Concept
    rows: dict[tuple[str, str], CodelistRow] = field(default_factory=dict)
    caveats: list[ReferenceRow] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    resolved: set[tuple[str, str, str]] = field(default_factory=set)

    def records(self) -> list[CodelistRow]:
        return [self.rows[key] for key in sorted(self.rows)]


# ---------------------------------------------------------------------------- reference


def read_reference(path: Path) -> list[ReferenceRow]:
    """One reference file. A system name holding an unquoted comma is re-joined (the reference
    writes `ICD-10 (supportive, not B12-specific)` unquoted once); anything else malformed stops."""
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(header) != REFERENCE_COLUMNS:
        raise CodelistError(
            f"reference {path.name} must have the columns system,code,description,source"
        )
    rows = []
    for line, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) > 4:
            extra = len(fields) - 4
            fields = [",".join(fields[: extra + 1]), *fields[extra + 1 :]]
        if len(fields) != 4:
            raise CodelistError(f"reference {path.name} line {line} has {len(fields)} fields")
        raw_system, code, description, source = (f.strip() for f in fields)
        system, marker = parse_system(raw_system, f"reference {path.name} line {line}")
        rows.append(
            ReferenceRow(path.name, line, raw_system, system, marker, code, description, source)
        )
    return rows


def parse_system(raw: str, where: str) -> tuple[str, str]:
    """`LOINC-EXCLUDE` -> ("LOINC", "EXCLUDE"); `X (supportive, ...)` -> ("X", "supportive")."""
    system, marker = raw, ""
    if found := SUPPORTIVE.match(raw):
        system, marker = found["base"], "supportive"
    elif found := MARKED.match(raw):
        system, marker = found["base"], found["marker"]
    if system not in SYSTEMS:
        raise CodelistError(f"{where}: unknown coding system {raw!r}")
    return system, marker


def left_out_reason(row: ReferenceRow) -> str | None:
    """Why a reference row is in no list, or None when it is a verified member."""
    if row.marker in ("EXCLUDE", "WARNING"):
        return f"marked {row.raw_system} in the reference"
    if row.marker == "supportive":
        return "supportive, not B12-specific: a context code, not a member"
    if row.source.upper().startswith("UNVERIFIED"):
        return "source is UNVERIFIED: to be checked before use"
    if SAYS_EXCLUDE.search(row.description):
        return "the reference says exclude"
    return REVIEWED_LEFT_OUT.get(row.key)


def contract_code(system: str, code: str) -> tuple[str, str]:
    """The code as the extract contract writes it, and a note when that differs from the
    reference: a Read v2 code is 5 characters, so a trailing 2-character term id goes."""
    if system == "READ2" and len(code) == READ2_WITH_TERM_ID:
        return code[:5], f"Read term id {code[5:]} dropped: contract READ2 codes are 5 characters"
    return code, ""


def match_kind(system: str, code: str, description: str) -> tuple[str, str]:
    """('prefix', why) for group codes that stand for all their children, else ('exact', '')."""
    if system == "ATC" and len(code) < 7:
        return "prefix", "ATC group code: matches every substance code under it"
    if system == "BNF" and len(code) == 9:
        return "prefix", "BNF chemical code: matches its 15-character presentation codes"
    if system in ("ICD10", "ICD10CM") and "." not in code and "(category" in description:
        return "prefix", "ICD category the reference lists as a whole"
    return "exact", ""


# ---------------------------------------------------------------------------- assembly


def assemble(
    reference: dict[str, list[ReferenceRow]],
) -> tuple[list[BuiltList], dict[str, list[LeftOut]]]:
    """Every concept's rows, and the left-out rows of every reference file used."""
    _check_reviews_are_current(reference)
    left_out = {
        file: [LeftOut(row, reason) for row in rows if (reason := left_out_reason(row))]
        for file, rows in reference.items()
    }
    excluded = {lo.row.key for rows in left_out.values() for lo in rows}
    placed: set[tuple[str, str, str]] = set()
    built = []
    for concept in CONCEPTS:
        result = BuiltList(concept)
        for source in concept.sources:
            for row in reference[source.file]:
                subtype = None if row.key in excluded else source.classify(row)
                if subtype is not None:
                    _add_row(result, row, subtype)
                    placed.add(row.key)
        _add_derived_categories(result, reference)
        _check_normalised_codes_unique(result)
        built.append(result)
    _check_every_row_placed(reference, placed | excluded)
    unused = set(SHARED_CODE_SUBTYPES) - {key for b in built for key in b.resolved}
    if unused:
        raise CodelistError(f"SHARED_CODE_SUBTYPES names codes no list shares: {sorted(unused)}")
    return built, left_out


def _add_row(result: BuiltList, row: ReferenceRow, subtype: str) -> None:
    if CAVEAT.search(f"{row.description} {row.source}"):
        result.caveats.append(row)
    for system in SYSTEMS[row.system]:
        code, note = contract_code(system, row.code)
        match, why = match_kind(system, code, row.description)
        source = f"{row.file}: {row.source}" + (f" [{note}]" if note else "")
        source += f" [match=prefix: {why}]" if why else ""
        _merge(result, CodelistRow(system, code, row.description, match, subtype, source), row.file)


def _merge(result: BuiltList, new: CodelistRow, file: str) -> None:
    key = (new.code_system, new.code)
    old = result.rows.get(key)
    if old is None:
        result.rows[key] = new
        return
    if old.subtype != new.subtype:
        resolved = SHARED_CODE_SUBTYPES.get((result.concept.name, *key))
        if resolved is None:
            raise CodelistError(
                f"codelist '{result.concept.name}': {key[0]} {key[1]} has subtypes "
                f"{old.subtype!r} and {new.subtype!r}: settle it in SHARED_CODE_SUBTYPES"
            )
        old.subtype = resolved[0]
        if (result.concept.name, *key) not in result.resolved:
            result.resolved.add((result.concept.name, *key))
            result.shared.append(f"{key[0]} {key[1]}: subtype {resolved[0]} ({resolved[1]})")
    if file not in old.source:
        old.source += f"; also listed in {file}"


def _add_derived_categories(result: BuiltList, reference: dict[str, list[ReferenceRow]]) -> None:
    for derived in DERIVED_CATEGORIES:
        if derived.concept != result.concept.name:
            continue
        anchor = _anchor_row(derived, reference)
        (system,) = SYSTEMS[anchor.system]
        member = result.rows.get((system, anchor.code))
        if member is None or (system, derived.category) in result.rows:
            raise CodelistError(
                f"derived category {derived.category}: its anchor is not a member, "
                "or the category is already listed"
            )
        result.rows[(system, derived.category)] = CodelistRow(
            system,
            derived.category,
            derived.description,
            "prefix",
            member.subtype,
            f'derived category: {derived.file} {anchor.code} says "{derived.quote}" '
            f"[match=prefix: every code in the category]",
        )


def _anchor_row(derived: DerivedCategory, reference: dict[str, list[ReferenceRow]]) -> ReferenceRow:
    for row in reference[derived.file]:
        if (row.raw_system, row.code) == (derived.anchor_system, derived.anchor_code):
            if derived.quote not in row.description:
                raise CodelistError(
                    f"derived category {derived.category}: {derived.file} {row.code} no longer "
                    f"says {derived.quote!r}: review it"
                )
            return row
    raise CodelistError(f"derived category {derived.category}: anchor row not in {derived.file}")


def _check_reviews_are_current(reference: dict[str, list[ReferenceRow]]) -> None:
    keys = {row.key for rows in reference.values() for row in rows}
    stale = sorted(key for key in REVIEWED_LEFT_OUT if key not in keys)
    if stale:
        raise CodelistError(f"REVIEWED_LEFT_OUT names rows the reference no longer has: {stale}")


def _check_normalised_codes_unique(result: BuiltList) -> None:
    seen: dict[tuple[str, str], str] = {}
    for row in result.rows.values():
        key = (row.code_system, normalise_code(row.code_system, row.code))
        if key in seen:
            raise CodelistError(
                f"codelist '{result.concept.name}': {row.code_system} codes {seen[key]!r} and "
                f"{row.code!r} normalise to the same code"
            )
        seen[key] = row.code


def _check_every_row_placed(
    reference: dict[str, list[ReferenceRow]], accounted: set[tuple[str, str, str]]
) -> None:
    for rows in reference.values():
        for row in rows:
            if row.key not in accounted:
                raise CodelistError(
                    f"reference {row.file} line {row.line} ({row.raw_system} {row.code}) is in no "
                    "codelist and not left out with a reason: review it"
                )


# ---------------------------------------------------------------------------- output


def csv_bytes(rows: Iterable[CodelistRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(row.as_record() for row in rows)
    return buffer.getvalue().encode("utf-8")


def build_codelists(
    reference_dir: Path,
    out_dir: Path = DEFAULT_CODELISTS,
    docs_path: Path | None = None,
) -> list[CodelistInfo]:
    """Regenerate every `<concept>.csv` and `manifest.json` in out_dir (and the docs page)."""
    reference_dir, out_dir = Path(reference_dir), Path(out_dir)
    files = sorted({source.file for concept in CONCEPTS for source in concept.sources})
    missing = [f for f in files if not (reference_dir / f).is_file()]
    if missing:
        raise CodelistError(f"reference lists not found in {reference_dir}: {', '.join(missing)}")
    reference = {file: read_reference(reference_dir / file) for file in files}
    built, left_out = assemble(reference)
    outputs = {b.concept.name: csv_bytes(b.records()) for b in built}
    infos = [
        CodelistInfo(
            b.concept.name,
            b.concept.version,
            sha256_hex(outputs[b.concept.name]),
            "; ".join(s.file for s in b.concept.sources),
            len(b.rows),
        )
        for b in built
    ]
    _check_versions_bumped(out_dir, infos)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in outputs.items():
        (out_dir / f"{name}.csv").write_bytes(data)
    reference_hashes = {f: sha256_hex((reference_dir / f).read_bytes()) for f in files}
    (out_dir / MANIFEST_NAME).write_bytes(manifest_bytes(built, infos, reference_hashes))
    if docs_path is not None:
        Path(docs_path).write_bytes(docs_markdown(built, infos, left_out).encode("utf-8"))
    return infos


def manifest_bytes(
    built: list[BuiltList], infos: list[CodelistInfo], reference_hashes: dict[str, str]
) -> bytes:
    entries = {
        info.concept: {
            "file": f"{info.concept}.csv",
            "title": b.concept.title,
            "version": info.version,
            "source": [s.file for s in b.concept.sources],
            "sha256": info.sha256,
            "n_codes": info.n_codes,
        }
        for b, info in zip(built, infos, strict=True)
    }
    document = {
        "generated_by": "python -m b12risk.codelists.build (do not edit by hand)",
        "reference": {"directory": "shared/reference/codelists", "sha256": reference_hashes},
        "codelists": entries,
    }
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _check_versions_bumped(out_dir: Path, infos: list[CodelistInfo]) -> None:
    """A list whose content changed must carry a new version (reviewed lists are versioned)."""
    if not (out_dir / MANIFEST_NAME).is_file():
        return
    previous = read_manifest(out_dir)
    for info in infos:
        old = previous.get(info.concept)
        if old and old.get("version") == info.version and old.get("sha256") != info.sha256:
            raise CodelistError(
                f"codelist '{info.concept}' changed but keeps version {info.version}: "
                "give it a new version in b12risk/codelists/build.py"
            )


# ---------------------------------------------------------------------------- docs


def docs_markdown(
    built: list[BuiltList], infos: list[CodelistInfo], left_out: dict[str, list[LeftOut]]
) -> str:
    parts = [DOCS_HEADER, _summary_table(infos), DOCS_RULES]
    for b, info in zip(built, infos, strict=True):
        parts.append(_concept_section(b, info, left_out))
    return "\n".join(parts).rstrip("\n") + "\n"


def _summary_table(infos: list[CodelistInfo]) -> str:
    lines = [
        "| concept | version | codes | sha256 | reference files |",
        "|---|---|---:|---|---|",
    ]
    for i in infos:
        lines.append(
            f"| `{i.concept}` | {i.version} | {i.n_codes} | `{i.sha256[:12]}` | {i.source} |"
        )
    return "\n".join(lines) + "\n"


def _concept_section(b: BuiltList, info: CodelistInfo, left_out: dict[str, list[LeftOut]]) -> str:
    rows = b.records()
    lines = [
        f"## `{info.concept}`: {b.concept.title}",
        "",
        f"Version {info.version}, {info.n_codes} codes, sha256 `{info.sha256[:12]}`; "
        f"from {', '.join(s.file for s in b.concept.sources)}.",
        "",
        "| code system | exact | prefix |",
        "|---|---:|---:|",
    ]
    for system in sorted({r.code_system for r in rows}):
        exact = sum(r.code_system == system and r.match == "exact" for r in rows)
        prefix = sum(r.code_system == system and r.match == "prefix" for r in rows)
        lines.append(f"| {system} | {exact} | {prefix} |")
    subtypes = sorted({r.subtype for r in rows if r.subtype})
    if subtypes:
        counts = ", ".join(f"{s} {sum(r.subtype == s for r in rows)}" for s in subtypes)
        lines += ["", f"Subtypes: {counts}."]
    prefixes = [r for r in rows if r.match == "prefix"]
    if prefixes:
        lines += [
            "",
            "Prefix rows: " + ", ".join(f"{r.code_system} `{r.code}`" for r in prefixes) + ".",
        ]
    for note in b.shared:
        lines += ["", f"Shared code: {note}."]
    dropped = [lo for s in b.concept.sources for lo in left_out.get(s.file, [])]
    lines += ["", "Left out:" if dropped else "Left out: nothing."]
    if dropped:
        lines += ["", "| file | system | code | description | why |", "|---|---|---|---|---|"]
        lines += [
            f"| {lo.row.file} | {lo.row.raw_system} | `{lo.row.code}` | "
            f"{_cell(lo.row.description)} | {_cell(lo.reason)} |"
            for lo in dropped
        ]
    if b.caveats:
        lines += [
            "",
            "Included although the reference adds a caveat (verify, confirm, secondary):",
            "",
        ]
        lines += [f"- {_cell(caveat)}: {codes}" for caveat, codes in _caveat_groups(b.caveats)]
    return "\n".join(lines) + "\n"


def _caveat_groups(rows: list[ReferenceRow]) -> list[tuple[str, str]]:
    """Caveated rows grouped by the text that carries the caveat (a shared source, usually)."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        caveat = row.source if CAVEAT.search(row.source) else row.description
        groups.setdefault(caveat, []).append(f"{row.raw_system} `{row.code}`")
    return [(caveat, ", ".join(codes)) for caveat, codes in groups.items()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


DOCS_HEADER = """# Codelists

<!-- Generated by `python -m b12risk.codelists.build`; edit b12risk/codelists/build.py, not this
file. -->

The pipeline recognises a concept (a risk factor, a B12 test, B12 treatment) by the codes in
`data/codelists/<concept>.csv`. The lists are built from the project's clinical reference
(`shared/reference/codelists/*.csv`, described in `shared/reference/clinical-rules.md`) by

    python -m b12risk.codelists.build --reference ../shared/reference/codelists

which rewrites the CSVs, `data/codelists/manifest.json` and this page, byte for byte the same for
the same reference. `load_codelists` refuses a list whose sha256 differs from the manifest
("edited after review"): change a list by changing the builder (its concept sources, reviewed
left-outs or derived categories), giving the list a new version, and rebuilding.
"""

DOCS_RULES = """
## How the lists are made

- Columns: `code_system,code,description` (OpenCodelists-compatible), then `match` (`exact` or
  `prefix`), `subtype` and `source` (reference file and its source; why a row is a prefix).
- Code systems use the extract contract's names: SNOMED CT -> SNOMED; SNOMED CT/dm+d -> two rows,
  SNOMED and DMD (a dm+d id is a SNOMED id and extracts label either); ICD-10 -> ICD10; ICD-10-CM
  -> ICD10CM; ICD-9-CM proc -> ICD9CM; Read v2 -> READ2; RxNorm -> RXNORM; OPCS-4 -> OPCS4;
  ICD-10-PCS -> ICD10PCS; CPT, ATC, BNF, LOINC unchanged. CTV3 and HCPCS are outside the contract:
  they keep their names and can never match an extract.
- Every verified row of a concept's reference files is in its list. Left out: rows whose system
  ends in -EXCLUDE or -WARNING, rows marked "supportive, not B12-specific", rows whose source
  starts with UNVERIFIED, rows whose description says exclude, and the rows review left out (each
  listed below with its reason). A reference row that is in no list and has no reason stops the
  build.
- `match = prefix` for ATC group codes (under 7 characters, e.g. A02BC, B03BA), BNF chemical
  codes (9 characters; the reference says they prefix-match presentation codes), ICD category
  rows the reference lists as a whole, and category rows derived where the reference says all
  children qualify (K50, E10, K95: the source column quotes it). Everything else is exact.
- Matching (`cohorts/concept_events.sql`, `b12risk.codelists.load.normalise_code`): surrounding
  spaces trimmed, upper case except for the case-sensitive Read v2 and CTV3 (`f41..` metformin
  is not `F41..`), and no dots for ICD10, ICD10CM, ICD9CM and OPCS4.

Known limits, for the next review:

- ICD-9-CM procedure 43.7 normalises to `437`, which is also an ICD-9-CM diagnosis category:
  an extract diagnosis coded exactly `437` would match gastric_surgery.
- The reference writes metformin's Read v2 codes with their term id (`f41..00`); the extract
  contract's READ2 codes are 5 characters, so the list keeps `f41..` (the source column says so).
- The UK dm+d PPI list is tablets and capsules only (the reference says so); H2RA dm+d covers
  cimetidine and ranitidine only; OPCS-4 gastrectomy and ileal codes are unverified (left out),
  so UK surgery is found through the bariatric OPCS codes, SNOMED and status codes only.
"""


# ---------------------------------------------------------------------------- command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m b12risk.codelists.build",
        description="Rebuild data/codelists (CSVs, manifest) and docs/codelists.md.",
    )
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_CODELISTS)
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    args = parser.parse_args(argv)
    try:
        infos = build_codelists(args.reference, args.out, args.docs)
    except CodelistError as exc:
        print(f"codelists: {exc}", file=sys.stderr)
        return 2
    for info in infos:
        print(f"{info.concept:<26} {info.version}  {info.n_codes:>5} codes  {info.sha256[:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
