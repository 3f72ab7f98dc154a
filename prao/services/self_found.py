"""Self-found placements (egenfunnen plats): a pupil names a workplace she found herself, and the
workplace confirms or declines by a one-time link, without an account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from prao import audit, clock, notices, policy
from prao.actor import Actor
from prao.auth import hash_secret
from prao.config import Settings
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingLink,
    BookingOrigin,
    BookingStatus,
    Employer,
    EmployerStatus,
    Guardian,
    LinkPurpose,
    Period,
    Pupil,
    School,
    Slot,
    SlotStatus,
    User,
)
from prao.services.employers import MAX_NAME, email_refusal
from prao.validation import character_errors, clean_text, dates_errors

CONFIRM_PATH = "/bekrafta/"
LINK_DAYS = 14
MAX_TASKS = 5000
# The pupil does not know the workplace's hours; the placement card shows these until changed.
DEFAULT_STARTS = 8 * 60
DEFAULT_ENDS = 15 * 60


@dataclass
class SelfFound:
    name: str
    contact_email: str
    start_date: date | None
    end_date: date | None
    tasks: str
    address: str = ""
    city: str = ""


async def _period_for(pupil: Pupil, start: date, end: date) -> Period | None:
    """The pupil's own prao period that holds these dates and has not ended."""
    return (
        await Period.filter(
            school_id=pupil.school_id,
            year_group=pupil.year_group,
            start_date__lte=start,
            end_date__gte=max(end, clock.today()),
        )
        .order_by("start_date", "id")
        .first()
    )


NOT_A_WORKPLACE = (
    "Skriv arbetsplatsens e-postadress, inte din egen eller en vårdnadshavares: det är "
    "arbetsplatsen som ska bekräfta platsen."
)
NOT_VETTED = "Arbetsplatsen med den e-postadressen är inte godkänd i Prao än. Prata med din SYV."


async def _pupil_side_address(pupil: Pupil, school: School, email: str) -> bool:
    """The pupil's own address, a guardian's, or any pupil's of the organiser: a workplace's
    yes must come from the workplace."""
    own = [pupil.email]
    own += await User.filter(pupil_id=pupil.id).values_list("email", flat=True)  # type: ignore[arg-type]
    own += await Guardian.filter(pupil_id=pupil.id).values_list("email", flat=True)  # type: ignore[arg-type]
    if email in {a.strip().lower() for a in own if a}:
        return True
    if await User.filter(email=email, pupil_id__isnull=False).exists():
        return True
    return await Pupil.filter(
        school__organiser_id=school.organiser_id, email__iexact=email
    ).exists()


async def _known_employer(organiser_id: int, email: str) -> Employer | None:
    """The organiser's employer this address belongs to: one of its people's sign-in, else its
    contact address."""
    user = (
        await User.filter(
            email=email, employer_id__isnull=False, employer__organiser_id=organiser_id
        )
        .select_related("employer")
        .first()
    )
    if user is not None and user.employer is not None:
        return user.employer
    return (
        await Employer.filter(organiser_id=organiser_id, contact_email=email).order_by("id").first()
    )


def _check(data: SelfFound) -> list[DomainError]:
    errors: list[DomainError] = []
    if not data.name:
        errors.append(DomainError.of(ErrorCode.INVALID, "name", "Skriv arbetsplatsens namn."))
    elif len(data.name) > MAX_NAME:
        errors.append(DomainError.of(ErrorCode.INVALID, "name", f"Högst {MAX_NAME} tecken."))
    refusal = email_refusal(data.contact_email, "contact_email")
    if refusal:
        errors.append(refusal)
    errors += dates_errors(data.start_date, data.end_date)
    if not data.tasks:
        errors.append(DomainError.of(ErrorCode.INVALID, "tasks", "Skriv vad du ska göra där."))
    elif len(data.tasks) > MAX_TASKS:
        errors.append(DomainError.of(ErrorCode.INVALID, "tasks", f"Högst {MAX_TASKS} tecken."))
    for value, field in ((data.address, "address"), (data.city, "city")):
        if len(value) > MAX_NAME:
            errors.append(DomainError.of(ErrorCode.INVALID, field, f"Högst {MAX_NAME} tecken."))
    return errors


async def register(actor: Actor, data: SelfFound, settings: Settings) -> Outcome[Booking]:
    """A pending booking of a private slot, and a link mailed to the workplace's contact."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not actor.is_pupil or actor.pupil_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    if bad_text := character_errors(
        {
            "name": data.name,
            "contact_email": data.contact_email,
            "tasks": data.tasks,
            "address": data.address,
            "city": data.city,
        }
    ):
        return Outcome(errors=bad_text)
    data = SelfFound(
        name=clean_text(data.name),
        contact_email=clean_text(data.contact_email).lower(),
        start_date=data.start_date,
        end_date=data.end_date,
        tasks=clean_text(data.tasks),
        address=clean_text(data.address),
        city=clean_text(data.city),
    )
    errors = _check(data)
    if errors:
        return Outcome(errors=errors)
    assert data.start_date is not None and data.end_date is not None
    pupil = await Pupil.get(id=actor.pupil_id)
    period = await _period_for(pupil, data.start_date, data.end_date)
    if period is None:
        return Outcome.fail(
            ErrorCode.DATES_DO_NOT_MATCH,
            "start_date",
            "Datumen måste ligga inom din praoperiod.",
        )
    if await Booking.exists(
        pupil_id=pupil.id, period_id=period.id, status__in=list(ACTIVE_BOOKING_STATUSES)
    ):
        return Outcome.fail(ErrorCode.ALREADY_BOOKED, "start_date")
    school = await School.get(id=pupil.school_id)
    if await _pupil_side_address(pupil, school, data.contact_email):
        return Outcome.fail(ErrorCode.INVALID, "contact_email", NOT_A_WORKPLACE)
    known = await _known_employer(school.organiser_id, data.contact_email)
    if known is not None and known.status != EmployerStatus.APPROVED:
        return Outcome.fail(ErrorCode.EMPLOYER_NOT_APPROVED, "contact_email", NOT_VETTED)
    raw = secrets.token_urlsafe(32)
    try:
        async with in_transaction() as conn:
            # A known workplace gets the request on its own pages as well as by e-mail; the
            # placement is its only once it says yes (prao.policy.slots_q). An unknown one
            # has no account: it answers by the link alone, and reaches only this pupil.
            employer = known or await Employer.create(
                organiser_id=school.organiser_id,
                name=data.name,
                contact_email=data.contact_email,
                address=data.address,
                city=data.city,
                using_db=conn,
            )
            slot = await Slot.create(
                employer_id=employer.id,
                title=data.name,
                tasks=data.tasks,
                address=data.address or employer.address,
                city=data.city or employer.city,
                trade="",
                start_date=data.start_date,
                end_date=data.end_date,
                starts_minute=DEFAULT_STARTS,
                ends_minute=DEFAULT_ENDS,
                break_minutes=30,
                capacity=1,
                taken=1,
                visible_to_all=False,  # private: listed for no school
                status=SlotStatus.CLOSED,
                requires_approval=True,
                using_db=conn,
            )
            try:
                booking = await Booking.create(
                    pupil_id=pupil.id,
                    slot_id=slot.id,
                    period_id=period.id,
                    status=BookingStatus.PENDING,
                    origin=BookingOrigin.SELF_FOUND,
                    created_by_id=actor.user_id,
                    using_db=conn,
                )
            except IntegrityError as exc:  # one active booking per period, raced
                raise Refused(DomainError.of(ErrorCode.ALREADY_BOOKED, "start_date")) from exc
            await BookingLink.create(
                booking_id=booking.id,
                purpose=LinkPurpose.CONFIRM_SELF_FOUND,
                token_hash=hash_secret(raw),
                email=data.contact_email,
                expires_at=clock.now() + timedelta(days=LINK_DAYS),
                using_db=conn,
            )
            message = await notices.self_found_request(
                booking=booking,
                pupil=pupil,
                school=school,
                to_address=data.contact_email,
                workplace=data.name,
                starts=data.start_date,
                ends=data.end_date,
                tasks=data.tasks,
                url=f"{settings.base_url}{CONFIRM_PATH}{raw}",
                link_days=LINK_DAYS,
                connection=conn,
            )
            await audit.record(actor, "register_self_found", "booking", connection=conn,
                               booking_id=booking.id)  # fmt: skip
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.deliver([message.id])
    return Outcome(value=booking)
