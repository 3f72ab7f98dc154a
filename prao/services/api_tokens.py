"""An organiser admin's API tokens: list, create (the secret is shown once), revoke.

Only organiser admins manage tokens, and only their own organiser's: tokens for the whole
organiser or for one of its schools. Creation and revocation are audited, never the secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from tortoise.expressions import Q

from prao import audit, clock
from prao.actor import Actor, parse_permissions
from prao.auth import READ_ONLY, create_api_token, format_permissions, token_status
from prao.config import TIMEZONE
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import ApiToken, Organiser, Permission, Role, School
from prao.validation import clean_text, valid_id

MAX_NAME = 200
DEFAULT_DAYS = 365
TOKEN_NOT_FOUND = "API-nyckeln finns inte."

# Swedish names, in the order a form lists them.
PERMISSION_NAMES: dict[Permission, str] = {
    Permission.READ: "Läsa",
    Permission.WRITE: "Ändra",
    Permission.ALLOCATE: "Fördela",
}
STATUS_NAMES = {"active": "Aktiv", "revoked": "Återkallad", "expired": "Utgången"}


def is_organiser_admin(actor: Actor) -> bool:
    return actor.kind in ("user", "cli") and actor.role is Role.ADMIN and bool(actor.organiser_id)


def default_expiry(today: date | None = None) -> date:
    return (today or clock.today()) + timedelta(days=DEFAULT_DAYS)


def expiry_moment(day: date) -> datetime:
    """A token "expires on" a date at the start of that day, Stockholm time."""
    return datetime.combine(day, time(0), TIMEZONE)


def status_of(token: ApiToken, now: datetime | None = None) -> str:
    return token_status(token, now or clock.now())


@dataclass(frozen=True)
class TokenRequest:
    """What the admin asks for; `school_id` None means the whole organiser."""

    name: str
    permissions: frozenset[Permission] = READ_ONLY
    school_id: int | None = None
    expires_on: date | None = None  # default: one year from today


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    scope: str
    permissions: list[Permission]
    status: str

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def permission_names(self) -> str:
        return ", ".join(PERMISSION_NAMES[p] for p in self.permissions)

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class CreatedToken:
    row: TokenRow
    secret: str  # shown once, never stored


@dataclass
class TokenList:
    rows: list[TokenRow] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)


def _organiser_tokens(organiser_id: int) -> Q:
    return Q(organiser_id=organiser_id) | Q(school__organiser_id=organiser_id)


def _permissions(token: ApiToken) -> list[Permission]:
    granted = parse_permissions(token.permissions)
    return [p for p in Permission if p in granted]  # in the enum's order, as forms list them


def _row(token: ApiToken, schools: dict[int, str], organiser_name: str) -> TokenRow:
    scope = (
        schools.get(token.school_id, "Okänd skola")
        if token.school_id is not None
        else f"Hela {organiser_name}"
    )
    return TokenRow(token, scope, _permissions(token), status_of(token))


async def _names(organiser_id: int) -> tuple[list[School], dict[int, str], str]:
    schools = await School.filter(organiser_id=organiser_id).order_by("name", "id")
    organiser = await Organiser.get(id=organiser_id)
    return schools, {s.id: s.name for s in schools}, organiser.name


async def list_tokens(actor: Actor) -> Outcome[TokenList]:
    """The organiser's tokens, newest first, with its schools (for the create form)."""
    if not is_organiser_admin(actor) or actor.organiser_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    schools, names, organiser_name = await _names(actor.organiser_id)
    tokens = await ApiToken.filter(_organiser_tokens(actor.organiser_id)).order_by(
        "-created_at", "-id"
    )
    rows = [_row(t, names, organiser_name) for t in tokens]
    return Outcome(value=TokenList(rows, schools))


async def get_token(actor: Actor, token_id: int) -> TokenRow | None:
    """One of the organiser's tokens; another organiser's does not exist as far as she knows."""
    if not is_organiser_admin(actor) or actor.organiser_id is None or not valid_id(token_id):
        return None
    token = await ApiToken.filter(_organiser_tokens(actor.organiser_id), id=token_id).first()
    if token is None:
        return None
    _, names, organiser_name = await _names(actor.organiser_id)
    return _row(token, names, organiser_name)


def check(request: TokenRequest, today: date | None = None) -> list[DomainError]:
    """Every problem with the request at once, each naming its field."""
    errors = []
    name = clean_text(request.name)
    if not name:
        errors.append(DomainError.of(ErrorCode.INVALID, "name", "Ge nyckeln ett namn."))
    elif len(name) > MAX_NAME:
        errors.append(
            DomainError.of(ErrorCode.INVALID, "name", f"Namnet får vara högst {MAX_NAME} tecken.")
        )
    if not request.permissions:
        errors.append(DomainError.of(ErrorCode.INVALID, "permissions", "Välj minst en behörighet."))
    expires_on = request.expires_on or default_expiry(today)
    if expires_on <= (today or clock.today()):
        errors.append(
            DomainError.of(ErrorCode.INVALID, "expires_on", "Slutdatumet måste vara efter i dag.")
        )
    return errors


async def create_token(actor: Actor, request: TokenRequest) -> Outcome[CreatedToken]:
    if not is_organiser_admin(actor) or actor.organiser_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    school: School | None = None
    if request.school_id is not None:
        school = (
            await School.get_or_none(id=request.school_id, organiser_id=actor.organiser_id)
            if valid_id(request.school_id)
            else None
        )
        if school is None:
            return Outcome.fail(ErrorCode.NOT_FOUND, "school_id", "Skolan finns inte.")
    errors = check(request)
    if errors:
        return Outcome(errors=errors)
    organiser = None if school else await Organiser.get(id=actor.organiser_id)
    token, raw = await create_api_token(
        clean_text(request.name),
        school=school,
        organiser=organiser,
        permissions=request.permissions,
        expires_at=expiry_moment(request.expires_on or default_expiry()),
        created_by=actor.label,
    )
    await audit.record(
        actor,
        "create",
        "api_token",
        token_id=token.id,
        name=token.name,
        school_id=token.school_id,
        permissions=format_permissions(request.permissions),
    )
    _, names, organiser_name = await _names(actor.organiser_id)
    return Outcome(value=CreatedToken(_row(token, names, organiser_name), raw))


async def revoke_token(actor: Actor, token_id: int) -> Outcome[TokenRow]:
    """Idempotent: revoking a revoked token is fine and changes (and audits) nothing."""
    if not is_organiser_admin(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN, "token_id")
    found = await get_token(actor, token_id)
    if found is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token_id", TOKEN_NOT_FOUND)
    changed = await ApiToken.filter(id=token_id, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if changed:
        await audit.record(actor, "revoke", "api_token", token_id=token_id, name=found.token.name)
    row = await get_token(actor, token_id)
    assert row is not None
    return Outcome(value=row)
