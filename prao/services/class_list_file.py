"""Reading a class list file: its encoding, delimiter and header names as school systems write
them, and each row's cells, checked as every pupil row is (prao.services.pupil_rows)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from prao.services import pupil_rows
from prao.services.pupil_rows import PupilRow
from prao.validation import clean_text

MAX_ROWS = 5000

# Header names as school systems and people write them, compared after _key().
HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": ("fornamn", "tilltalsnamn", "firstname", "givenname", "first"),
    "last_name": ("efternamn", "lastname", "surname", "familyname", "last"),
    "full_name": ("namn", "name", "elev", "elevnamn", "fullname", "elevensnamn"),
    "class_name": ("klass", "class", "klassnamn", "grupp", "classname"),
    "year_group": ("arskurs", "ak", "year", "yeargroup", "grade", "arskursnummer"),
    "email": ("epost", "email", "mejl", "mail", "elevensepost", "elevepost", "epostadress"),
    "guardian_email": (
        "vardnadshavaresepost",
        "vardnadshavareepost",
        "vardnadshavaresmejl",
        "vhepost",
        "guardianemail",
        "parentemail",
        "foraldersepost",
    ),
    "external_id": ("elevid", "id", "externalid", "externtid", "personid", "studentid", "elevnr"),
    "security_marking": (
        "skyddadidentitet",
        "skyddadepersonuppgifter",
        "sekretessmarkering",
        "securitymarking",
        "protectedidentity",
        "skyddad",
    ),
}
YES = {"ja", "j", "yes", "y", "1", "x", "sant", "true"}
NO = {"nej", "n", "no", "0", "falskt", "false"}


def _key(header: str) -> str:
    folded = header.strip().lower().translate(str.maketrans("åäöéü", "aaoeu"))
    return re.sub(r"[^a-z0-9]", "", folded)


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1252 (what Excel writes on Swedish Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


@dataclass
class ImportRow(PupilRow):
    line: int = 0  # in the file, for the preview


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _key(name)
        for column, names in HEADERS.items():
            if key in names and column not in columns:
                columns[column] = index
    problems = []
    if not ({"first_name", "last_name"} <= columns.keys() or "full_name" in columns):
        problems.append("Kolumner för namn saknas (Förnamn och Efternamn, eller Namn).")
    if "year_group" not in columns:
        problems.append("Kolumnen Årskurs saknas.")
    if "external_id" not in columns:
        problems.append("Kolumnen Elev-ID saknas: den behövs för att känna igen eleven nästa gång.")
    return columns, problems


def _cell(values: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    if index is None or index >= len(values):
        return ""
    return clean_text(values[index])


def _split_name(full: str) -> tuple[str, str]:
    """ "Efternamn, Förnamn" as many systems export it, else the last word is the surname."""
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return (first, last) if first else (last, "")


def _row(line: int, values: list[str], columns: dict[str, int]) -> ImportRow:
    row = ImportRow(line=line)
    cell = partial(_cell, values, columns)
    row.first_name, row.last_name = cell("first_name"), cell("last_name")
    if not (row.first_name or row.last_name) and "full_name" in columns:
        row.first_name, row.last_name = _split_name(cell("full_name"))
    _read_rest(row, cell)
    pupil_rows.check(row)
    return row


def _read_rest(row: ImportRow, cell: Callable[[str], str]) -> None:
    """The columns whose text is read here; pupil_rows.check() judges the values."""
    row.class_name = cell("class_name")
    year = cell("year_group").lower().removeprefix("åk").strip()
    if year.isdecimal() and len(year) <= 2:
        row.year_group = int(year)
    elif year:
        row.flag("year_group", pupil_rows.year_group_problem())
    row.email = cell("email")
    row.guardian_email = cell("guardian_email")
    row.external_id = cell("external_id")
    marking = cell("security_marking").lower()
    if not marking:  # no column, or an empty cell: the file does not say
        row.security_marking = None
    elif marking in YES:
        row.security_marking = True
    elif marking in NO:
        row.security_marking = False
    else:
        row.flag("security_marking", "Skyddad identitet: skriv Ja eller Nej.")


def parse(text: str) -> tuple[list[ImportRow], list[str]]:
    """The rows with their own problems, and problems with the file as a whole."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return [], ["Filen är tom."]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        lines = [(reader.line_num, values) for values in reader]
    except csv.Error:
        return [], ["Filen kunde inte läsas som CSV."]
    columns, problems = _columns(lines[0][1])
    if problems:
        return [], problems
    body = [(n, v) for n, v in lines[1:] if any(c.strip() for c in v)]
    if not body:
        return [], ["Filen har inga elever, bara rubrikraden."]
    if len(body) > MAX_ROWS:
        return [], [f"Filen har fler än {MAX_ROWS} elever. Dela upp den."]
    rows = [_row(n, v, columns) for n, v in body]
    pupil_rows.mark_duplicates(rows)
    return rows, []
