"""A coordinator erases one pupil's personal data on request (the pupil's or her guardians'
right to erasure), through the statements of prao.services.erasure.

Only school staff of the pupil's own school (a coordinator of it, or an admin of its
organiser) may; anyone else is told the pupil does not exist, and nothing is recorded.

The rule for a placement still ahead: erasure waits until it is cancelled. Cancelling tells
the workplace, the pupil and her guardians and gives the place back through the ordinary
path; erasing first would leave a workplace expecting a pupil nobody can name or reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.models import ACTIVE_BOOKING_STATUSES, Booking, Guardian, Pupil, Role
from prao.pupil_view import PupilView
from prao.services.erasure import Erased, Statements
from prao.services.retention import ERASE
from prao.validation import MAX_ID

ALREADY_ERASED = "Elevens uppgifter är redan raderade."
ACTIVE_PLACEMENT = (
    "Eleven har en placering som inte är slut än. Avboka den först, så att arbetsplatsen får "
    "veta det och platsen blir ledig; radera sedan elevens uppgifter."
)


@dataclass(frozen=True)
class ErasurePreview:
    """What the confirmation page shows before the coordinator says yes."""

    view: PupilView
    bookings: int
    guardians: int
    # Bookings that block the erasure: active, and the placement not over yet.
    active: list[Booking]

    @property
    def blocked(self) -> bool:
        return bool(self.active)


async def _own_pupil(actor: Actor, pupil_id: int) -> Pupil | None:
    """The pupil if `actor` may erase her: staff of her school, never an employer, a pupil or
    a token (a school system erases by leaving the pupil out of its data, not by this)."""
    if not 0 < pupil_id <= MAX_ID:  # an id no row can have (PostgreSQL refuses it)
        return None
    if actor.role is Role.COORDINATOR and actor.school_id is not None:
        found = Pupil.filter(id=pupil_id, school_id=actor.school_id)
    elif actor.role is Role.ADMIN and actor.organiser_id is not None:
        found = Pupil.filter(id=pupil_id, school__organiser_id=actor.organiser_id)
    else:
        return None
    return await found.select_related("school").first()


async def _active_ahead(
    pupil_id: int, connection: BaseDBAsyncClient | None = None
) -> list[Booking]:
    return (
        await Booking.filter(
            pupil_id=pupil_id,
            status__in=list(ACTIVE_BOOKING_STATUSES),
            slot__end_date__gte=clock.today(),
        )
        .select_related("slot__employer")
        .order_by("id")
        .using_db(connection)
    )


async def erasure_preview(actor: Actor, pupil_id: int) -> Outcome[ErasurePreview]:
    """The confirmation page's facts; the read of the pupil is audited as any other."""
    pupil = await _own_pupil(actor, pupil_id)
    if pupil is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "pupil_id")
    if pupil.erased_at is not None:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "pupil_id", ALREADY_ERASED)
    view = await policy.pupil_view(actor, pupil, purpose="erasure", school=pupil.school)
    return Outcome(
        value=ErasurePreview(
            view=view,
            bookings=await Booking.filter(pupil_id=pupil.id).count(),
            guardians=await Guardian.filter(pupil_id=pupil.id).count(),
            active=await _active_ahead(pupil.id),
        )
    )


async def erase_pupil(actor: Actor, pupil_id: int) -> Outcome[Erased]:
    """Erase her now; audited with the counts. Refused (nothing changed) for a pupil not of
    the actor's school, one already erased, and one with a placement still ahead."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    pupil = await _own_pupil(actor, pupil_id)
    if pupil is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "pupil_id")
    now = clock.now()
    try:
        async with in_transaction() as conn:
            # Locked: of two erasures at once, the second finds her erased.
            locked = await Pupil.select_for_update().using_db(conn).get(id=pupil.id)
            if locked.erased_at is not None:
                raise Refused(DomainError.of(ErrorCode.NOT_ACTIVE, "pupil_id", ALREADY_ERASED))
            if await _active_ahead(pupil.id, conn):
                raise Refused(DomainError.of(ErrorCode.NOT_ACTIVE, "pupil_id", ACTIVE_PLACEMENT))
            statements = Statements(conn, now)
            briefs = await statements.erase_briefs_naming(pupil.id)
            lists = await statements.erase_applied_class_lists(pupil.id)
            erased = await statements.erase_listed(await statements.list_pupil(pupil.id))
            erased.messages += briefs
            erased.class_lists += lists
            await audit.record(
                actor,
                ERASE,
                "pupil",
                erased.pupils,
                connection=conn,
                reason="request",
                pupil_id=pupil.id,
                **erased.counts(),
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return Outcome(value=erased)
