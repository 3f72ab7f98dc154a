"""One DataLoader per related type, created per request.

Loaders fetch by primary key without a policy scope: they serve only fields of objects the actor
was already allowed to see (a visible booking's pupil, a visible slot's employer). Entry points
(lists, `node`, mutations) go through prao.policy. Pupils are shown only as prao.policy's pupil
view for the actor, and a booking's period only where policy lets the actor see periods.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from api.assessment_types import RiskAssessment
from api.consent_objects import GuardianConsent
from api.types import AttendanceDay, CertificateInfo, Employer, Period, Pupil, School, Slot
from prao import audit, models, policy, rows
from prao.actor import Actor
from prao.readiness import Readiness, State, Step
from prao.rows import fetch as rows_of
from prao.services import consent, risk_assessment
from prao.services.attendance import booking_days
from prao.services.certificate import signed_certificates
from prao.services.readiness import booking_states

M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def _by_id(
    model: type[M], ids: Sequence[int], build: Callable[[M], T]
) -> list[T | BaseException]:
    # Foreign keys guarantee the rows; a missing one is a bug, reported as the load's error.
    found = {row.pk: row for row in await rows.by_ids(model, ids)}
    return [build(found[i]) if i in found else LookupError(f"{model.__name__} {i}") for i in ids]


def _brought(row: Model, related: str) -> bool:
    """Whether the page's statement brought the row's related object (not None: a foreign key
    guarantees it, and a missing one is left to the loader, which reports it)."""
    return row.__dict__.get(f"_{related}") is not None


class Loaders:
    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        # Objects a list page brought along in its own statement, by loader: a batch takes
        # them from here instead of reading (or auditing) them again.
        self.known: dict[str, dict[int, Any]] = {}
        self.views: dict[int, Callable[[], policy.PupilView]] = {}

    # Each made when a field first asks for it: most requests (a mutation, a page without
    # related objects) need none, and a loader holds its owner in a reference cycle, which
    # only the garbage collector frees.
    @cached_property
    def employer(self) -> DataLoader[int, Employer]:
        return DataLoader(self._employers)

    @cached_property
    def slot(self) -> DataLoader[int, Slot]:
        return DataLoader(self._slots)

    @cached_property
    def pupil(self) -> DataLoader[int, Pupil]:
        return DataLoader(self._pupils)

    @cached_property
    def school(self) -> DataLoader[int, School]:
        return DataLoader(self._schools)

    @cached_property
    def period(self) -> DataLoader[int, Period]:
        return DataLoader(self._periods)

    @cached_property
    def booking_period(self) -> DataLoader[int, Period | None]:
        return DataLoader(self._booking_periods)

    # A booking's readiness fields share one read: each field's loader asks this one.
    @cached_property
    def readiness_state(self) -> DataLoader[int, State]:
        return DataLoader(self._readiness_states)

    @cached_property
    def readiness(self) -> DataLoader[int, Readiness]:
        return DataLoader(self._readiness)

    @cached_property
    def missing_steps(self) -> DataLoader[int, list[Step]]:
        return DataLoader(self._missing_steps)

    @cached_property
    def next_step(self) -> DataLoader[int, str]:
        return DataLoader(self._next_step)

    @cached_property
    def attendance(self) -> DataLoader[int, list[AttendanceDay]]:
        return DataLoader(self._attendance)

    async def _attendance(self, ids: list[int]) -> list[list[AttendanceDay]]:
        """Two queries for a page of bookings; a read of attendance by anyone but the pupil
        herself is audited once per batch."""
        found = await booking_days(ids)
        if not self.actor.is_pupil:
            await audit.record(self.actor, "read", "attendance", len(found), source="graphql")
        return [
            [
                AttendanceDay(date=d.day, status=d.status, note=d.note, confirmed=d.confirmed)
                for d in found.get(i, [])
            ]
            for i in ids
        ]

    @cached_property
    def certificate(self) -> DataLoader[int, CertificateInfo | None]:
        return DataLoader(self._certificates)

    async def _certificates(self, ids: list[int]) -> list[CertificateInfo | None]:
        """One query for a page; a read by anyone but the pupil herself is audited."""
        found = await signed_certificates(ids)
        if found and not self.actor.is_pupil:
            await audit.record(self.actor, "read", "certificate", len(found), source="graphql")
        return [CertificateInfo.from_row(found[i]) if i in found else None for i in ids]

    async def _readiness_states(self, ids: list[int]) -> list[State | BaseException]:
        found = await booking_states(ids)
        return [found[i] if i in found else LookupError(f"Booking {i}") for i in ids]

    async def _readiness(self, ids: list[int]) -> list[Readiness]:
        return [s.readiness for s in await self.readiness_state.load_many(ids)]

    async def _missing_steps(self, ids: list[int]) -> list[list[Step]]:
        return [list(s.missing) for s in await self.readiness_state.load_many(ids)]

    async def _next_step(self, ids: list[int]) -> list[str]:
        return [s.next_step for s in await self.readiness_state.load_many(ids)]

    @cached_property
    def slot_assessments(
        self,
    ) -> DataLoader[int, tuple[RiskAssessment | None, RiskAssessment | None]]:
        """A slot's current assessment and the employer's own draft, as the actor may read."""
        return DataLoader(self._slot_assessments)

    @cached_property
    def assessment_reviews(self) -> DataLoader[int, list[models.AssessmentReview]]:
        return DataLoader(self._assessment_reviews)

    async def _slot_assessments(
        self, ids: list[int]
    ) -> list[tuple[RiskAssessment | None, RiskAssessment | None] | BaseException]:
        found = await risk_assessment.for_slots(self.actor, ids)

        def built(row: models.RiskAssessment | None) -> RiskAssessment | None:
            return RiskAssessment.from_row(row) if row is not None else None

        empty = risk_assessment.SlotAssessment(None, None)
        return [(built(found.get(i, empty).current), built(found.get(i, empty).draft)) for i in ids]

    async def _assessment_reviews(
        self, ids: list[int]
    ) -> list[list[models.AssessmentReview] | BaseException]:
        found = await risk_assessment.reviews_of(ids)
        return [found.get(i, []) for i in ids]

    @cached_property
    def booking_consents(self) -> DataLoader[int, list[GuardianConsent]]:
        return DataLoader(self._booking_consents)

    async def _booking_consents(self, ids: list[int]) -> list[list[GuardianConsent]]:
        found = await consent.of_bookings(self.actor, ids)
        return [[GuardianConsent.from_view(v) for v in found.get(i, [])] for i in ids]

    async def _employers(self, ids: list[int]) -> list[Employer | BaseException]:
        return await self._after_known("employer", ids, self._read_employers)

    async def _read_employers(self, ids: list[int]) -> list[Employer | BaseException]:
        return await _by_id(models.Employer, ids, Employer.from_row)

    async def _slots(self, ids: list[int]) -> list[Slot | BaseException]:
        return await self._after_known("slot", ids, self._read_slots)

    async def _read_slots(self, ids: list[int]) -> list[Slot | BaseException]:
        return await _by_id(models.Slot, ids, Slot.from_row)

    async def _after_known(
        self, loader: str, ids: list[int], read: Callable[[list[int]], Awaitable[list[Any]]]
    ) -> list[Any]:
        known = self.known.get(loader)
        if not known:
            return await read(ids)
        missing = [i for i in ids if i not in known]
        found = dict(zip(missing, await read(missing), strict=True)) if missing else {}
        return [known[i] if i in known else found[i] for i in ids]

    async def slots_brought(self, slots: Sequence[models.Slot]) -> None:
        """The employers a page of slots brought along: known from now on."""
        employers = {
            s.employer_id: s.__dict__["_employer"] for s in slots if _brought(s, "employer")
        }
        if employers:
            known = self.known.setdefault("employer", {})
            known.update({pk: Employer.from_row(row) for pk, row in employers.items()})

    async def bookings_brought(self, bookings: Sequence[models.Booking]) -> None:
        """The slots and pupils a page of bookings brought along (prao.pagination's `related`):
        known from now on; the pupils are seen and audited here, as a batch would."""
        slots = {b.slot_id: b.__dict__["_slot"] for b in bookings if _brought(b, "slot")}
        if slots:
            known = self.known.setdefault("slot", {})
            known.update({pk: Slot.from_row(row) for pk, row in slots.items()})
        pupils = {b.pupil_id: b.__dict__["_pupil"] for b in bookings if _brought(b, "pupil")}
        if pupils:
            views = await self._views(list(pupils.values()))
            self.known.setdefault("pupil", {}).update(views)

    def pupils_seen(self, views: dict[int, Callable[[], policy.PupilView]]) -> None:
        """Pupils a page showed (and audited) without this loader, each with how to make her
        view: later loads of them in the request take those instead of reading (or auditing)
        them again."""
        self.views.update(views)

    async def _schools(self, ids: list[int]) -> list[School | BaseException]:
        return await _by_id(models.School, ids, School.from_row)

    async def _periods(self, ids: list[int]) -> list[Period | BaseException]:
        return await _by_id(models.Period, ids, Period.from_row)

    async def _booking_periods(self, ids: list[int]) -> list[Period | None | BaseException]:
        """A booking's period within the actor's period scope (none for an employer)."""
        scope = policy.periods(self.actor).filter(id__in=ids)
        found = {row.pk: row for row in await rows_of(scope)}
        return [Period.from_row(found[i]) if i in found else None for i in ids]

    async def _pupils(self, ids: list[int]) -> list[Pupil | BaseException]:
        seen = [i for i in dict.fromkeys(ids) if i in self.views]
        if seen:
            known = self.known.setdefault("pupil", {})
            known.update({i: Pupil.from_view(self.views.pop(i)()) for i in seen})
        return await self._after_known("pupil", ids, self._read_pupils)

    async def _read_pupils(self, ids: list[int]) -> list[Pupil | BaseException]:
        # The school comes along in the same query: the view needs its organiser and name.
        by_id = await self._views(await rows.by_ids(models.Pupil, ids, related="school"))
        return [by_id[i] if i in by_id else LookupError(f"Pupil {i}") for i in ids]

    async def _views(self, pupils: list[models.Pupil]) -> dict[int, Pupil]:
        # One audit event per batch: a page of 100 bookings with pupils is one read of 100.
        views = await policy.pupil_views(self.actor, pupils, purpose="graphql", source="nested")
        return {view.id: Pupil.from_view(view) for view in views}
