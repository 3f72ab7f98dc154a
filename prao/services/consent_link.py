"""A guardian's one-time consent link: what the page behind it shows (the placement, the
supervisor, the organiser's texts), and the decision through it. The link decides for the
guardian it was mailed to alone, once; it needs no account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from prao import clock, policy
from prao.auth import hash_secret
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.info_texts import InfoTexts, info_texts
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    ConsentDecision,
    ConsentMethod,
    GuardianConsent,
    LinkPurpose,
    Organiser,
    RiskAssessment,
    User,
)
from prao.services import consent
from prao.validation import character_errors, clean_text, valid_id

UNKNOWN = "Länken finns inte. Kontrollera att du har kopierat hela länken från mejlet."
NOT_ACTIVE = "Praoplatsen är inte längre bokad, så det finns inget att godkänna."


@dataclass(frozen=True)
class ConsentPage:
    link: BookingLink
    consent: GuardianConsent
    booking: Booking  # with pupil, slot and employer fetched
    organiser: Organiser
    assessment: RiskAssessment | None
    supervisor_user: User | None

    @property
    def first_name(self) -> str:
        """Her own child: the guardian's view, of which the page shows the first name."""
        return policy.view_as(policy.Reader.GUARDIAN, self.booking.pupil).first_name

    @property
    def info(self) -> InfoTexts:
        return info_texts(self.organiser)

    @property
    def text_version(self) -> str:
        return consent.text_version(self.organiser, self.assessment)

    @property
    def decided(self) -> bool:
        return self.consent.decision != ConsentDecision.PENDING

    @property
    def decided_line(self) -> str:
        return consent.decided_line(self.consent)

    @property
    def tasks(self) -> str:
        if self.assessment is not None and self.assessment.tasks:
            return self.assessment.tasks
        return self.booking.slot.tasks

    @property
    def supervisor(self) -> str:
        """From the current risk assessment when one is submitted, else the slot's handledare."""
        a = self.assessment
        if a is not None and a.supervisor_name:
            return (
                f"{a.supervisor_name}, {a.supervisor_phone}"
                if a.supervisor_phone
                else (a.supervisor_name)
            )
        user = self.supervisor_user
        if user is not None:
            return f"{user.name}, {user.email}" if user.name else user.email
        return "Meddelas av arbetsplatsen"


async def open_link(booking_id: int, raw: str, now: datetime | None = None) -> Outcome[ConsentPage]:
    """The consent the link is about. A decided consent is shown with its decision (the link
    cannot decide again); an expired or unknown link, or one for another booking, is refused.
    Reading it records when the page was first shown, nothing else."""
    now = now or clock.now()
    if not valid_id(booking_id) or not raw or len(raw) > 100:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN)
    link = await BookingLink.get_or_none(
        token_hash=hash_secret(raw), purpose=LinkPurpose.GUARDIAN_CONSENT
    )
    if link is None or link.booking_id != booking_id or link.guardian_id is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN)
    found = await GuardianConsent.get_or_none(booking_id=booking_id, guardian_id=link.guardian_id)
    if found is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN)
    booking = (
        await Booking.filter(id=booking_id).select_related("pupil__school", "slot__employer").get()
    )
    if found.decision == ConsentDecision.PENDING:
        if link.expires_at <= now:
            return Outcome.fail(
                ErrorCode.LINK_EXPIRED,
                "token",
                "Länken har slutat gälla. Kontakta skolan, så får du en ny.",
            )
        if booking.status != BookingStatus.CONFIRMED:
            return Outcome.fail(ErrorCode.NOT_ACTIVE, "token", NOT_ACTIVE)
        if found.shown_at is None:
            await GuardianConsent.filter(id=found.id, shown_at__isnull=True).update(shown_at=now)
            found.shown_at = now
    organiser = await Organiser.get(id=booking.pupil.school.organiser_id)
    supervisor = (
        await User.get_or_none(id=booking.slot.supervisor_id)
        if booking.slot.supervisor_id
        else None
    )
    assessment = await consent.current_assessment(booking.slot_id)
    return Outcome(value=ConsentPage(link, found, booking, organiser, assessment, supervisor))


@dataclass(frozen=True)
class LinkCapture:
    """The decision came by this one-time link: it is spent in the decision's transaction."""

    link_id: int

    @property
    def method(self) -> ConsentMethod:
        return ConsentMethod.LINK

    async def evidence(self, connection: BaseDBAsyncClient) -> dict[str, object]:
        now = clock.now()
        spent = (
            await BookingLink.filter(id=self.link_id, used_at__isnull=True, expires_at__gt=now)
            .using_db(connection)
            .update(used_at=now)
        )
        if not spent:
            raise Refused(DomainError.of(ErrorCode.LINK_USED, "token"))
        return {"link_id": self.link_id}


@dataclass(frozen=True)
class Answered:
    page: ConsentPage
    changed_texts: bool = False  # the texts changed since the page was shown: read them again


async def answer(
    booking_id: int, raw: str, given: bool, message: str, shown_version: str
) -> Outcome[Answered]:
    """The guardian's yes or no through her link, once. `shown_version` is the text version
    the page showed: if the texts changed meanwhile, nothing is decided and the page is shown
    again with the new texts."""
    opened = await open_link(booking_id, raw)
    if opened.value is None:
        return Outcome(errors=opened.errors)
    page = opened.value
    if page.decided:
        return Outcome.fail(ErrorCode.LINK_USED, "token", consent.ALREADY_DECIDED)
    if bad := character_errors({"message": message}):
        return Outcome(errors=bad)
    if errors := consent.message_errors(message.strip()):
        return Outcome(errors=errors)
    if shown_version != page.text_version:
        return Outcome(value=Answered(page, changed_texts=True))
    decision = consent.Decision(
        given=given,
        message=clean_text(message),
        text_version=page.text_version,
        shown_at=page.consent.shown_at,
    )
    decided = await consent.decide(page.consent.id, decision, LinkCapture(page.link.id))
    if decided.value is None:
        return Outcome(errors=decided.errors)
    return Outcome(value=Answered(ConsentPage(**{**page.__dict__, "consent": decided.value})))
