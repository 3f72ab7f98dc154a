"""School systems push their pupils: a thin call into prao.services.pupil_upsert, which holds the
rules (the class list's checks, all or nothing, who may)."""

from __future__ import annotations

from typing import Self

import strawberry

from api import ids
from api.context import Info
from api.inputs import text_of
from api.limits import MAX_UPSERT_ROWS
from api.mutation_errors import MutationError, listed_in_order, pk_of
from api.types import Pupil
from prao import policy
from prao.errors import DomainError
from prao.services import pupil_upsert
from prao.services.pupil_rows import PupilRow, RowError


@strawberry.input(
    description=(
        "One pupil as the school's system knows her, like a row of a class list. The row is the "
        "whole truth: a field left out is stored empty (no e-mail), except guardianEmail, which "
        "only ever adds a guardian. securityMarking must always be sent, so that leaving it out "
        "can never lift a pupil's protected identity."
    )
)
class PupilInput:
    external_id: str = strawberry.field(
        description="The school system's id for the pupil: the key that finds her next time."
    )
    first_name: str | None = None
    last_name: str | None = None
    year_group: int | None = strawberry.field(default=None, description="1–10.")
    class_name: str | None = strawberry.field(default=None, description="At most 20 characters.")
    email: str | None = strawberry.field(
        default=None, description="The pupil's own address; she signs in with it."
    )
    guardian_email: str | None = None
    security_marking: bool = strawberry.field(
        description="Protected identity (skyddad identitet); required."
    )

    def to_row(self) -> PupilRow:
        return PupilRow(
            external_id=text_of(self.external_id),
            first_name=text_of(self.first_name),
            last_name=text_of(self.last_name),
            year_group=self.year_group,
            class_name=text_of(self.class_name),
            email=text_of(self.email),
            guardian_email=text_of(self.guardian_email),
            security_marking=self.security_marking,
        )


@strawberry.input
class UpsertPupilsInput:
    school_id: strawberry.ID
    pupils: list[PupilInput] = strawberry.field(
        description=f"At most {MAX_UPSERT_ROWS}, each external id once."
    )


@listed_in_order("index", "field", "code", "message")
@strawberry.type(description="Why upsertPupils refused a row, or the whole call.")
class UpsertPupilsError(MutationError):
    index: int | None = strawberry.field(
        default=None,
        description="The row's position in pupils (from 0); null when about the whole call.",
    )

    @classmethod
    def from_domain(cls, error: DomainError) -> Self:
        found = super().from_domain(error)
        if isinstance(error, RowError):
            found.index = error.index
        return found


@strawberry.type(description="Nothing is saved when there are errors; the counts are then 0.")
class UpsertPupilsPayload:
    created: int
    updated: int
    unchanged: int = strawberry.field(description="Rows equal to what was stored: not written.")
    pupil_ids: list[strawberry.ID] = strawberry.field(
        description="The saved pupils' ids, in the order of rows."
    )
    pupils: list[Pupil] = strawberry.field(
        description=(
            "The saved pupils, in the order of rows; empty for a token without read permission, "
            "which gets pupilIds and the counts only."
        )
    )
    errors: list[UpsertPupilsError]

    @classmethod
    def refused(cls, *errors: DomainError) -> UpsertPupilsPayload:
        refusals = UpsertPupilsError.all_from(errors)
        return cls(created=0, updated=0, unchanged=0, pupil_ids=[], pupils=[], errors=refusals)


@strawberry.type
class PupilMutation:
    @strawberry.mutation(
        description=(
            "Create or update a school's pupils by external id, all or nothing. Pupils left out "
            "are left alone. For the school's coordinator, its organiser's admins and tokens "
            "with write permission."
        )
    )
    async def upsert_pupils(self, info: Info, input: UpsertPupilsInput) -> UpsertPupilsPayload:
        school_id = pk_of(input.school_id, "School", "schoolId")
        if isinstance(school_id, DomainError):
            return UpsertPupilsPayload.refused(school_id)
        actor = info.context.actor
        rows = [p.to_row() for p in input.pupils]
        outcome = await pupil_upsert.upsert_pupils(actor, school_id, rows)
        if outcome.value is None:
            return UpsertPupilsPayload.refused(*outcome.errors)
        found = outcome.value
        return UpsertPupilsPayload(
            created=found.created,
            updated=found.updated,
            unchanged=found.unchanged,
            pupil_ids=[strawberry.ID(ids.encode("Pupil", i)) for i in found.pupil_ids],
            pupils=[Pupil.from_view(policy.see(actor, p)) for p in found.pupils],
            errors=[],
        )
