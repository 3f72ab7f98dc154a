"""The municipality's statistics of a period over GraphQL: a thin mapping of
prao.services.statistics, which decides who may read what; a suppressed cell is null."""

from __future__ import annotations

import strawberry

from api import ids
from api.context import Info
from api.types import Period
from prao import statistics
from prao.services import statistics as service


@strawberry.type(
    description="One row of a period's statistics. A count or share over fewer than five "
    "pupils is null, so that no pupil can be told from it; shares are 0–1."
)
class StatisticsFigures:
    pupils: int | None
    placed: int | None
    unplaced: int | None
    self_found: int | None
    allocated: int | None
    first_come: int | None
    self_found_share: float | None = strawberry.field(description="Of placed pupils.")
    top3_share: float | None = strawberry.field(
        description="Of allocated pupils who ranked wishes: placed at one of their first three."
    )
    absence_rate: float | None = strawberry.field(
        description="Absent days (reported or not) over recorded attendance days."
    )
    certificate_rate: float | None = strawberry.field(description="Signed over asked.")
    pupil_response_rate: float | None
    supervisor_response_rate: float | None
    average_score: float | None = strawberry.field(description="The pupils' overall score, 1–4.")
    host_again_share: float | None = strawberry.field(
        description="Of supervisors who answered: would host again (yes)."
    )
    places_offered: int = strawberry.field(
        description="Places of published slots in the period's weeks (not pupils: never null)."
    )

    @classmethod
    def of(cls, f: statistics.Figures) -> StatisticsFigures:
        return cls(
            pupils=f.pupils,
            placed=f.placed,
            unplaced=f.unplaced,
            self_found=f.self_found,
            allocated=f.allocated,
            first_come=f.first_come,
            self_found_share=f.self_found_share,
            top3_share=f.top3_share,
            absence_rate=f.absence_rate,
            certificate_rate=f.certificate_rate,
            pupil_response_rate=f.pupil_response_rate,
            supervisor_response_rate=f.supervisor_response_rate,
            average_score=f.average_score,
            host_again_share=f.host_again_share,
            places_offered=f.places_offered,
        )


@strawberry.type(description="The figures of one school, trade or employer.")
class StatisticsRow:
    id: strawberry.ID | None = strawberry.field(
        description="The School's or Employer's global id; null for a trade."
    )
    name: str
    figures: StatisticsFigures


@strawberry.type(
    description="Whether a family network still decides access: per school, the share of "
    "placed pupils who found their own place beside the share given a top-3 wish."
)
class EquityRow:
    school_id: strawberry.ID
    name: str
    self_found_share: float | None
    top3_share: float | None


@strawberry.type(
    description="A period's statistics, counted over every period of the organiser in the same "
    "weeks. A school's coordinator or token sees its own school's rows beside the totals."
)
class PeriodStatistics:
    period: Period
    totals: StatisticsFigures
    by_school: list[StatisticsRow]
    by_trade: list[StatisticsRow]
    by_employer: list[StatisticsRow]
    equity: list[EquityRow]


def _rows(rows: list[statistics.Row], type_name: str | None) -> list[StatisticsRow]:
    return [
        StatisticsRow(
            id=strawberry.ID(ids.encode(type_name, int(r.key))) if type_name else None,
            name=r.label,
            figures=StatisticsFigures.of(r.figures),
        )
        for r in rows
    ]


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="A period's statistics for an organiser's admin or token (every school) "
        "or a school's coordinator or token (its school); null if not yours."
    )
    async def period_statistics(
        self, info: Info, period_id: strawberry.ID
    ) -> PeriodStatistics | None:
        pk = ids.decode_as(period_id, "Period")
        if pk is None:
            return None
        outcome = await service.period_statistics(info.context.actor, pk)
        if outcome.value is None:
            return None
        found = outcome.value
        return PeriodStatistics(
            period=Period.from_row(found.period),
            totals=StatisticsFigures.of(found.totals),
            by_school=_rows(found.by_school, "School"),
            by_trade=_rows(found.by_trade, None),
            by_employer=_rows(found.by_employer, "Employer"),
            equity=[
                EquityRow(
                    school_id=strawberry.ID(ids.encode("School", int(e.key))),
                    name=e.label,
                    self_found_share=e.self_found_share,
                    top3_share=e.top3_share,
                )
                for e in found.equity
            ],
        )
