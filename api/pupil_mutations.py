"""School systems push their pupils: a thin call into prao.services.pupil_upsert, which holds the
rules (the class list's checks, all or nothing, who may)."""

from __future__ import annotations

import strawberry

from api import ids
from api.context import Info
from api.inputs import text_of
from api.types import ErrorCode, Pupil
from prao import errors, policy
from prao.errors import DomainError
from prao.services import pupil_upsert
from prao.services.pupil_rows import PupilRow, RowError

BAD_ID = "Ogiltigt id."


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
        description=f"At most {pupil_upsert.MAX_ROWS}, each external id once."
    )


@strawberry.type(description="Why upsertPupils refused a row, or the whole call.")
class UpsertPupilsError:
    index: int | None = strawberry.field(
        description="The row's position in pupils (from 0); null when about the whole call."
    )
    field: str | None = strawberry.field(description="The input field the error is about.")
    code: ErrorCode
    message: str = strawberry.field(description="Swedish, ready to show to the person.")

    @classmethod
    def of(cls, error: DomainError) -> UpsertPupilsError:
        index = error.index if isinstance(error, RowError) else None
        return cls(
            index=index, field=error.field, code=ErrorCode(error.code), message=error.message
        )


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
    def refused(cls, *errors: UpsertPupilsError) -> UpsertPupilsPayload:
        return cls(created=0, updated=0, unchanged=0, pupil_ids=[], pupils=[], errors=list(errors))


def _bad_school(value: strawberry.ID) -> UpsertPupilsError:
    """An id that is not ours is INVALID; one of ours naming another type names nothing."""
    if ids.decode(value) is None:
        return UpsertPupilsError.of(DomainError.of(errors.ErrorCode.INVALID, "schoolId", BAD_ID))
    return UpsertPupilsError.of(DomainError.of(errors.ErrorCode.NOT_FOUND, "schoolId"))


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
        school_id = ids.decode_as(input.school_id, "School")
        if school_id is None:
            return UpsertPupilsPayload.refused(_bad_school(input.school_id))
        actor = info.context.actor
        rows = [p.to_row() for p in input.pupils]
        outcome = await pupil_upsert.upsert_pupils(actor, school_id, rows)
        if outcome.value is None:
            return UpsertPupilsPayload.refused(*(UpsertPupilsError.of(e) for e in outcome.errors))
        found = outcome.value
        return UpsertPupilsPayload(
            created=found.created,
            updated=found.updated,
            unchanged=found.unchanged,
            pupil_ids=[strawberry.ID(ids.encode("Pupil", i)) for i in found.pupil_ids],
            pupils=[Pupil.from_view(policy.see(actor, p)) for p in found.pupils],
            errors=[],
        )
