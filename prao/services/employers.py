"""Employer accounts: signing up a workplace, and inviting colleagues as supervisors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from prao import audit, notices, orgnr, policy, throttle
from prao.actor import Actor
from prao.auth import SIGN_IN_PATH, issue_sign_in_token, request_sign_in_link
from prao.config import Settings
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import Employer, EmployerStatus, Organiser, Role, SignInToken, User
from prao.validation import character_errors, clean_text, valid_id

MAX_NAME = 200
MAX_EMAIL = 254


@dataclass
class SignUp:
    organiser_id: int | None
    name: str
    org_number: str
    address: str
    city: str
    contact_email: str
    contact_name: str = ""


def org_number_taken(number: str) -> DomainError:
    """The same answer for the read-check and the unique index: says nothing of the account
    but that it exists (an organisation number is public), and who can let her in."""
    return DomainError.of(
        ErrorCode.DUPLICATE,
        "org_number",
        f"Det finns redan ett konto för organisationsnummer {number}. Kontakta den som "
        "administrerar ert konto i Prao och be att bli inbjuden som kollega.",
    )


def email_refusal(email: str, field: str) -> DomainError | None:
    local_part, at, domain = email.partition("@")
    if not email:
        return DomainError.of(ErrorCode.INVALID, field, "Skriv en e-postadress.")
    if not at or not local_part or "." not in domain or len(email) > MAX_EMAIL or " " in email:
        return DomainError.of(
            ErrorCode.INVALID, field, "Skriv en hel e-postadress, till exempel namn@foretag.se."
        )
    return None


async def _sign_up_errors(data: SignUp) -> tuple[list[DomainError], str | None]:
    errors: list[DomainError] = []
    if not valid_id(data.organiser_id) or not await Organiser.exists(id=data.organiser_id):
        errors.append(DomainError.of(ErrorCode.INVALID, "organiser_id", "Välj kommun."))
    for value, field, what in (
        (data.name, "name", "organisationens namn"),
        (data.address, "address", "adressen"),
        (data.city, "city", "orten"),
    ):
        if not value:
            errors.append(DomainError.of(ErrorCode.INVALID, field, f"Skriv {what}."))
        elif len(value) > MAX_NAME:
            errors.append(DomainError.of(ErrorCode.INVALID, field, f"Högst {MAX_NAME} tecken."))
    number = orgnr.normalise(data.org_number)
    if number is None:
        errors.append(
            DomainError.of(
                ErrorCode.INVALID,
                "org_number",
                "Organisationsnumret ska ha 10 siffror, till exempel 556036-0793, "
                "och kontrollsiffran måste stämma.",
            )
        )
    refusal = email_refusal(data.contact_email, "contact_email")
    if refusal:
        errors.append(refusal)
    return errors, number


async def sign_up(data: SignUp, settings: Settings, caller: str = "") -> Outcome[Employer | None]:
    """A new workplace, pending the organiser's vetting, and its first user, who gets a
    sign-in link. An organisation number has one account per organiser.

    An address that already has an account gets a sign-in link instead, and the answer is the
    same (value None), so the form does not tell strangers who has an account."""
    if bad_text := character_errors(
        {
            "name": data.name,
            "org_number": data.org_number,
            "address": data.address,
            "city": data.city,
            "contact_email": data.contact_email,
            "contact_name": data.contact_name,
        }
    ):
        return Outcome(errors=bad_text)
    data.name = clean_text(data.name)
    data.address = clean_text(data.address)
    data.city = clean_text(data.city)
    data.contact_email = clean_text(data.contact_email).lower()
    data.contact_name = clean_text(data.contact_name, MAX_NAME)
    errors, number = await _sign_up_errors(data)
    if errors:
        return Outcome(errors=errors)
    if refusal := await throttle.sign_up_refusal(data.contact_email, caller):
        return Outcome(errors=[refusal])
    assert number is not None
    # Before the known-address answer: an existing account for the number is no secret, and
    # nothing may be mailed to the new address.
    if await Employer.exists(organiser_id=data.organiser_id, org_number=number):
        return Outcome(errors=[org_number_taken(number)])
    if await User.exists(email=data.contact_email):
        await request_sign_in_link(data.contact_email, settings, caller)
        return Outcome(value=None)
    try:
        async with in_transaction() as conn:
            try:
                employer = await Employer.create(
                    organiser_id=data.organiser_id,
                    name=data.name,
                    org_number=number,
                    contact_email=data.contact_email,
                    address=data.address,
                    city=data.city,
                    status=EmployerStatus.PENDING,  # reaches no pupil until vetted
                    using_db=conn,
                )
            except IntegrityError as exc:  # a second sign-up raced us past the check above
                raise Refused(org_number_taken(number)) from exc
            user = await User.create(
                email=data.contact_email,
                name=data.contact_name,
                role=Role.EMPLOYER,
                employer_id=employer.id,
                using_db=conn,
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    except IntegrityError:  # the address got an account meanwhile: the known-address answer
        return Outcome(value=None)
    await _mail_link(user, settings)
    return Outcome(value=employer)


async def _mail_link(user: User, settings: Settings) -> None:
    raw = await issue_sign_in_token(user, settings)
    message = await notices.sign_in_link(
        email=user.email,
        url=f"{settings.base_url}{SIGN_IN_PATH}{raw}",
        minutes=settings.sign_in_link_minutes,
    )
    await jobs.deliver([message.id])


async def invite_supervisor(
    actor: Actor, email: str, name: str, settings: Settings
) -> Outcome[User | None]:
    """A colleague at the same workplace becomes a supervisor (handledare) with her own sign-in.

    Addresses are unique across Prao, so an address with an account elsewhere (another
    workplace, a school, another organiser) cannot join; it is answered exactly like a new one,
    so the form does not tell who has an account. Its owner gets a sign-in link to her own
    account (as at sign-up) and nothing of hers changes. An invited colleague is listed only once
    she has signed in (colleagues()), so the list does not tell either. Only someone already at
    this workplace, whom the inviter can see anyway, is named as a duplicate."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    if bad_text := character_errors({"email": email, "name": name}):
        return Outcome(errors=bad_text)
    email = clean_text(email).lower()
    name = clean_text(name)
    refusal = email_refusal(email, "email")
    if refusal:
        return Outcome(errors=[refusal])
    if len(name) > MAX_NAME:
        return Outcome.fail(ErrorCode.INVALID, "name", f"Högst {MAX_NAME} tecken.")
    if refusal := await throttle.invite_refusal(email, actor.employer_id):
        return Outcome(errors=[refusal])
    existing = await User.get_or_none(email=email)
    if existing is not None and existing.employer_id == actor.employer_id:
        return Outcome.fail(ErrorCode.INVALID, "email", "Personen är redan er kollega i Prao.")
    # The same audit entry either way: it must not tell the organiser's staff either.
    await audit.record(actor, "invite", "user", email=email)
    if existing is not None:
        await request_sign_in_link(email, settings)
        return Outcome(value=None)
    try:
        user = await User.create(
            email=email, name=name, role=Role.EMPLOYER, employer_id=actor.employer_id
        )
    except IntegrityError:  # the address was taken meanwhile: still the same answer
        return Outcome(value=None)
    await _mail_link(user, settings)
    return Outcome(value=user)


async def colleagues(actor: Actor) -> list[User]:
    """The workplace's people, without invitees who have not yet signed in: they are listed the
    first time they use a link, just as an invited address that has an account elsewhere never
    shows (see invite_supervisor). People created by staff or the demo have no links and show."""
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return []
    people = await User.filter(employer_id=actor.employer_id, is_active=True).order_by("name", "id")
    ids = [u.id for u in people]
    # values_list(flat=True) returns the column itself; Tortoise types it as tuples.
    linked = set(
        cast(
            "list[int]",
            await SignInToken.filter(user_id__in=ids).distinct().values_list("user_id", flat=True),
        )
    )
    used = set(
        cast(
            "list[int]",
            await SignInToken.filter(user_id__in=ids, used_at__isnull=False)
            .distinct()
            .values_list("user_id", flat=True),
        )
    )
    waiting = linked - used - {actor.user_id}
    return [u for u in people if u.id not in waiting]


async def organisers() -> list[Organiser]:
    return await Organiser.all().order_by("name")
