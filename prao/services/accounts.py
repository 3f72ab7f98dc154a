"""An organiser admin's people: the staff and workplace accounts of her organiser, and ending
their access (deactivating an account, or signing it out on every device)."""

from __future__ import annotations

from dataclasses import dataclass

from prao import audit
from prao.actor import Actor
from prao.auth import end_sessions
from prao.errors import ErrorCode, Outcome
from prao.models import Employer, Role, School, User
from prao.services.api_tokens import is_organiser_admin
from prao.validation import valid_id

NOT_FOUND = "Det finns ingen sådan användare hos er."
NOT_YOURSELF = "Du kan inte inaktivera ditt eget konto."
MAX_LISTED = 1000


@dataclass
class Account:
    user: User
    where: str  # the school or workplace, or the organiser itself for admins


async def _accounts(organiser_id: int, user_id: int | None = None) -> list[Account]:
    """Coordinators of the organiser's schools, its admins, and its workplaces' people."""
    schools = {s.id: s.name for s in await School.filter(organiser_id=organiser_id)}
    workplaces = {e.id: e.name for e in await Employer.filter(organiser_id=organiser_id)}
    people = User.filter(role__in=[Role.COORDINATOR, Role.ADMIN, Role.EMPLOYER])
    if user_id is not None:
        people = people.filter(id=user_id)
    found: dict[int, Account] = {}
    for user in await people.filter(school_id__in=list(schools) or [0]).limit(MAX_LISTED):
        found[user.id] = Account(user, schools.get(user.school_id or 0, ""))
    for user in await people.filter(employer_id__in=list(workplaces) or [0]).limit(MAX_LISTED):
        found[user.id] = Account(user, workplaces.get(user.employer_id or 0, ""))
    for user in await people.filter(role=Role.ADMIN, organiser_id=organiser_id):
        found[user.id] = Account(user, "Huvudmannen")
    return sorted(
        found.values(), key=lambda a: (not a.user.is_active, a.user.role, a.where, a.user.email)
    )


async def accounts(actor: Actor) -> Outcome[list[Account]]:
    if not is_organiser_admin(actor) or actor.organiser_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    return Outcome(value=await _accounts(actor.organiser_id))


async def account(actor: Actor, user_id: int) -> Outcome[Account]:
    """One of the organiser's accounts; another organiser's does not exist as far as she knows."""
    if not is_organiser_admin(actor) or actor.organiser_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    found = await _accounts(actor.organiser_id, user_id) if valid_id(user_id) else []
    if not found:
        return Outcome.fail(ErrorCode.NOT_FOUND, None, NOT_FOUND)
    return Outcome(value=found[0])


async def deactivate(actor: Actor, user_id: int) -> Outcome[Account]:
    """The account can no longer sign in, and every session of it ends at once."""
    found = await account(actor, user_id)
    if found.value is None:
        return found
    if found.value.user.id == actor.user_id:
        return Outcome.fail(ErrorCode.INVALID, None, NOT_YOURSELF)
    await User.filter(id=user_id).update(is_active=False)
    await end_sessions(user_id)
    await audit.record(actor, "deactivate", "user", user_id=user_id)
    found.value.user.is_active = False
    return found


async def sign_out_everywhere(actor: Actor, user_id: int) -> Outcome[Account]:
    """Every session of the account ends at once; it can sign in again by a new link."""
    found = await account(actor, user_id)
    if found.value is None:
        return found
    await end_sessions(user_id)
    await audit.record(actor, "end_sessions", "user", user_id=user_id)
    return found
