"""The organiser's vetting of self-registered employers (DESIGN.md §7): a new workplace is
pending until an organiser admin, or a coordinator of the organiser, approves it. Until then
its slots cannot be published, so it reaches no pupil. A decision is final, audited, and
e-mailed to the workplace's contact with the reason for a decline."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from prao import audit, clock, notices, policy
from prao.actor import Actor
from prao.auth import SIGN_IN_PATH
from prao.config import Settings
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import Employer, EmployerStatus, Role, Slot, SlotStatus, User
from prao.validation import character_errors, clean_text, valid_id

MAX_REASON = 1000
DRAFTS_SHOWN = 3
EMPLOYER_NOT_FOUND = "Arbetsplatsen finns inte."
ALREADY_DECIDED = "Arbetsplatsen är redan granskad."
PENDING_TEXT = (
    "Er arbetsplats granskas av kommunen. Ni kan spara utkast nu och publicera dem när "
    "arbetsplatsen är godkänd."
)
DECLINED_TEXT = "Kommunen har inte godkänt er arbetsplats, så era platser kan inte publiceras."
STATUS_NAMES = {
    EmployerStatus.PENDING: "Väntar på granskning",
    EmployerStatus.APPROVED: "Godkänd",
    EmployerStatus.DECLINED: "Inte godkänd",
}


def may_vet(actor: Actor) -> bool:
    """Organiser admins and the organiser's coordinators, signed in (no API token)."""
    return (
        actor.kind == "user"
        and actor.role in (Role.ADMIN, Role.COORDINATOR)
        and actor.organiser_id is not None
    )


def not_approved(employer: Employer) -> DomainError | None:
    """Why this employer's slots may not reach pupils yet, or None when it is approved."""
    if employer.status == EmployerStatus.APPROVED:
        return None
    if employer.status == EmployerStatus.DECLINED:
        text = DECLINED_TEXT
        if employer.decline_reason:
            text += f" Skäl: {employer.decline_reason}"
    else:
        text = PENDING_TEXT
    return DomainError.of(ErrorCode.EMPLOYER_NOT_APPROVED, "slot_id", text)


@dataclass(frozen=True)
class PendingEmployer:
    employer: Employer
    contact_name: str
    drafts: list[Slot]  # the first few, oldest first
    draft_count: int


async def pending_employers(actor: Actor) -> Outcome[list[PendingEmployer]]:
    """The organiser's employers waiting for vetting, oldest sign-up first."""
    if not may_vet(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    waiting = await Employer.filter(
        organiser_id=actor.organiser_id, status=EmployerStatus.PENDING
    ).order_by("created_at", "id")
    ids = [e.id for e in waiting] or [0]
    users = await User.filter(employer_id__in=ids).order_by("id")
    slots = await Slot.filter(employer_id__in=ids, status=SlotStatus.DRAFT).order_by(
        "created_at", "id"
    )
    names: dict[int, str] = {}
    for user in users:
        if user.employer_id is not None:
            names.setdefault(user.employer_id, user.name)
    drafts: dict[int, list[Slot]] = {}
    for slot in slots:
        drafts.setdefault(slot.employer_id, []).append(slot)
    rows = []
    for e in waiting:
        own = drafts.get(e.id, [])
        rows.append(PendingEmployer(e, names.get(e.id, ""), own[:DRAFTS_SHOWN], len(own)))
    return Outcome(value=rows)


async def pending_count(actor: Actor) -> int:
    if not may_vet(actor):
        return 0
    return await Employer.filter(
        organiser_id=actor.organiser_id, status=EmployerStatus.PENDING
    ).count()


async def pending_employer(actor: Actor, employer_id: int) -> Outcome[Employer]:
    """One of the organiser's employers; another organiser's does not exist for this actor."""
    if refusal := policy.lacks_write(actor, "employer_id"):
        return Outcome(errors=[refusal])
    if not may_vet(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN, "employer_id")
    employer = (
        await Employer.get_or_none(id=employer_id, organiser_id=actor.organiser_id)
        if valid_id(employer_id)
        else None
    )
    if employer is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "employer_id", EMPLOYER_NOT_FOUND)
    if employer.status != EmployerStatus.PENDING:
        return Outcome.fail(ErrorCode.NOT_PENDING, "employer_id", ALREADY_DECIDED)
    return Outcome(value=employer)


async def approve(actor: Actor, employer_id: int, settings: Settings) -> Outcome[Employer]:
    return await _decide(actor, employer_id, EmployerStatus.APPROVED, "", settings)


async def decline(
    actor: Actor, employer_id: int, reason: str, settings: Settings
) -> Outcome[Employer]:
    """A reason is required: the workplace is told it, by e-mail."""
    if bad_text := character_errors({"reason": reason}):
        return Outcome(errors=bad_text)
    reason = clean_text(reason)
    found = await pending_employer(actor, employer_id)
    if not found.ok:
        return found
    if not reason:
        return Outcome.fail(
            ErrorCode.INVALID, "reason", "Skriv varför arbetsplatsen inte godkänns."
        )
    if len(reason) > MAX_REASON:
        return Outcome.fail(ErrorCode.INVALID, "reason", f"Högst {MAX_REASON} tecken.")
    return await _decide(actor, employer_id, EmployerStatus.DECLINED, reason, settings)


async def _contact(employer: Employer) -> str | None:
    if employer.contact_email:
        return employer.contact_email
    first = await User.filter(employer_id=employer.id, is_active=True).order_by("id").first()
    return first.email if first else None


async def _decide(
    actor: Actor, employer_id: int, status: EmployerStatus, reason: str, settings: Settings
) -> Outcome[Employer]:
    found = await pending_employer(actor, employer_id)
    if found.value is None:
        return found
    employer = found.value
    address = await _contact(employer)
    message_ids: list[int] = []
    try:
        async with in_transaction() as conn:
            # Conditional on "still pending": of two admins deciding at once, one wins.
            changed = (
                await Employer.filter(id=employer.id, status=EmployerStatus.PENDING)
                .using_db(conn)
                .update(
                    status=status,
                    decline_reason=reason,
                    decided_by=actor.label,
                    decided_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
            if not changed:
                raise Refused(DomainError.of(ErrorCode.NOT_PENDING, "employer_id", ALREADY_DECIDED))
            if address:
                message = await notices.employer_decided(
                    email=address,
                    employer_name=employer.name,
                    approved=status == EmployerStatus.APPROVED,
                    reason=reason,
                    sign_in_url=f"{settings.base_url}{SIGN_IN_PATH.rstrip('/')}",
                    connection=conn,
                )
                message_ids.append(message.id)
            await audit.record(
                actor,
                "approve" if status == EmployerStatus.APPROVED else "decline",
                "employer",
                connection=conn,
                employer_id=employer.id,
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.deliver(message_ids)
    return Outcome(value=await Employer.get(id=employer.id))
