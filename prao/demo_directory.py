"""Who the demo sign-in page offers, and the would-be e-mails demo mode shows instead of
sending: reads for /demo, beside the seeding in prao/demo.py."""

from __future__ import annotations

from prao.models import (
    Booking,
    Certificate,
    Employer,
    OutboxMessage,
    Period,
    PeriodMode,
    Pupil,
    Role,
    School,
    User,
)
from prao.validation import clean_text

DEMO_PEOPLE_PER_SCHOOL = 3


async def demo_people() -> list[User]:
    """A few people per role for the /demo sign-in page."""
    people: list[User] = []
    people += await User.filter(role=Role.ADMIN).order_by("id").limit(1)
    people += await User.filter(role=Role.COORDINATOR).order_by("id").limit(3)
    for school in await School.all().order_by("id"):
        people += (
            await User.filter(role=Role.PUPIL, pupil__school_id=school.id, pupil__year_group=8)
            .order_by("id")
            .limit(DEMO_PEOPLE_PER_SCHOOL)
        )
    # Year 9 at the first school leaves wishes in an allocation period.
    people += (
        await User.filter(role=Role.PUPIL, pupil__year_group=9)
        .order_by("id")
        .limit(DEMO_PEOPLE_PER_SCHOOL)
    )
    people += await User.filter(role=Role.EMPLOYER).order_by("id").limit(3)
    return people


async def _where(user: User) -> str:
    """The school, organiser or workplace a demo person belongs to."""
    if user.role == Role.PUPIL and user.pupil_id is not None:
        pupil = await Pupil.get(id=user.pupil_id).select_related("school")
        where = f"{pupil.school.name}, klass {pupil.class_name}"
        periods = await Period.filter(school_id=pupil.school_id, year_group=pupil.year_group)
        modes = {p.mode for p in periods}
        if PeriodMode.ALLOCATION in modes:
            return f"{where} · önskar platser, SYV fördelar"
        return f"{where} · bokar själv, först till kvarn" if modes else where
    if user.school_id is not None:
        return (await School.get(id=user.school_id)).name
    if user.employer_id is not None:
        return (await Employer.get(id=user.employer_id)).name
    if user.organiser_id is not None:
        await user.fetch_related("organiser")
        return user.organiser.name if user.organiser else ""
    return ""


async def demo_directory() -> list[tuple[User, str]]:
    """The demo people, each with where she belongs, for the /demo page."""
    return [(user, await _where(user)) for user in await demo_people()]


async def ended_people() -> list[tuple[User, str]]:
    """The pupils of the demo's week that has ended, each with how it went: her certificate
    signed (she downloads it), or still asked for."""
    found: list[tuple[User, str]] = []
    for row in await Certificate.filter(booking_id__isnull=False).order_by("id").limit(2):
        booking = await Booking.get(id=row.booking_id).select_related("pupil__school")
        user = await User.get_or_none(pupil_id=booking.pupil_id, role=Role.PUPIL)
        if user is None:
            continue
        state = "intyget är signerat" if row.signed_at else "sjukanmäld en dag, intyget saknas"
        pupil = booking.pupil
        found.append(
            (user, f"{pupil.school.name}, klass {pupil.class_name} · praon är slut, {state}")
        )
    return found


async def demo_outbox(limit: int, to: str = "", before: int | None = None) -> list[OutboxMessage]:
    """The newest would-be e-mails of every organiser, optionally to an address containing `to`
    and older than message `before`: demo mode shows them instead of sending."""
    found = OutboxMessage.all()
    to = clean_text(to)  # typed in the address bar: a NUL would reach PostgreSQL
    if to:
        found = found.filter(to_address__icontains=to)
    if before is not None:
        found = found.filter(id__lt=before)
    return await found.order_by("-id").limit(limit)
