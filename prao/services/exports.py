"""Placement lists for the school, as CSV (Excel-friendly) and XLSX. Pupils with protected
identity never appear in an export (DESIGN.md §7); the note under the list says how many are left
out, so the numbers still add up for the coordinator."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from prao import policy
from prao.actor import Actor
from prao.errors import Outcome
from prao.services.period_overview import period_overview
from prao.wording import STATUS_TEXT

HEADER = [
    "Elev-ID",
    "Förnamn",
    "Efternamn",
    "Klass",
    "Arbetsplats",
    "Praoplats",
    "Adress",
    "Ort",
    "Från",
    "Till",
    "Status",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    title: str
    filename_stem: str
    rows: list[list[str]]
    left_out: int

    @property
    def note(self) -> str:
        text = f"{len(self.rows)} elever."
        if self.left_out:
            text += f" {self.left_out} elever med skyddad identitet visas inte i listan."
        return text


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _slug(text: str) -> str:
    folded = text.lower().translate(str.maketrans("åäöéü", "aaoeu"))
    keep = "".join(c if c.isascii() and c.isalnum() else "-" for c in folded)
    return "-".join(part for part in keep.split("-") if part)[:60] or "lista"


async def placements(
    actor: Actor, period_id: int, class_name: str | None = None
) -> Outcome[Export]:
    """The period's pupils (all, or one class) with their placement, protected pupils left out."""
    found = await period_overview(actor, period_id)
    if not found.ok or found.value is None:
        return Outcome(errors=found.errors)
    overview = found.value
    lines = [
        line for line in overview.lines if class_name is None or line.pupil.class_name == class_name
    ]
    lines.sort(key=lambda ln: (ln.pupil.class_name, ln.pupil.last_name, ln.pupil.first_name))
    shown, left_out = await policy.export_views(
        actor, [line.pupil for line in lines], period_id=period_id, class_name=class_name or ""
    )
    booking_of = {line.pupil.id: line.booking for line in lines}
    rows = []
    for p in shown:
        b = booking_of[p.id]
        placed = (
            [
                b.slot.employer.name,
                b.slot.title,
                b.slot.address,
                b.slot.city,
                b.slot.start_date.isoformat(),
                b.slot.end_date.isoformat(),
                STATUS_TEXT[b.status],
            ]
            if b is not None
            else ["", "", "", "", "", "", "Ingen plats"]
        )
        person = [p.external_id or "", p.first_name, p.last_name or "", p.class_name or ""]
        rows.append([_safe(v) for v in person] + [_safe(v) for v in placed])
    title = overview.period.name + (f", klass {class_name}" if class_name else "")
    return Outcome(
        value=Export(
            title=title,
            filename_stem=_slug(title),
            rows=rows,
            left_out=left_out,
        )
    )


def to_csv(export: Export) -> bytes:
    """Semicolons and a BOM: what Excel on a Swedish computer opens without questions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(export.rows)
    writer.writerow([])
    writer.writerow([export.note])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(export: Export) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Placeringar"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export.rows:
        sheet.append(row)
    sheet.append([])
    sheet.append([export.note])
    sheet.freeze_panes = "A2"
    for column, width in zip(
        "ABCDEFGHIJK", (12, 14, 16, 8, 26, 26, 22, 14, 12, 12, 22), strict=True
    ):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
