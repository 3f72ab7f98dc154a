"""Guardians' consent over GraphQL: Booking.guardianConsents (names only for the pupil and her
school), the guardianConsents connection for school systems, recordPaperConsent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from prao import clock
from prao.models import (
    AuditEvent,
    Booking,
    ConsentMode,
    Guardian,
    GuardianConsent,
    Organiser,
    Permission,
    Pupil,
    School,
    User,
)
from prao.services.booking import book_slot
from tests.callers import Caller, gid
from tests.factories import World

BOOKING_CONSENTS = """query($id: ID!) { node(id: $id) { ... on Booking {
  guardianConsents { id bookingId decision method decidedAt textVersion guardianName guardianId }
} } }"""
CONNECTION = """query($period: ID, $since: DateTime, $after: String) {
  guardianConsents(periodId: $period, updatedSince: $since, first: 1, after: $after) {
    totalCount syncedUntil pageInfo { hasNextPage endCursor }
    nodes { id decision guardianName bookingId }
  } }"""
RECORD = """mutation($input: RecordPaperConsentInput!) { recordPaperConsent(input: $input) {
  consent { decision method guardianName } errors { code field message } } }"""


async def asked(world: World) -> Booking:
    await Organiser.filter(id=world.organiser.id).update(
        consent_mode=ConsentMode.ALL_GUARDIANS, info_version=4
    )
    await Guardian.create(pupil_id=world.pupil_a.id, name="Bo Andersson", email="bo@ex.se")
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None
    return booked.value


async def test_booking_consents_name_guardians_only_for_pupil_and_school(
    world: World, as_user: Callable[[User], Awaitable[Caller]]
) -> None:
    booking = await asked(world)
    variables = {"id": gid("Booking", booking.id)}
    for user, names in (
        (world.pupil_a_user, True),
        (world.coordinator_a, True),
        (world.employer_user, False),
    ):
        data = await (await as_user(user)).data(BOOKING_CONSENTS, variables)
        consents = data["node"]["guardianConsents"]
        assert [c["decision"] for c in consents] == ["PENDING", "PENDING"]
        shown = [c["guardianName"] for c in consents]
        assert shown == (["Förälder", "Bo Andersson"] if names else [None, None]), user.email
        assert all((c["guardianId"] is not None) == names for c in consents)
    # Protected identity: still nothing of the guardians for the workplace.
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    data = await (await as_user(world.employer_user)).data(BOOKING_CONSENTS, variables)
    assert all(c["guardianName"] is None for c in data["node"]["guardianConsents"])


async def test_school_systems_sync_consents_by_period(
    world: World, as_token: Callable[..., Awaitable[Caller]]
) -> None:
    booking = await asked(world)
    # Changes become part of a sync once older than its horizon's margin.
    await GuardianConsent.all().update(updated_at=clock.now() - timedelta(seconds=10))
    token = await as_token(world.school_a)
    since = (clock.now() - timedelta(minutes=5)).isoformat()
    first = await token.data(CONNECTION, {"period": gid("Period", booking.period_id)})
    page = first["guardianConsents"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    assert page["nodes"][0]["guardianName"] == "Förälder"
    after = page["pageInfo"]["endCursor"]
    second = await token.data(
        CONNECTION, {"period": gid("Period", booking.period_id), "after": after}
    )
    assert second["guardianConsents"]["nodes"][0]["guardianName"] == "Bo Andersson"
    synced = await token.data(CONNECTION, {"since": since})
    assert synced["guardianConsents"]["totalCount"] == 2
    assert synced["guardianConsents"]["syncedUntil"]
    other = await token.data(CONNECTION, {"period": gid("Period", world.period_b.id)})
    assert other["guardianConsents"]["totalCount"] == 0
    school_b = await as_token(await School.get(id=world.school_b.id))
    assert (await school_b.data(CONNECTION, {}))["guardianConsents"]["totalCount"] == 0
    assert await AuditEvent.filter(action="read").exists()
    bad = await token.post(CONNECTION, {"period": "nonsense"})
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_record_paper_consent(
    world: World,
    as_user: Callable[[User], Awaitable[Caller]],
    as_token: Callable[..., Awaitable[Caller]],
) -> None:
    booking = await asked(world)
    coordinator = await as_user(world.coordinator_a)
    data = await coordinator.data(BOOKING_CONSENTS, {"id": gid("Booking", booking.id)})
    guardian_id = data["node"]["guardianConsents"][1]["guardianId"]
    done = await coordinator.data(
        RECORD,
        {"input": {"bookingId": gid("Booking", booking.id), "decision": "GIVEN",
                   "guardianId": guardian_id}},
    )  # fmt: skip
    assert done["recordPaperConsent"] == {
        "consent": {"decision": "GIVEN", "method": "PAPER", "guardianName": "Bo Andersson"},
        "errors": [],
    }
    row = await GuardianConsent.get(guardian__name="Bo Andersson")
    assert row.decision == "given" and row.method == "paper"
    read_only = await as_token(world.school_a, permissions=frozenset({Permission.READ}))
    refused = await read_only.data(
        RECORD,
        {"input": {"bookingId": gid("Booking", booking.id), "decision": "REFUSED",
                   "guardianName": "Per"}},
    )  # fmt: skip
    assert refused["recordPaperConsent"]["errors"][0]["code"] == "FORBIDDEN"


async def test_record_paper_consent_bad_input_changes_nothing(
    world: World, as_user: Callable[[User], Awaitable[Caller]]
) -> None:
    booking = await asked(world)
    coordinator = await as_user(world.coordinator_a)
    before = await GuardianConsent.all().order_by("id").values_list("id", "decision", "message")
    base: dict[str, Any] = {"bookingId": gid("Booking", booking.id), "decision": "GIVEN"}
    for changes, field in (
        ({"guardianName": "Anna\x00"}, "guardianName"),
        ({"guardianName": "Anna", "message": "x" * 1001}, "message"),
        ({"guardianName": ""}, "guardianName"),
        ({"guardianId": "nonsense"}, "guardianId"),
        ({"guardianId": gid("Guardian", 2**31 - 1)}, "guardianId"),
        ({"bookingId": gid("Booking", 2**40), "guardianName": "Anna"}, "bookingId"),
        ({"decision": "PENDING", "guardianName": "Anna"}, "decision"),
    ):
        answer = await coordinator.data(RECORD, {"input": {**base, **changes}})
        errors = answer["recordPaperConsent"]["errors"]
        assert errors and errors[0]["field"] == field and errors[0]["message"], changes
    after = await GuardianConsent.all().order_by("id").values_list("id", "decision", "message")
    assert after == before
