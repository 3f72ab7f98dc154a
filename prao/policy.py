"""Who may see what: every list and lookup in every adapter goes through these scopes, and every
pupil is shown through the pupil view (prao.pupil_view, re-exported here)."""

from __future__ import annotations

from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.models import (
    Booking,
    BookingOrigin,
    BookingStatus,
    Employer,
    EmployerStatus,
    Period,
    Permission,
    Pupil,
    Role,
    School,
    Slot,
    SlotStatus,
    SlotVisibility,
)
from prao.pupil_view import PupilView as PupilView
from prao.pupil_view import Reader as Reader
from prao.pupil_view import audit_read as audit_read
from prao.pupil_view import export_views as export_views
from prao.pupil_view import pupil_view as pupil_view
from prao.pupil_view import pupil_views as pupil_views
from prao.pupil_view import reader_of as reader_of
from prao.pupil_view import see as see
from prao.pupil_view import shown as shown
from prao.pupil_view import view_as as view_as
from prao.pupil_view import workplace_view as workplace_view

NOTHING = Q(id__lt=0)  # primary keys are positive: matches no row


def lacks(actor: Actor, permission: Permission, field: str | None = None) -> DomainError | None:
    """FORBIDDEN when the actor (in practice an API token) was not granted `permission`.
    Every write service asks this first, before it reads or changes anything."""
    if actor.may(permission):
        return None
    return DomainError.of(ErrorCode.FORBIDDEN, field)


def lacks_write(actor: Actor, field: str | None = None) -> DomainError | None:
    return lacks(actor, Permission.WRITE, field)


def _unreadable(actor: Actor) -> bool:
    """A token without READ sees nothing at all, whatever its scope."""
    return not actor.may(Permission.READ)


def visible_to_school_q(school_id: int, organiser_id: int) -> Q:
    """Slots a school may see: open to the whole organiser, or listed for the school, and only
    of employers the organiser has approved (DESIGN.md §7)."""
    listed = SlotVisibility.filter(school_id=school_id).values("slot_id")
    return Q(employer__organiser_id=organiser_id, employer__status=EmployerStatus.APPROVED) & (
        Q(visible_to_all=True) | Q(id__in=Subquery(listed))
    )


def slots_q(actor: Actor) -> Q:
    if _unreadable(actor):
        return NOTHING
    if actor.employer_id is not None and actor.role is Role.EMPLOYER:
        # A pupil's self-found request to the employer is not one of its slots until it has
        # said yes: it sees the request (prao.services.hosting), not a slot to edit or publish.
        unconfirmed = Booking.filter(
            origin=BookingOrigin.SELF_FOUND, status__not=BookingStatus.CONFIRMED
        ).values("slot_id")
        return Q(employer_id=actor.employer_id) & ~Q(id__in=Subquery(unconfirmed))
    if actor.organiser_id is None:
        return NOTHING
    if actor.school_id is not None:
        q = visible_to_school_q(actor.school_id, actor.organiser_id)
        # Pupils see only what they can book; staff also see closed slots they may still hold.
        if actor.is_pupil:
            return q & Q(status=SlotStatus.PUBLISHED)
        return q & ~Q(status=SlotStatus.DRAFT)
    if actor.is_school_staff:  # organiser-wide token or admin
        return Q(employer__organiser_id=actor.organiser_id)
    return NOTHING


def slots(actor: Actor) -> QuerySet[Slot]:
    return Slot.filter(slots_q(actor))


# The rule of `slots_q` for a pupil, as a condition on `slot s` for hand-written SQL on a hot
# path (with pupil_slot_values); tests/domain/test_policy_sql.py holds the two together.
PUPIL_SLOT_SQL = """s.status = :published AND EXISTS (
    SELECT 1 FROM employer ve WHERE ve.id = s.employer_id AND ve.organiser_id = :organiser
      AND ve.status = :approved)
  AND (s.visible_to_all OR EXISTS (
    SELECT 1 FROM slot_visibility v WHERE v.slot_id = s.id AND v.school_id = :school))"""


def pupil_slot_values(actor: Actor) -> dict[str, object] | None:
    """The values of PUPIL_SLOT_SQL for a pupil; None for anyone else, and for a pupil who
    sees no slot at all."""
    if not actor.is_pupil or _unreadable(actor):
        return None
    if actor.organiser_id is None or actor.school_id is None:
        return None
    return {
        "published": SlotStatus.PUBLISHED.value,
        "organiser": actor.organiser_id,
        "approved": EmployerStatus.APPROVED.value,
        "school": actor.school_id,
    }


def bookings(actor: Actor) -> QuerySet[Booking]:
    if _unreadable(actor):
        return Booking.filter(NOTHING)
    if actor.is_pupil and actor.pupil_id is not None:
        return Booking.filter(pupil_id=actor.pupil_id)
    if actor.role is Role.EMPLOYER and actor.employer_id is not None:
        return Booking.filter(slot__employer_id=actor.employer_id)
    if actor.is_school_staff and actor.school_id is not None:
        return Booking.filter(pupil__school_id=actor.school_id)
    if actor.is_school_staff and actor.organiser_id is not None:
        return Booking.filter(pupil__school__organiser_id=actor.organiser_id)
    return Booking.filter(NOTHING)


class PupilScope(StrEnum):
    """Which pupils an actor may read: those of one school, of one organiser, or one pupil."""

    SCHOOL = "school"
    ORGANISER = "organiser"
    PUPIL = "pupil"


def pupil_scope(actor: Actor) -> tuple[PupilScope, int] | None:
    """The rule of `pupils` as data, for hand-written SQL on a hot path; None: no pupil."""
    if _unreadable(actor):
        return None
    if actor.is_school_staff and actor.school_id is not None:
        return PupilScope.SCHOOL, actor.school_id
    if actor.is_school_staff and actor.organiser_id is not None:
        return PupilScope.ORGANISER, actor.organiser_id
    if actor.is_pupil and actor.pupil_id is not None:
        return PupilScope.PUPIL, actor.pupil_id
    return None


def pupils(actor: Actor) -> QuerySet[Pupil]:
    """Pupil records: school staff and tokens only (a pupil reads herself via her bookings)."""
    scope = pupil_scope(actor)
    if scope is None:
        return Pupil.filter(NOTHING)
    kind, key = scope
    if kind is PupilScope.SCHOOL:
        return Pupil.filter(school_id=key)
    if kind is PupilScope.ORGANISER:
        return Pupil.filter(school__organiser_id=key)
    return Pupil.filter(id=key)


def schools(actor: Actor) -> QuerySet[School]:
    if _unreadable(actor):
        return School.filter(NOTHING)
    if actor.school_id is not None:
        return School.filter(id=actor.school_id)
    if actor.organiser_id is not None and not actor.is_anonymous:
        return School.filter(organiser_id=actor.organiser_id)
    return School.filter(NOTHING)


def periods(actor: Actor) -> QuerySet[Period]:
    if _unreadable(actor):
        return Period.filter(NOTHING)
    if actor.is_pupil and actor.school_id is not None:
        return Period.filter(school_id=actor.school_id)
    if actor.is_school_staff and actor.school_id is not None:
        return Period.filter(school_id=actor.school_id)
    if actor.is_school_staff and actor.organiser_id is not None:
        return Period.filter(school__organiser_id=actor.organiser_id)
    return Period.filter(NOTHING)


def employers(actor: Actor) -> QuerySet[Employer]:
    if _unreadable(actor):
        return Employer.filter(NOTHING)
    if actor.role is Role.EMPLOYER and actor.employer_id is not None:
        return Employer.filter(id=actor.employer_id)
    if actor.organiser_id is not None and not actor.is_anonymous:
        return Employer.filter(organiser_id=actor.organiser_id)
    return Employer.filter(NOTHING)


# The smallest group an aggregate of pupils' answers is shown for (evaluations to a workplace,
# statistics cells): under it one pupil's answer could be told from the figure.
MIN_GROUP = 5


def group_shown(pupils: int) -> bool:
    """Whether an aggregate over this many pupils may be shown to anyone but the pupils."""
    return pupils >= MIN_GROUP


def statistics_schools(actor: Actor) -> tuple[int, int | None] | None:
    """Whose statistics an actor may read, as (organiser, school): an organiser admin or an
    organiser-wide token every school of the organiser (school None), a coordinator or a
    school's token her own school's rows and the totals; None (refused) for anyone else."""
    if _unreadable(actor) or actor.organiser_id is None or not actor.is_school_staff:
        return None
    if actor.school_id is not None:
        return actor.organiser_id, actor.school_id
    if actor.is_token or actor.role is Role.ADMIN:
        return actor.organiser_id, None
    return None
