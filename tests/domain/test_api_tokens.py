"""API tokens managed by organiser admins: the rules, why a token is refused, and what its
permissions let it do (and that a refused write changes nothing)."""

from __future__ import annotations

from datetime import timedelta

from prao import clock, policy
from prao.actor import Actor
from prao.allocation import runs
from prao.allocation.apply import apply_run
from prao.audit.log import AuditFilter, events
from prao.auth import TokenRefusal, authenticate_bearer, create_api_token, hash_secret
from prao.errors import ErrorCode
from prao.models import (
    AllocationRun,
    ApiToken,
    AuditEvent,
    Booking,
    BookingStatus,
    Period,
    PeriodMode,
    Permission,
    Role,
    Slot,
)
from prao.services import api_tokens, booking, periods, placement
from prao.services.api_tokens import TokenRequest
from prao.services.period_overview import period_overview
from tests import factories
from tests.factories import World

READ = frozenset({Permission.READ})
READ_WRITE = frozenset({Permission.READ, Permission.WRITE})


async def token_actor(world: World, permissions: frozenset[Permission], **scope: object) -> Actor:
    scope = scope or {"school": world.school_a}
    _, raw = await create_api_token("System", permissions=permissions, **scope)  # type: ignore[arg-type]
    found = await authenticate_bearer(raw)
    assert isinstance(found, Actor)
    return found


async def test_admin_creates_lists_and_revokes_a_token(world: World) -> None:
    admin = await world.actor(world.admin)
    made = await api_tokens.create_token(
        admin, TokenRequest("Skoladmin", READ_WRITE, world.school_a.id)
    )
    assert made.ok and made.value is not None
    token, secret = made.value.row.token, made.value.secret
    stored = await ApiToken.get(id=token.id)
    assert stored.token_hash == hash_secret(secret) and secret not in stored.token_hash
    assert stored.permissions == "read,write" and stored.created_by == admin.label
    expires = clock.local(stored.expires_at)  # type: ignore[arg-type]
    assert expires.date() == clock.today() + timedelta(days=365)
    assert (expires.hour, expires.minute) == (0, 0)

    listed = await api_tokens.list_tokens(admin)
    assert listed.value is not None
    assert [(r.token.id, r.scope, r.status) for r in listed.value.rows] == [
        (token.id, "Skola A", "active")
    ]
    assert {s.name for s in listed.value.schools} == {"Skola A", "Skola B"}

    first = await api_tokens.revoke_token(admin, token.id)
    again = await api_tokens.revoke_token(admin, token.id)
    assert first.ok and again.ok and again.value is not None and again.value.status == "revoked"
    assert await authenticate_bearer(secret) == TokenRefusal("revoked")

    logged = await AuditEvent.filter(object_type="api_token").order_by("id")
    assert [e.action for e in logged] == ["create", "revoke"]  # the second revoke: no event
    assert all(e.organiser_id == world.organiser.id for e in logged)
    assert all(secret not in str(e.detail) for e in logged)


async def test_organiser_wide_token_and_defaults(world: World) -> None:
    admin = await world.actor(world.admin)
    made = await api_tokens.create_token(admin, TokenRequest("Kommunens lager"))
    assert made.value is not None
    row = made.value.row
    assert row.token.organiser_id == world.organiser.id and row.token.school_id is None
    assert row.permissions == [Permission.READ] and row.scope == "Hela Varbergs kommun"


async def test_only_organiser_admins_manage_tokens(world: World) -> None:
    made = await create_api_token("Någon annans", organiser=world.other_organiser)
    for user in (world.coordinator_a, world.pupil_a_user, world.employer_user):
        actor = await world.actor(user)
        assert (await api_tokens.list_tokens(actor)).errors[0].code == ErrorCode.FORBIDDEN
        created = await api_tokens.create_token(actor, TokenRequest("X"))
        assert created.errors[0].code == ErrorCode.FORBIDDEN
        revoked = await api_tokens.revoke_token(actor, made[0].id)
        assert revoked.errors[0].code == ErrorCode.FORBIDDEN
    token_actor_ = await token_actor(world, READ_WRITE, organiser=world.organiser)
    assert not (await api_tokens.create_token(token_actor_, TokenRequest("X"))).ok

    admin = await world.actor(world.admin)
    # Another organiser's token does not exist for her, and stays active.
    other = await api_tokens.revoke_token(admin, made[0].id)
    assert other.errors[0].code == ErrorCode.NOT_FOUND
    assert (await ApiToken.get(id=made[0].id)).revoked_at is None
    listed = await api_tokens.list_tokens(admin)
    assert listed.value is not None
    assert [r.token.id for r in listed.value.rows] == [token_actor_.id]
    assert await ApiToken.all().count() == 2


async def test_create_refusals_name_their_field(world: World) -> None:
    admin = await world.actor(world.admin)
    cases = [
        (TokenRequest("  "), "name", ErrorCode.INVALID),
        (TokenRequest("x" * 201), "name", ErrorCode.INVALID),
        (TokenRequest("A", frozenset()), "permissions", ErrorCode.INVALID),
        (TokenRequest("A", expires_on=clock.today()), "expires_on", ErrorCode.INVALID),
        (
            TokenRequest("A", expires_on=clock.today() - timedelta(days=3)),
            "expires_on",
            ErrorCode.INVALID,
        ),
        (TokenRequest("A", school_id=world.school_x.id), "school_id", ErrorCode.NOT_FOUND),
        (TokenRequest("A", school_id=10**12), "school_id", ErrorCode.NOT_FOUND),
    ]
    for request, field, code in cases:
        outcome = await api_tokens.create_token(admin, request)
        assert [(e.field, e.code) for e in outcome.errors] == [(field, code)], request
    assert await ApiToken.all().count() == 0
    assert await AuditEvent.filter(object_type="api_token").count() == 0
    ok = await api_tokens.create_token(admin, TokenRequest("x" * 200))
    assert ok.ok


async def test_refusal_reasons(world: World) -> None:
    assert await authenticate_bearer("prao_finns-inte") == TokenRefusal("unknown")
    revoked, revoked_raw = await create_api_token("R", school=world.school_a)
    await ApiToken.filter(id=revoked.id).update(revoked_at=clock.now())
    assert await authenticate_bearer(revoked_raw) == TokenRefusal("revoked")
    when = clock.now() - timedelta(hours=2)
    expired, expired_raw = await create_api_token("E", school=world.school_a, expires_at=when)
    found = await authenticate_bearer(expired_raw)
    assert isinstance(found, TokenRefusal) and found.reason == "expired"
    assert found.expired_at is not None and abs(found.expired_at - when) < timedelta(seconds=1)
    # Revocation is the deliberate act: told even when the token has also expired.
    await ApiToken.filter(id=expired.id).update(revoked_at=clock.now())
    assert await authenticate_bearer(expired_raw) == TokenRefusal("revoked")


async def test_read_only_token_cannot_book_or_cancel(world: World) -> None:
    reader = await token_actor(world, READ)
    refused = await booking.book_slot(reader, world.slot.id, world.pupil_a.id)
    assert [e.code for e in refused.errors] == [ErrorCode.FORBIDDEN]
    assert await Booking.all().count() == 0
    assert (await Slot.get(id=world.slot.id)).taken == 0

    writer = await token_actor(world, READ_WRITE)
    booked = await booking.book_slot(writer, world.slot.id, world.pupil_a.id)
    assert booked.ok and booked.value is not None
    cancel = await booking.cancel_booking(reader, booked.value.id)
    assert [e.code for e in cancel.errors] == [ErrorCode.FORBIDDEN]
    kept = await Booking.get(id=booked.value.id)
    assert kept.status == BookingStatus.CONFIRMED
    assert (await Slot.get(id=world.slot.id)).taken == 1


async def test_read_only_token_cannot_plan_or_place(world: World) -> None:
    reader = await token_actor(world, READ, organiser=world.organiser)
    draft = periods.PeriodDraft.of(world.period_a)
    created = await periods.create_period(reader, draft, world.school_a.id)
    assert [e.code for e in created.errors] == [ErrorCode.FORBIDDEN]
    assert await Period.all().count() == 2
    placed = await placement.place_pupil_at(reader, world.pupil_a.id, world.slot.id)
    assert [e.code for e in placed.errors] == [ErrorCode.FORBIDDEN]
    reminded = await placement.remind_unplaced(reader, world.period_a.id)
    assert [e.code for e in reminded.errors] == [ErrorCode.FORBIDDEN]
    assert await Booking.all().count() == 0
    # Reading is still allowed.
    assert (await period_overview(reader, world.period_a.id)).ok


async def test_token_without_read_sees_nothing(world: World) -> None:
    blind = await token_actor(world, frozenset({Permission.WRITE}), organiser=world.organiser)
    for scope in (
        policy.slots(blind),
        policy.bookings(blind),
        policy.pupils(blind),
        policy.schools(blind),
        policy.periods(blind),
        policy.employers(blind),
    ):
        assert await scope.count() == 0
    reader = await token_actor(world, READ, organiser=world.organiser)
    assert await policy.pupils(reader).count() == 3
    assert await policy.slots(reader).count() == 2


async def test_allocation_needs_the_allocate_permission(world: World) -> None:
    period = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, year_group=9)
    writer = await token_actor(world, READ_WRITE)
    refused = await runs.start_run(writer, period.id, enqueue=False)
    assert [(e.code, e.field) for e in refused.errors] == [(ErrorCode.FORBIDDEN, "period_id")]
    assert await AllocationRun.all().count() == 0

    allocator = await token_actor(world, READ | {Permission.ALLOCATE})
    started = await runs.start_run(allocator, period.id, enqueue=False)
    assert started.ok and started.value is not None
    apply_refused = await apply_run(writer, started.value.id)
    assert [e.code for e in apply_refused.errors] == [ErrorCode.FORBIDDEN]
    assert (await AllocationRun.get(id=started.value.id)).status == started.value.status


async def test_people_keep_every_permission(world: World) -> None:
    coordinator = await world.actor(world.coordinator_a)
    assert all(coordinator.may(p) for p in Permission)
    booked = await booking.book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert booked.ok


async def test_audit_log_is_the_admins_organiser_newest_first(world: World) -> None:
    admin = await world.actor(world.admin)
    other_admin = Actor.for_user(
        await factories.user(Role.ADMIN, organiser_id=world.other_organiser.id)
    )
    await api_tokens.create_token(admin, TokenRequest("Första"))
    await api_tokens.create_token(other_admin, TokenRequest("Grannens"))
    second = await api_tokens.create_token(admin, TokenRequest("Andra"))
    assert second.value is not None
    await api_tokens.revoke_token(admin, second.value.row.token.id)

    page = await events(admin, AuditFilter())
    assert page.value is not None
    assert [(r.event.action, r.event.detail.get("name")) for r in page.value.rows] == [
        ("revoke", "Andra"),
        ("create", "Andra"),
        ("create", "Första"),
    ]
    assert page.value.rows[0].who.startswith(world.admin.name)
    assert page.value.actions == ["create", "revoke"]

    only_revokes = await events(admin, AuditFilter(action="revoke"))
    assert only_revokes.value is not None and len(only_revokes.value.rows) == 1
    tomorrow = clock.today() + timedelta(days=1)
    future = await events(admin, AuditFilter(date_from=tomorrow))
    assert future.value is not None and future.value.rows == []
    today = await events(admin, AuditFilter(date_from=clock.today(), date_to=clock.today()))
    assert today.value is not None and len(today.value.rows) == 3

    first = await events(admin, AuditFilter(), size=2)
    assert first.value is not None and first.value.has_next
    rest = await events(admin, AuditFilter(), before_id=first.value.next_before, size=2)
    assert rest.value is not None and not rest.value.has_next
    assert [r.event.detail["name"] for r in rest.value.rows] == ["Första"]

    coordinator = await world.actor(world.coordinator_a)
    assert (await events(coordinator, AuditFilter())).errors[0].code == ErrorCode.FORBIDDEN
