"""What the municipality learns from a period, as figures: counts added up from the database's
groups, and the shares and averages made of them, each cell suppressed (None) when it is over
fewer pupils than policy.MIN_GROUP, so that no pupil can be told from a figure."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from prao.policy import group_shown

if TYPE_CHECKING:
    from prao.models import Period


@dataclass(frozen=True)
class Counts:
    """The sums of one group of pupils (a school, a trade, an employer, all), as the database
    counts them. Every field adds up, so groups are summed into coarser ones."""

    pupils: int = 0  # of a school: its pupils of the period; of a trade or employer: placed
    placed: int = 0  # with a confirmed booking
    self_found: int = 0
    allocated: int = 0
    first_come: int = 0
    ranked: int = 0  # allocated pupils who ranked wishes
    top3: int = 0  # of those, placed at one of their first three wishes
    with_days: int = 0  # placed pupils with any attendance recorded
    days: int = 0
    absent_days: int = 0
    certificates_asked: int = 0
    certificates_signed: int = 0
    pupils_asked: int = 0  # pupils asked to evaluate
    pupils_answered: int = 0
    score_sum: int = 0  # of the pupils' overall score (1–4)
    scored: int = 0
    supervisors_asked: int = 0
    supervisors_answered: int = 0
    host_again_yes: int = 0
    places_offered: int = 0  # slots' capacity, not pupils: never suppressed

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Counts)}
        )


def total(counts: list[Counts]) -> Counts:
    return sum(counts, Counts())


def share(part: int, whole: int) -> float | None:
    """part ÷ whole, None when the whole is too few pupils to show."""
    if not group_shown(whole):
        return None
    return round(part / whole, 4)


def count(value: int, group: int) -> int | None:
    """A count of pupils of a group, None when the group is too small to show."""
    return value if group_shown(group) else None


@dataclass(frozen=True)
class Figures:
    """One row of the statistics; None is a suppressed cell."""

    pupils: int | None
    placed: int | None
    unplaced: int | None
    self_found: int | None
    allocated: int | None
    first_come: int | None
    top3_share: float | None
    absence_rate: float | None
    certificate_rate: float | None
    pupil_response_rate: float | None
    supervisor_response_rate: float | None
    average_score: float | None
    host_again_share: float | None
    places_offered: int
    self_found_share: float | None  # of placed pupils


def figures(c: Counts) -> Figures:
    group = c.pupils
    absence: float | None = None
    if group_shown(c.with_days) and c.days:
        absence = round(c.absent_days / c.days, 4)
    return Figures(
        pupils=count(c.pupils, group),
        placed=count(c.placed, group),
        unplaced=count(max(c.pupils - c.placed, 0), group),
        self_found=count(c.self_found, group),
        allocated=count(c.allocated, group),
        first_come=count(c.first_come, group),
        top3_share=share(c.top3, c.ranked),
        absence_rate=absence,
        certificate_rate=share(c.certificates_signed, c.certificates_asked),
        pupil_response_rate=share(c.pupils_answered, c.pupils_asked),
        supervisor_response_rate=share(c.supervisors_answered, c.supervisors_asked),
        average_score=round(c.score_sum / c.scored, 2) if group_shown(c.scored) else None,
        host_again_share=share(c.host_again_yes, c.supervisors_answered),
        places_offered=c.places_offered,
        self_found_share=share(c.self_found, c.placed),
    )


@dataclass(frozen=True)
class Row:
    key: str  # a school's or employer's id, or a trade
    label: str
    figures: Figures


@dataclass(frozen=True)
class EquityRow:
    """Whether a family network still decides access: per school, the share of placed pupils
    who found their own place beside the share of allocated pupils given a top-3 wish."""

    key: str
    label: str
    self_found_share: float | None
    top3_share: float | None


def equity(row: Row) -> EquityRow:
    f = row.figures
    return EquityRow(row.key, row.label, f.self_found_share, f.top3_share)


@dataclass(frozen=True)
class PeriodStatistics:
    period: Period
    totals: Figures
    by_school: list[Row]
    by_trade: list[Row]
    by_employer: list[Row]

    @property
    def period_id(self) -> int:
        return self.period.id

    @property
    def period_name(self) -> str:
        return self.period.name

    @property
    def equity(self) -> list[EquityRow]:
        return [equity(row) for row in self.by_school]


@dataclass(frozen=True)
class Column:
    name: str  # a field of Figures
    header: str  # Swedish, for the table and the CSV
    kind: str  # "count", "share" (shown as per cent) or "score"


COLUMNS = (
    Column("pupils", "Elever", "count"),
    Column("placed", "Med plats", "count"),
    Column("unplaced", "Utan plats", "count"),
    Column("self_found", "Egen plats", "count"),
    Column("allocated", "Fördelade", "count"),
    Column("first_come", "Först till kvarn", "count"),
    Column("top3_share", "Fick topp 3-önskemål (%)", "share"),
    Column("absence_rate", "Frånvaro (%)", "share"),
    Column("certificate_rate", "Intyg signerade (%)", "share"),
    Column("pupil_response_rate", "Elever som utvärderat (%)", "share"),
    Column("supervisor_response_rate", "Handledare som utvärderat (%)", "share"),
    Column("average_score", "Elevernas betyg (1–4)", "score"),
    Column("host_again_share", "Tar emot igen (%)", "share"),
    Column("places_offered", "Erbjudna platser", "count"),
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: float | int | None, kind: str) -> str:
    """A figure as Swedish text (decimal comma); a suppressed cell is empty."""
    if value is None:
        return ""
    if kind == "share":
        return f"{value * 100:.1f}".replace(".", ",")
    if kind == "score":
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def _safe(value: str) -> str:
    """A name a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def as_csv(stats: PeriodStatistics) -> bytes:
    """Every row of the statistics (semicolons, UTF-8 with BOM for Excel), suppressed cells
    empty: Del; Namn; then the figures."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Del", "Namn", *(c.header for c in COLUMNS)])
    groups: list[tuple[str, list[Row]]] = [
        ("Totalt", [Row("", "Alla", stats.totals)]),
        ("Skola", stats.by_school),
        ("Bransch", stats.by_trade),
        ("Arbetsgivare", stats.by_employer),
    ]
    for section, rows in groups:
        for row in rows:
            values = [cell(getattr(row.figures, c.name), c.kind) for c in COLUMNS]
            writer.writerow([section, _safe(row.label), *values])
    writer.writerow([])
    writer.writerow(["Likvärdighet", "Skola", "Egen plats (%)", "Fick topp 3-önskemål (%)"])
    for e in stats.equity:
        writer.writerow(
            [
                "Likvärdighet",
                _safe(e.label),
                cell(e.self_found_share, "share"),
                cell(e.top3_share, "share"),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
