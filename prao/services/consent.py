"""Guardians' consent to a confirmed placement (DESIGN.md §8), where the organiser asks for it:
the organiser's setting and information texts, asking each guardian once by a one-time link
when the booking becomes confirmed, the reminder after three days, a decision however it is
captured (the link, a paper recorded by the coordinator, later a signing provider), and the
coordinator's view of a period's consents.

A decision reaches the domain through a `Capture`: the one-time link is one
(prao.services.consent_link), paper another; a signing provider (BankID through a signing
service) becomes a third that returns the signature's evidence, kept in
GuardianConsent.evidence, without changing the rule."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from prao import audit, clock, notices, policy
from prao.actor import Actor
from prao.auth import hash_secret
from prao.config import current_settings
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.info_texts import INFO_FIELDS, MAX_INFO, info_texts
from prao.jobs import jobs
from prao.models import (
    AssessmentStatus,
    Booking,
    BookingLink,
    BookingStatus,
    ConsentDecision,
    ConsentMethod,
    ConsentMode,
    Guardian,
    GuardianConsent,
    LinkPurpose,
    Organiser,
    OutboxMessage,
    Period,
    RiskAssessment,
    Role,
    User,
)
from prao.pupil_view import PupilView
from prao.readiness import consents_needed
from prao.services.api_tokens import is_organiser_admin
from prao.validation import character_errors, clean_text, column_length, text_problem, valid_id
from prao.wording import datum

CONSENT_PATH = "/samtycke"
LINK_DAYS = 14
REMIND_AFTER = timedelta(days=3)
LATE_DAYS = 5  # pupils still without consent this close to the start are highlighted
MAX_MESSAGE = 1000
# The events whose snapshot may say the booking became confirmed (allocation writes
# booking_created with status confirmed).
CONFIRMING_KINDS = frozenset({"booking_created", "booking_approved", "self_found_confirmed"})

MODE_NAMES = {
    ConsentMode.OFF: "Inget godkännande behövs",
    ConsentMode.ONE_GUARDIAN: "En vårdnadshavare godkänner",
    ConsentMode.ALL_GUARDIANS: "Alla vårdnadshavare godkänner",
}
DECISION_NAMES = {
    ConsentDecision.PENDING: "Inte svarat",
    ConsentDecision.GIVEN: "Godkänt",
    ConsentDecision.REFUSED: "Inte godkänt",
}
METHOD_NAMES = {ConsentMethod.LINK: "via länk", ConsentMethod.PAPER: "på papper"}


def consent_url(booking_id: int, raw: str, base_url: str | None = None) -> str:
    base = (base_url or current_settings().base_url).rstrip("/")
    return f"{base}{CONSENT_PATH}/{booking_id}/{raw}"


# --- The organiser's setting and texts ------------------------------------------------------


@dataclass
class ConsentSettings:
    mode: str
    texts: dict[str, str]  # by column name (INFO_FIELDS)


def settings_of(organiser: Organiser) -> ConsentSettings:
    return ConsentSettings(
        mode=ConsentMode(organiser.consent_mode).value,
        texts={column: getattr(organiser, column) for column, _ in INFO_FIELDS},
    )


async def organiser_settings(actor: Actor) -> Outcome[Organiser]:
    if not is_organiser_admin(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    return Outcome(value=await Organiser.get(id=actor.organiser_id))


async def update_settings(actor: Actor, wanted: ConsentSettings) -> Outcome[Organiser]:
    """An organiser admin's consent rule and texts; a change of any text bumps info_version
    (a consent records the version it was given on). Audited."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not is_organiser_admin(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    errors: list[DomainError] = []
    modes = {m.value: m for m in ConsentMode}
    if wanted.mode not in modes:
        errors.append(DomainError.of(ErrorCode.INVALID, "consent_mode", "Välj ett av valen."))
    texts: dict[str, str] = {}
    for column, _ in INFO_FIELDS:
        value = wanted.texts.get(column, "")
        if problem := text_problem(value, MAX_INFO):
            errors.append(DomainError.of(ErrorCode.INVALID, column, problem))
        texts[column] = clean_text(value)
    if errors:
        return Outcome(errors=errors)
    async with in_transaction() as conn:
        organiser = await Organiser.select_for_update().using_db(conn).get(id=actor.organiser_id)
        changed = [c for c, _ in INFO_FIELDS if getattr(organiser, c) != texts[c]]
        old_mode = organiser.consent_mode
        organiser.consent_mode = modes[wanted.mode]
        for column, value in texts.items():
            setattr(organiser, column, value)
        if changed:
            organiser.info_version += 1
            organiser.info_updated_at = clock.now()
        await organiser.save(using_db=conn)
        await audit.record(
            actor, "update", "consent_settings", connection=conn,
            mode_from=str(old_mode), mode=wanted.mode, texts=changed,
            info_version=organiser.info_version,
        )  # fmt: skip
    return Outcome(value=organiser)


# --- Asking the guardians ----------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """A booking the expansion found confirmed, with what asking its guardians reads."""

    booking: Booking  # its pupil (with school) and slot (with employer) fetched
    organiser: Organiser


def confirms(kind: str, as_snapshotted: Booking, current: Booking) -> bool:
    """Whether an outbox event tells of its booking becoming confirmed (its snapshot says so)
    while the booking still is."""
    return (
        kind in CONFIRMING_KINDS
        and as_snapshotted.status == BookingStatus.CONFIRMED
        and current.status == BookingStatus.CONFIRMED
    )


async def ask_guardians(
    asked: Sequence[Asked], connection: BaseDBAsyncClient, base_url: str | None = None
) -> list[OutboxMessage]:
    """For each newly confirmed booking of an organiser that asks for consent: one pending
    consent per listed guardian, and to each guardian with an e-mail one message with a
    one-time link. In the caller's transaction (the outbox expansion's); a guardian already
    asked about the booking is not asked again."""
    wanted = [a for a in asked if a.organiser.consent_mode != ConsentMode.OFF]
    if not wanted:
        return []
    pupil_ids = sorted({a.booking.pupil_id for a in wanted})
    guardians: dict[int, list[Guardian]] = {}
    for g in await Guardian.filter(pupil_id__in=pupil_ids).order_by("id").using_db(connection):
        guardians.setdefault(g.pupil_id, []).append(g)
    booking_ids = sorted({a.booking.id for a in wanted})
    existing = set(
        await GuardianConsent.filter(booking_id__in=booking_ids, guardian_id__isnull=False)
        .using_db(connection)
        .values_list("booking_id", "guardian_id")
    )
    now = clock.now()
    messages: list[OutboxMessage] = []
    for item in wanted:
        booking = item.booking
        for guardian in guardians.get(booking.pupil_id, []):
            if (booking.id, guardian.id) in existing:
                continue
            existing.add((booking.id, guardian.id))
            await GuardianConsent.create(
                booking_id=booking.id,
                guardian_id=guardian.id,
                guardian_name=guardian.name,
                requested_at=now,
                using_db=connection,
            )
            if guardian.email and guardian.email.strip():
                messages.append(
                    await _link_message(item, guardian, now, False, connection, base_url)
                )
    return messages


async def _link_message(
    item: Asked,
    guardian: Guardian,
    now: datetime,
    reminder: bool,
    connection: BaseDBAsyncClient,
    base_url: str | None,
) -> OutboxMessage:
    booking = item.booking
    raw = secrets.token_urlsafe(32)
    address = (guardian.email or "").strip().lower()
    await BookingLink.create(
        booking_id=booking.id,
        purpose=LinkPurpose.GUARDIAN_CONSENT,
        guardian_id=guardian.id,
        token_hash=hash_secret(raw),
        email=address,
        expires_at=now + timedelta(days=LINK_DAYS),
        using_db=connection,
    )
    slot = booking.slot
    return await notices.consent_request(
        booking=booking,
        first_name=policy.view_as(policy.Reader.GUARDIAN, booking.pupil).first_name,
        to_address=address,
        guardian_name=guardian.name,
        workplace=slot.employer.name,
        title=slot.title,
        starts=slot.start_date,
        ends=slot.end_date,
        url=consent_url(booking.id, raw, base_url),
        link_days=LINK_DAYS,
        info=info_texts(item.organiser).mail_lines(),
        reminder=reminder,
        connection=connection,
    )


async def send_consent_reminders(now: datetime, base_url: str | None = None) -> list[int]:
    """Once per consent: a guardian asked REMIND_AFTER ago who has not decided gets a new link.
    The stamp is set conditionally, so two sweeps at once remind once. Returns message ids."""
    due = (
        await GuardianConsent.filter(
            decision=ConsentDecision.PENDING,
            guardian_id__isnull=False,
            reminded_at__isnull=True,
            requested_at__lte=now - REMIND_AFTER,
            booking__status=BookingStatus.CONFIRMED,
        )
        .select_related("guardian", "booking__pupil__school", "booking__slot__employer")
        .order_by("id")
    )
    organisers = {
        o.id: o
        for o in await Organiser.filter(
            id__in=sorted({c.booking.pupil.school.organiser_id for c in due})
        )
    }
    ids: list[int] = []
    for consent in due:
        guardian = consent.guardian
        organiser = organisers[consent.booking.pupil.school.organiser_id]
        if guardian is None or organiser.consent_mode == ConsentMode.OFF:
            continue
        async with in_transaction() as conn:
            stamped = (
                await GuardianConsent.filter(
                    id=consent.id, reminded_at__isnull=True, decision=ConsentDecision.PENDING
                )
                .using_db(conn)
                .update(reminded_at=now)
            )
            if not stamped or not (guardian.email and guardian.email.strip()):
                continue
            item = Asked(consent.booking, organiser)
            message = await _link_message(item, guardian, now, True, conn, base_url)
            ids.append(message.id)
    return ids


# --- Deciding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    given: bool
    message: str = ""
    text_version: str = ""
    shown_at: datetime | None = None


class Capture(Protocol):
    """How a decision was captured, and the proof of it: the one-time link, a paper, or (later)
    a signing provider whose evidence is the signature's reference and signer."""

    @property
    def method(self) -> ConsentMethod: ...

    async def evidence(self, connection: BaseDBAsyncClient) -> dict[str, object]:
        """Spend what the capture rests on, in the decision's transaction (a link is used
        once); raise Refused when it can no longer decide."""
        ...


@dataclass(frozen=True)
class PaperCapture:
    recorded_by: str  # the coordinator's actor label

    @property
    def method(self) -> ConsentMethod:
        return ConsentMethod.PAPER

    async def evidence(self, connection: BaseDBAsyncClient) -> dict[str, object]:
        return {"recorded_by": self.recorded_by}


def text_version(organiser: Organiser, assessment: RiskAssessment | None) -> str:
    """What a guardian was shown, by version: "info 3, riskbedömning 2"."""
    shown = f"info {organiser.info_version}"
    return f"{shown}, riskbedömning {assessment.version}" if assessment else shown


async def current_assessment(slot_id: int) -> RiskAssessment | None:
    """The slot's latest submitted risk assessment (the current one), if any."""
    return (
        await RiskAssessment.filter(slot_id=slot_id, status=AssessmentStatus.SUBMITTED)
        .order_by("-version")
        .first()
    )


def message_errors(message: str) -> list[DomainError]:
    if problem := text_problem(message, MAX_MESSAGE):
        return [DomainError.of(ErrorCode.INVALID, "message", problem)]
    return []


async def decide(consent_id: int, decision: Decision, capture: Capture) -> Outcome[GuardianConsent]:
    """Record one guardian's decision, once (a conditional update of a pending consent), with
    how it was captured. A "no" tells the school's coordinators and the pupil; the booking
    keeps its place until the coordinator decides."""
    now = clock.now()
    messages: list[OutboxMessage] = []
    try:
        async with in_transaction() as conn:
            evidence = await capture.evidence(conn)
            pending = GuardianConsent.filter(id=consent_id, decision=ConsentDecision.PENDING)
            changed = await pending.using_db(conn).update(
                decision=ConsentDecision.GIVEN if decision.given else ConsentDecision.REFUSED,
                method=capture.method,
                message=decision.message,
                text_version=decision.text_version,
                decided_at=now,
                evidence=evidence,
                updated_at=now,
            )
            if not changed:
                raise Refused(DomainError.of(ErrorCode.LINK_USED, "token", ALREADY_DECIDED))
            consent = await GuardianConsent.get(id=consent_id, using_db=conn)
            if decision.shown_at is not None and consent.shown_at is None:
                consent.shown_at = decision.shown_at
                await consent.save(using_db=conn, update_fields=["shown_at"])
            if not decision.given and capture.method != ConsentMethod.PAPER:
                messages = await _tell_refusal(consent, conn)
    except Refused as refused:
        return Outcome(errors=[refused.error])
    if messages:
        await jobs.deliver([m.id for m in messages])
    return Outcome(value=consent)


ALREADY_DECIDED = "Det här godkännandet är redan besvarat."


async def _tell_refusal(consent: GuardianConsent, conn: BaseDBAsyncClient) -> list[OutboxMessage]:
    booking = (
        await Booking.filter(id=consent.booking_id)
        .select_related("pupil__school", "slot")
        .using_db(conn)
        .get()
    )
    pupil = booking.pupil
    coordinators = (
        await User.filter(role=Role.COORDINATOR, school_id=pupil.school_id, is_active=True)
        .using_db(conn)
        .values_list("email", flat=True)
    )
    own = [pupil.email, *await User.filter(pupil_id=pupil.id).using_db(conn).values_list(
        "email", flat=True
    )]  # fmt: skip
    base = current_settings().base_url.rstrip("/")
    url = f"{base}/oversikt/perioder/{booking.period_id}/samtycken"
    staff_name = policy.view_as(policy.Reader.STAFF, pupil).name
    messages: list[OutboxMessage] = []
    sent: set[str] = set()
    for address, to_pupil in [(a, False) for a in coordinators] + [(a, True) for a in own]:
        clean = str(address or "").strip().lower()
        if not clean or clean in sent:
            continue
        sent.add(clean)
        messages.append(
            await notices.consent_refused(
                booking=booking,
                to_address=clean,
                to_pupil=to_pupil,
                pupil_name=pupil.first_name if to_pupil else staff_name,
                guardian_name=consent.guardian_name,
                title=booking.slot.title,
                message=consent.message,
                url=url,
                connection=conn,
            )
        )
    return messages


# --- Paper consent -------------------------------------------------------------------------------


@dataclass
class PaperConsent:
    booking_id: int
    given: bool
    guardian_id: int | None = None  # a listed guardian; None: the name below
    guardian_name: str = ""
    message: str = ""


def _paper_errors(data: PaperConsent) -> list[DomainError]:
    if bad := character_errors({"guardian_name": data.guardian_name, "message": data.message}):
        return bad
    errors = message_errors(data.message)
    if problem := text_problem(
        clean_text(data.guardian_name), column_length(GuardianConsent, "guardian_name")
    ):
        errors.append(DomainError.of(ErrorCode.INVALID, "guardian_name", problem))
    return errors


async def _paper_target(
    actor: Actor, data: PaperConsent
) -> Outcome[tuple[Booking, Guardian | None, str]]:
    """The booking, the listed guardian if one is named, and the name to record."""
    booking = None
    if valid_id(data.booking_id):
        booking = await policy.bookings(actor).filter(id=data.booking_id).first()
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    if booking.status != BookingStatus.CONFIRMED:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "booking_id", NOT_CONFIRMED)
    name = clean_text(data.guardian_name)
    guardian: Guardian | None = None
    if data.guardian_id is not None:
        if valid_id(data.guardian_id):
            guardian = await Guardian.get_or_none(id=data.guardian_id, pupil_id=booking.pupil_id)
        if guardian is None:
            return Outcome.fail(ErrorCode.NOT_FOUND, "guardian_id", "Vårdnadshavaren finns inte.")
        name = name or guardian.name
    if not name:
        return Outcome.fail(ErrorCode.INVALID, "guardian_name", "Skriv vårdnadshavarens namn.")
    return Outcome(value=(booking, guardian, name))


async def _checked_paper(
    actor: Actor, data: PaperConsent
) -> Outcome[tuple[Booking, Guardian | None, str]]:
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not actor.is_school_staff:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    if errors := _paper_errors(data):
        return Outcome(errors=errors)
    return await _paper_target(actor, data)


async def check_paper(actor: Actor, data: PaperConsent) -> list[DomainError]:
    """What record_paper would refuse, without recording: the form asks "Stämmer det?" first."""
    return (await _checked_paper(actor, data)).errors


async def record_paper(actor: Actor, data: PaperConsent) -> Outcome[GuardianConsent]:
    """A coordinator's (or school system's) record of a signed paper, given or refused, for a
    listed guardian (replacing what she decided by link) or a guardian by name. Audited."""
    target = await _checked_paper(actor, data)
    if target.value is None:
        return Outcome(errors=target.errors)
    booking, guardian, name = target.value
    now = clock.now()
    async with in_transaction() as conn:
        consent = None
        if guardian is not None:
            consent = await GuardianConsent.get_or_none(
                booking_id=booking.id, guardian_id=guardian.id, using_db=conn
            )
        if consent is None:
            consent = await GuardianConsent.create(
                booking_id=booking.id,
                guardian_id=guardian.id if guardian else None,
                guardian_name=name,
                using_db=conn,
            )
        consent.guardian_name = name
        consent.decision = ConsentDecision.GIVEN if data.given else ConsentDecision.REFUSED
        consent.method = ConsentMethod.PAPER
        consent.message = clean_text(data.message)
        consent.decided_at = now
        consent.recorded_by = actor.label
        consent.evidence = await PaperCapture(actor.label).evidence(conn)
        await consent.save(using_db=conn)
        await audit.record(
            actor, "record_consent", "booking", connection=conn, booking_id=booking.id,
            consent_id=consent.id, decision=str(consent.decision), method="paper",
        )  # fmt: skip
    return Outcome(value=consent)


NOT_CONFIRMED = "Bokningen är inte bekräftad: det finns inget att godkänna."


# --- What the coordinator sees ------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRow:
    booking: Booking
    pupil: PupilView
    guardians: list[Guardian]
    consents: list[GuardianConsent]
    needed: int
    late: bool  # starts within LATE_DAYS days without the consent it needs

    @property
    def given(self) -> int:
        return sum(1 for c in self.consents if c.decision == ConsentDecision.GIVEN)

    @property
    def refused(self) -> bool:
        return any(c.decision == ConsentDecision.REFUSED for c in self.consents)

    @property
    def complete(self) -> bool:
        return not self.refused and self.given >= self.needed

    @property
    def state(self) -> str:
        if self.needed == 0:
            return "Behövs inte"
        if self.refused:
            return "Inte godkänt: du bestämmer"
        if self.complete:
            return "Godkänt"
        return f"Väntar ({self.given} av {self.needed})"


@dataclass(frozen=True)
class PeriodConsents:
    period: Period
    mode: ConsentMode
    rows: list[ConsentRow] = field(default_factory=list)

    @property
    def late(self) -> list[ConsentRow]:
        return [r for r in self.rows if r.late]


def _late(start: date, complete: bool, today: date) -> bool:
    return not complete and start <= today + timedelta(days=LATE_DAYS)


async def period_consents(actor: Actor, period_id: int) -> Outcome[PeriodConsents]:
    """Each confirmed booking of a period the coordinator may see, with each guardian's
    decision; those still without consent LATE_DAYS before the start are marked late. The
    pupils' read is audited once."""
    if not actor.is_school_staff or not valid_id(period_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "period_id")
    period = await policy.periods(actor).filter(id=period_id).select_related("school").first()
    if period is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "period_id")
    organiser = await Organiser.get(id=period.school.organiser_id)
    mode = ConsentMode(organiser.consent_mode)
    bookings = (
        await policy.bookings(actor)
        .filter(period_id=period.id, status=BookingStatus.CONFIRMED)
        .select_related("pupil__school", "slot")
        .order_by("pupil__last_name", "pupil__first_name", "id")
    )
    pupil_ids = sorted({b.pupil_id for b in bookings})
    guardians: dict[int, list[Guardian]] = {}
    for g in await Guardian.filter(pupil_id__in=pupil_ids).order_by("id"):
        guardians.setdefault(g.pupil_id, []).append(g)
    consents: dict[int, list[GuardianConsent]] = {}
    for c in await GuardianConsent.filter(booking_id__in=[b.id for b in bookings]).order_by("id"):
        consents.setdefault(c.booking_id, []).append(c)
    views = await policy.pupil_views(
        actor, [b.pupil for b in bookings], purpose="web:samtycken", period_id=period.id
    )
    today = clock.today()
    rows = []
    for booking, view in zip(bookings, views, strict=True):
        listed = guardians.get(booking.pupil_id, [])
        needed = consents_needed(mode, len(listed))
        own = consents.get(booking.id, [])
        given = sum(1 for c in own if c.decision == ConsentDecision.GIVEN)
        refused = any(c.decision == ConsentDecision.REFUSED for c in own)
        complete = not refused and given >= needed
        rows.append(
            ConsentRow(
                booking=booking,
                pupil=view,
                guardians=listed,
                consents=own,
                needed=needed,
                late=needed > 0 and _late(booking.slot.start_date, complete, today),
            )
        )
    return Outcome(value=PeriodConsents(period=period, mode=mode, rows=rows))


async def booking_for_paper(actor: Actor, booking_id: int) -> Outcome[ConsentRow]:
    """One booking's row, for the paper-consent form."""
    if not actor.is_school_staff or not valid_id(booking_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    booking = (
        await policy.bookings(actor)
        .filter(id=booking_id)
        .select_related("pupil__school", "slot")
        .first()
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    found = await period_consents(actor, booking.period_id)
    if found.value is None:
        return Outcome(errors=found.errors)
    row = next((r for r in found.value.rows if r.booking.id == booking.id), None)
    if row is None:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "booking_id", NOT_CONFIRMED)
    return Outcome(value=row)


def decided_line(consent: GuardianConsent) -> str:
    """ "Godkänt på papper 3 december 2026 kl. 10:00" """
    text = DECISION_NAMES[ConsentDecision(consent.decision)]
    if consent.method is not None:
        text += f" {METHOD_NAMES[ConsentMethod(consent.method)]}"
    if consent.decided_at is not None:
        text += f" {datum(consent.decided_at)}"
    return text


# --- Reads for school systems and the booking's consents --------------------------------------


def consents(actor: Actor) -> QuerySet[GuardianConsent]:
    """The consents of pupils the actor reads as school staff (coordinators, organiser admins
    and tokens, within their school or organiser); nobody else's."""
    scope = policy.pupil_scope(actor) if actor.is_school_staff else None
    if scope is None:
        return GuardianConsent.filter(policy.NOTHING)
    kind, key = scope
    if kind is policy.PupilScope.SCHOOL:
        return GuardianConsent.filter(booking__pupil__school_id=key)
    if kind is policy.PupilScope.ORGANISER:
        return GuardianConsent.filter(booking__pupil__school__organiser_id=key)
    return GuardianConsent.filter(policy.NOTHING)


def sees_guardians(reader: policy.Reader) -> bool:
    """Who may read the names of a pupil's guardians: the pupil and her school's staff; never
    a workplace (DESIGN.md §7), whatever the pupil's protection."""
    return reader in (policy.Reader.SELF, policy.Reader.STAFF)


@dataclass(frozen=True)
class ConsentView:
    consent: GuardianConsent
    guardian_name: str | None  # None where the reader may not see the pupil's guardians


async def of_bookings(actor: Actor, booking_ids: Sequence[int]) -> dict[int, list[ConsentView]]:
    """The consents of bookings the actor was already allowed to see, each with the guardian's
    name where the actor may see the pupil's guardians; a read of names is audited."""
    rows = (
        await GuardianConsent.filter(booking_id__in=sorted(set(booking_ids)))
        .select_related("booking__pupil__school")
        .order_by("id")
    )
    found: dict[int, list[ConsentView]] = {}
    named: set[int] = set()
    for row in rows:
        pupil = row.booking.pupil
        shows = sees_guardians(policy.reader_of(actor, pupil, pupil.school))
        if shows:
            named.add(pupil.id)
        found.setdefault(row.booking_id, []).append(
            ConsentView(row, row.guardian_name if shows else None)
        )
    if named:
        await policy.audit_read(actor, len(named), purpose="graphql:guardianConsents")
    return found
