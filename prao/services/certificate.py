"""The certificate (praktikintyg): asked of the supervisor by a one-time link the day after
the last day, reminded after 3 and 7 days (once each), signed once with the tasks, the days
attended (from attendance), four assessments on a plain 1–4 scale and a comment. The pupil
(and her school, and the workplace, each as it may see her) downloads it as a PDF carrying a
verification code, which `/intyg/{code}` checks for anyone: first name, employer and dates,
nothing more."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.auth import hash_secret
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    Certificate,
    LinkPurpose,
    Organiser,
)
from prao.services import attendance
from prao.validation import character_errors, clean_text, column_length, text_problem, valid_id

# The four assessments, in the order the form and the paper list them.
ITEMS = {
    "punctuality": "Passar tider",
    "initiative": "Tar egna initiativ",
    "cooperation": "Samarbetar med andra",
    "interest": "Visar intresse för arbetet",
}
SCALE = {1: "Behöver utvecklas", 2: "Godtagbart", 3: "Bra", 4: "Mycket bra"}
TEXT_LENGTH = 2000
UNKNOWN_LINK = attendance.UNKNOWN_LINK
ALREADY_SIGNED = "Intyget är redan signerat. Vill du ändra något, kontakta elevens skola."
NOT_SIGNED = "Intyget är inte signerat än."
PICK_SCORE = "Välj ett av alternativen 1–4."
# The code's alphabet leaves out letters and digits that read alike (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normal_code(text: str) -> str | None:
    """A code as typed (any case, with or without dashes and spaces), or None if it cannot be
    one."""
    raw = "".join(ch for ch in text.upper() if ch not in "- ")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@dataclass
class Signing:
    tasks: str
    scores: dict[str, str]  # item → "1".."4" as sent
    comment: str
    signed_name: str


def signing_errors(data: Signing) -> tuple[dict[str, int], list[DomainError]]:
    """The scores as numbers, and every problem of the form, each on its field."""
    errors = character_errors(
        {"tasks": data.tasks, "comment": data.comment, "signed_name": data.signed_name}
    )
    bad = {e.field for e in errors}
    if "tasks" not in bad:
        if not data.tasks.strip():
            errors.append(DomainError.of(ErrorCode.INVALID, "tasks", "Skriv vad eleven har gjort."))
        elif problem := text_problem(data.tasks.strip(), TEXT_LENGTH):
            errors.append(DomainError.of(ErrorCode.INVALID, "tasks", problem))
    if "comment" not in bad and (problem := text_problem(data.comment.strip(), TEXT_LENGTH)):
        errors.append(DomainError.of(ErrorCode.INVALID, "comment", problem))
    if "signed_name" not in bad:
        name = data.signed_name.strip()
        length = column_length(Certificate, "signed_name")
        if not name:
            errors.append(
                DomainError.of(ErrorCode.INVALID, "signed_name", "Skriv ditt namn för att signera.")
            )
        elif problem := text_problem(name, length):
            errors.append(DomainError.of(ErrorCode.INVALID, "signed_name", problem))
    scores: dict[str, int] = {}
    for item in ITEMS:
        text = (data.scores.get(item) or "").strip()
        if text in {"1", "2", "3", "4"}:
            scores[item] = int(text)
        else:
            errors.append(DomainError.of(ErrorCode.INVALID, item, PICK_SCORE))
    return scores, errors


# The supervisor's link


@dataclass(frozen=True)
class SignPage:
    link: BookingLink
    certificate: Certificate
    booking: Booking  # with pupil__school and slot__employer fetched
    days: list[attendance.Day]

    @property
    def pupil(self) -> policy.PupilView:
        return policy.workplace_view(self.booking.pupil, self.booking.pupil.school)

    @property
    def signed(self) -> bool:
        return self.certificate.signed_at is not None

    @property
    def attended(self) -> int:
        return attendance.attended(self.days)


async def open_sign(booking_id: int, raw: str, now: datetime | None = None) -> Outcome[SignPage]:
    """The certificate a link asks for. Opening changes nothing; a signed one is shown as
    signed and cannot be signed again."""
    now = now or clock.now()
    if not valid_id(booking_id) or not raw or len(raw) > 100:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN_LINK)
    link = await BookingLink.get_or_none(
        token_hash=hash_secret(raw), purpose=LinkPurpose.SIGN_CERTIFICATE
    )
    if link is None or link.booking_id != booking_id:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN_LINK)
    found = await Certificate.get_or_none(booking_id=booking_id)
    if found is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN_LINK)
    if found.signed_at is None and link.expires_at <= now:
        return Outcome.fail(
            ErrorCode.LINK_EXPIRED,
            "token",
            "Länken har slutat gälla. Kontakta elevens skola, så får du en ny.",
        )
    booking = (
        await Booking.filter(id=booking_id).select_related("pupil__school", "slot__employer").get()
    )
    if booking.status != BookingStatus.CONFIRMED:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "token", attendance.NOT_PLACED)
    days = (await attendance.booking_days([booking.id]))[booking.id]
    return Outcome(value=SignPage(link, found, booking, days))


async def sign(booking_id: int, raw: str, data: Signing) -> Outcome[SignPage]:
    """Sign once: the certificate by a conditional UPDATE (a second signing, by this or any
    other link of the booking, changes nothing), the link spent in the same transaction."""
    opened = await open_sign(booking_id, raw)
    if opened.value is None:
        return Outcome(errors=opened.errors)
    page = opened.value
    if page.signed:
        return Outcome.fail(ErrorCode.LINK_USED, "token", ALREADY_SIGNED)
    scores, errors = signing_errors(data)
    if errors:
        return Outcome(errors=errors)
    booking, slot = page.booking, page.booking.slot
    organiser = await Organiser.get(id=slot.employer.organiser_id)
    now = clock.now()
    try:
        async with in_transaction() as conn:
            spent = (
                await BookingLink.filter(id=page.link.id, used_at__isnull=True, expires_at__gt=now)
                .using_db(conn)
                .update(used_at=now)
            )
            signed = (
                await Certificate.filter(id=page.certificate.id, signed_at__isnull=True)
                .using_db(conn)
                .update(
                    tasks=clean_text(data.tasks),
                    comment=clean_text(data.comment),
                    signed_name=clean_text(data.signed_name),
                    signed_at=now,
                    code=new_code(),
                    days_attended=page.attended,
                    days_total=len(page.days),
                    first_name=booking.pupil.first_name,
                    employer_name=slot.employer.name,
                    organiser_name=organiser.name,
                    start_date=slot.start_date,
                    end_date=slot.end_date,
                    updated_at=now,
                    **scores,
                )
            )
            if not spent or not signed:
                raise Refused(DomainError.of(ErrorCode.LINK_USED, "token", ALREADY_SIGNED))
            await Booking.filter(id=booking.id).using_db(conn).update(updated_at=now)
            await audit.record(
                Actor(kind="supervisor-link", id=page.link.id, organiser_id=organiser.id),
                "sign",
                "certificate",
                connection=conn,
                booking_id=booking.id,
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return await open_sign(booking_id, raw)


# The paper, and its verification


@dataclass(frozen=True)
class Paper:
    certificate: Certificate
    pupil: policy.PupilView  # as the downloader may see her
    booking: Booking  # with slot__employer fetched


async def paper(actor: Actor, booking_id: int) -> Outcome[Paper]:
    """The signed certificate of a booking the actor may see (the pupil's own, her school's,
    the workplace's own slot); anything else is not found. The read is audited."""
    if not valid_id(booking_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    booking = (
        await policy.bookings(actor)
        .filter(id=booking_id)
        .select_related("pupil__school", "slot__employer")
        .first()
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    found = await Certificate.get_or_none(booking_id=booking.id, signed_at__isnull=False)
    if found is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id", NOT_SIGNED)
    view = await policy.pupil_view(
        actor, booking.pupil, purpose="certificate", booking_id=booking.id
    )
    await audit.record(actor, "read", "certificate", booking_id=booking.id)
    return Outcome(value=Paper(found, view, booking))


@dataclass(frozen=True)
class Verified:
    first_name: str
    employer_name: str
    start_date: date | None
    end_date: date | None
    signed_at: datetime


async def verify(code: str) -> Verified | None:
    """What anyone holding the paper may learn: that it is genuine, for whom (first name),
    where and when. None for a code that is not one of ours."""
    normal = normal_code(code)
    if normal is None:
        return None
    found = await Certificate.get_or_none(code=normal, signed_at__isnull=False)
    if found is None or found.signed_at is None:
        return None
    return Verified(
        found.first_name, found.employer_name, found.start_date, found.end_date, found.signed_at
    )


async def signed_certificates(booking_ids: list[int]) -> dict[int, Certificate]:
    """The signed certificates of these bookings, by booking."""
    rows = await Certificate.filter(booking_id__in=booking_ids, signed_at__isnull=False)
    return {c.booking_id: c for c in rows if c.booking_id is not None}
