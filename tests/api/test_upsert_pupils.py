"""upsertPupils: school systems create and update pupils by external id, all or nothing, with every
row's problem returned beside its index; only the school's own staff and write tokens may."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from prao.errors import ErrorCode
from prao.models import AuditEvent, Guardian, Permission, Pupil, User
from prao.services.pupil_rows import PupilRow
from prao.services.pupil_upsert import upsert_pupils
from tests import factories
from tests.callers import Caller, gid
from tests.db import column
from tests.factories import World

UPSERT = """mutation($input: UpsertPupilsInput!) { upsertPupils(input: $input) {
  created updated unchanged
  pupils { id externalId firstName lastName className yearGroup email updatedAt }
  errors { index field code message }
} }"""

READ_WRITE = frozenset({Permission.READ, Permission.WRITE})

THREE = [
    {
        "externalId": "E-001",
        "firstName": "Åsa",
        "lastName": "Öberg",
        "className": "9A",
        "yearGroup": 9,
        "email": "Asa.Oberg@elev.se",
        "guardianEmail": "mamma.oberg@example.se",
        "securityMarking": False,
    },
    {
        "externalId": "E-002",
        "firstName": "Björn",
        "lastName": "Ängström",
        "yearGroup": 9,
        "securityMarking": False,
    },
    {
        "externalId": "E-003",
        "firstName": "Märta",
        "lastName": "Lind",
        "className": "9B",
        "yearGroup": 9,
        "securityMarking": True,
    },
]

TokenMaker = Callable[..., Awaitable[Caller]]


def variables(school_id: int, pupils: list[dict[str, Any]]) -> dict[str, Any]:
    return {"input": {"schoolId": gid("School", school_id), "pupils": pupils}}


async def upsert(caller: Caller, school_id: int, pupils: list[dict[str, Any]]) -> dict[str, Any]:
    payload: dict[str, Any] = (await caller.data(UPSERT, variables(school_id, pupils)))[
        "upsertPupils"
    ]
    return payload


async def state() -> tuple[list[Any], list[Any], list[Any]]:
    """Every pupil, account and guardian as stored: what a refused call must not change."""
    return (
        list(await Pupil.all().order_by("id").values()),
        list(await User.all().order_by("id").values()),
        list(await Guardian.all().order_by("id").values()),
    )


def counts(payload: dict[str, Any]) -> tuple[int, int, int]:
    return payload["created"], payload["updated"], payload["unchanged"]


def refused(payload: dict[str, Any]) -> list[tuple[int | None, str | None, str]]:
    assert counts(payload) == (0, 0, 0) and payload["pupils"] == []
    return [(e["index"], e["field"], e["code"]) for e in payload["errors"]]


async def test_create_then_resend_is_unchanged_then_one_change_is_one_update(
    world: World, as_token: TokenMaker
) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    first = await upsert(api, world.school_a.id, THREE)
    assert first["errors"] == []
    assert counts(first) == (3, 0, 0)
    assert [p["externalId"] for p in first["pupils"]] == ["E-001", "E-002", "E-003"]
    asa = await Pupil.get(school_id=world.school_a.id, external_id="E-001")
    assert first["pupils"][0]["id"] == gid("Pupil", asa.id)
    assert (asa.first_name, asa.last_name, asa.class_name, asa.year_group, asa.email) == (
        "Åsa",
        "Öberg",
        "9A",
        9,
        "asa.oberg@elev.se",
    )
    assert await column(Guardian.filter(pupil_id=asa.id), "email") == ["mamma.oberg@example.se"]
    assert (await User.get(pupil_id=asa.id)).email == "asa.oberg@elev.se"
    assert (await Pupil.get(external_id="E-003")).security_marking
    stored = await state()

    again = await upsert(api, world.school_a.id, THREE)
    assert again["errors"] == []
    assert counts(again) == (0, 0, 3)
    assert [p["id"] for p in again["pupils"]] == [p["id"] for p in first["pupils"]]
    assert await state() == stored  # updated_at included

    moved = [*THREE[:2], {**THREE[2], "className": "9C"}]
    before = {p.external_id: p.updated_at for p in await Pupil.filter(school_id=world.school_a.id)}
    changed = await upsert(api, world.school_a.id, moved)
    assert changed["errors"] == []
    assert counts(changed) == (0, 1, 2)
    after = {p.external_id: p for p in await Pupil.filter(school_id=world.school_a.id)}
    assert after["E-003"].class_name == "9C"
    assert after["E-003"].updated_at > before["E-003"]
    assert after["E-001"].updated_at == before["E-001"]
    assert after["E-002"].updated_at == before["E-002"]
    # Pupils left out of the call are left alone.
    assert after[world.pupil_a.external_id].updated_at == before[world.pupil_a.external_id]


async def test_a_new_guardian_alone_is_an_update(world: World, as_token: TokenMaker) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    assert counts(await upsert(api, world.school_a.id, THREE)) == (3, 0, 0)
    bjorn = await Pupil.get(external_id="E-002")
    with_guardian = [THREE[0], {**THREE[1], "guardianEmail": "pappa@example.se"}, THREE[2]]
    payload = await upsert(api, world.school_a.id, with_guardian)
    assert counts(payload) == (0, 1, 2)
    assert await column(Guardian.filter(pupil_id=bjorn.id), "email") == ["pappa@example.se"]
    assert (await Pupil.get(id=bjorn.id)).updated_at > bjorn.updated_at


async def test_more_than_500_rows_is_one_error_and_nothing_saved(
    world: World, as_token: TokenMaker
) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    rows = [
        {
            "externalId": f"R-{i}",
            "firstName": "Elev",
            "lastName": f"Nr{i}",
            "yearGroup": 8,
            "securityMarking": False,
        }
        for i in range(501)
    ]
    before = await state()
    payload = await upsert(api, world.school_a.id, rows)
    assert refused(payload) == [(None, "pupils", "INVALID")]
    assert "500" in payload["errors"][0]["message"]
    assert await state() == before

    exactly = await upsert(api, world.school_a.id, rows[:500])
    assert exactly["errors"] == [] and counts(exactly) == (500, 0, 0)


async def test_bad_rows_are_reported_by_index_and_field_and_nothing_is_saved(
    world: World, as_token: TokenMaker
) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    rows = [
        THREE[0],
        {**THREE[1], "email": "inte-en-adress"},
        {**THREE[2], "firstName": None},
        {
            "externalId": "E-004",
            "firstName": "Ida",
            "lastName": "Ek",
            "yearGroup": 11,
            "securityMarking": False,
        },
        {
            "externalId": "",
            "firstName": "Ola",
            "lastName": "Ek",
            "yearGroup": 8,
            "securityMarking": False,
        },
        {
            "externalId": "E-006",
            "firstName": "Per",
            "lastName": "Ek",
            "guardianEmail": "vh@",
            "securityMarking": False,
        },
    ]
    before = await state()
    payload = await upsert(api, world.school_a.id, rows)
    assert refused(payload) == [
        (1, "email", "INVALID"),
        (2, "firstName", "INVALID"),
        (3, "yearGroup", "INVALID"),
        (4, "externalId", "INVALID"),
        (5, "yearGroup", "INVALID"),
        (5, "guardianEmail", "INVALID"),
    ]
    messages = [e["message"] for e in payload["errors"]]
    assert "Elevens e-post" in messages[0] and messages[1] == "Förnamn saknas."
    assert await state() == before


async def test_duplicate_external_ids_and_taken_addresses_are_row_errors(
    world: World, as_token: TokenMaker
) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    rows = [
        THREE[0],
        {**THREE[1], "externalId": "E-001"},
        {**THREE[2], "email": world.pupil_a_user.email},  # another pupil's sign-in address
    ]
    before = await state()
    payload = await upsert(api, world.school_a.id, rows)
    assert refused(payload) == [
        (0, "externalId", "DUPLICATE"),
        (1, "externalId", "DUPLICATE"),
        (2, "email", "DUPLICATE"),
    ]
    assert "E-001" in payload["errors"][0]["message"]
    assert await state() == before


async def test_other_schools_tokens_and_read_only_tokens_are_forbidden(
    world: World, as_token: TokenMaker
) -> None:
    callers = [
        await as_token(world.school_b, permissions=READ_WRITE),
        await as_token(organiser=world.other_organiser, permissions=READ_WRITE),
        await as_token(world.school_a, permissions=frozenset({Permission.READ})),
    ]
    before = await state()
    answers = [refused(await upsert(c, world.school_a.id, THREE)) for c in callers]
    assert answers == [
        [(None, "schoolId", "FORBIDDEN")],
        [(None, "schoolId", "NOT_FOUND")],  # another organiser's schools do not exist for it
        [(None, None, "FORBIDDEN")],
    ]
    assert await state() == before
    assert not await AuditEvent.exists(action="upsert")


async def test_write_without_read_still_writes(world: World, as_token: TokenMaker) -> None:
    # Writing is WRITE's business; READ only governs what the token can look up elsewhere.
    api = await as_token(world.school_a, permissions=frozenset({Permission.WRITE}))
    payload = await upsert(api, world.school_a.id, THREE[:1])
    assert payload["errors"] == [] and counts(payload) == (1, 0, 0)


WITH_IDS = UPSERT.replace("created updated unchanged", "created updated unchanged pupilIds")


async def test_write_only_token_gets_ids_and_counts_but_no_pupil_data(
    world: World, as_token: TokenMaker
) -> None:
    api = await as_token(world.school_a, permissions=frozenset({Permission.WRITE}))
    payload = (await api.data(WITH_IDS, variables(world.school_a.id, THREE)))["upsertPupils"]
    saved = [await Pupil.get(external_id=row["externalId"]) for row in THREE]
    assert payload == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "pupilIds": [gid("Pupil", p.id) for p in saved],
        "pupils": [],
        "errors": [],
    }
    # Sending a pupil's row again does not read her back either.
    again = (await api.data(WITH_IDS, variables(world.school_a.id, THREE[:1])))["upsertPupils"]
    assert (again["unchanged"], again["pupils"]) == (1, [])
    # With read permission the same call returns the pupils, ids in the same order.
    both = await as_token(world.school_a, permissions=READ_WRITE)
    read = (await both.data(WITH_IDS, variables(world.school_a.id, THREE)))["upsertPupils"]
    assert [p["id"] for p in read["pupils"]] == read["pupilIds"] == payload["pupilIds"]
    assert read["pupils"][0]["email"] == "asa.oberg@elev.se"


async def test_an_address_used_in_another_organiser_is_answered_like_a_new_one(
    world: World, as_token: TokenMaker
) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    outsider = await factories.pupil_user(world.pupil_x)
    elsewhere = [outsider.email, world.other_employer_user.email]
    accounts = await User.filter(email__in=elsewhere).order_by("id").values()

    def rows(addresses: list[str], prefix: str) -> list[dict[str, Any]]:
        return [
            {**THREE[1], "externalId": f"{prefix}-{i}", "email": address}
            for i, address in enumerate(addresses)
        ]

    def shape(payload: dict[str, Any]) -> tuple[Any, ...]:
        return counts(payload), payload["errors"], [sorted(p) for p in payload["pupils"]]

    taken = await upsert(api, world.school_a.id, rows(elsewhere, "T"))
    new = await upsert(api, world.school_a.id, rows(["ny1@elev.se", "ny2@elev.se"], "N"))
    assert shape(taken) == shape(new) and taken["errors"] == []
    assert [p["email"] for p in taken["pupils"]] == elsewhere
    # No account for her: the other organiser's account is neither linked nor changed.
    saved = await Pupil.filter(external_id__in=["T-0", "T-1"])
    assert not await User.filter(pupil_id__in=[p.id for p in saved]).exists()
    assert await User.filter(email__in=elsewhere).order_by("id").values() == accounts
    # An existing pupil moving to such an address keeps her own account's address.
    moved = [{**THREE[1], "externalId": "N-0", "email": outsider.email}]
    assert counts(await upsert(api, world.school_a.id, moved)) == (0, 1, 0)
    assert (await User.get(email="ny1@elev.se")).pupil_id is not None
    assert counts(await upsert(api, world.school_a.id, moved)) == (0, 0, 1)
    # Inside the organiser the school's own system is told (the existing test above).
    same = await upsert(api, world.school_a.id, rows([world.admin.email], "S"))
    assert refused(same) == [(0, "email", "DUPLICATE")]


async def test_lifting_protected_identity_is_audited(world: World, as_token: TokenMaker) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    assert counts(await upsert(api, world.school_a.id, THREE)) == (3, 0, 0)
    assert not await AuditEvent.exists(action="lift_protection")
    lifted = [{**THREE[2], "securityMarking": False}]
    assert counts(await upsert(api, world.school_a.id, lifted)) == (0, 1, 0)
    marta = await Pupil.get(external_id="E-003")
    assert not marta.security_marking
    event = await AuditEvent.get(action="lift_protection")
    assert (event.object_count, event.detail) == (
        1,
        {"pupil_ids": [marta.id], "school_id": world.school_a.id},
    )
    assert counts(await upsert(api, world.school_a.id, lifted)) == (0, 0, 1)
    assert await AuditEvent.filter(action="lift_protection").count() == 1


async def test_people_outside_the_school_are_forbidden(
    world: World, as_user: Callable[[User], Awaitable[Caller]], anonymous: Caller
) -> None:
    before = await state()
    for person in (
        world.pupil_a_user,
        world.employer_user,
        world.coordinator_b,
    ):
        caller = await as_user(person)
        assert refused(await upsert(caller, world.school_a.id, THREE))[0][2] == "FORBIDDEN"
    assert refused(await upsert(anonymous, world.school_a.id, THREE))[0][2] == "FORBIDDEN"
    assert await state() == before
    assert not await AuditEvent.exists(action="upsert")


async def test_unknown_and_malformed_school_ids(world: World, as_token: TokenMaker) -> None:
    api = await as_token(world.school_a, permissions=READ_WRITE)
    unknown = await upsert(api, world.school_a.id + 1000, THREE)
    assert refused(unknown) == [(None, "schoolId", "NOT_FOUND")]
    other_type = await api.data(
        UPSERT, {"input": {"schoolId": gid("Pupil", world.pupil_a.id), "pupils": THREE}}
    )
    assert refused(other_type["upsertPupils"]) == [(None, "schoolId", "NOT_FOUND")]
    malformed = await api.data(UPSERT, {"input": {"schoolId": "inte-ett-id", "pupils": THREE}})
    assert refused(malformed["upsertPupils"]) == [(None, "schoolId", "INVALID")]
    assert not await Pupil.exists(external_id="E-001")


async def test_coordinator_admin_and_organiser_token_may_and_the_write_is_audited(
    world: World, as_user: Callable[[User], Awaitable[Caller]], as_token: TokenMaker
) -> None:
    coordinator = await as_user(world.coordinator_a)
    payload = await upsert(coordinator, world.school_a.id, THREE)
    assert payload["errors"] == [] and counts(payload) == (3, 0, 0)
    event = await AuditEvent.get(action="upsert")
    assert (event.actor, event.object_type, event.object_count) == (
        f"user:{world.coordinator_a.id}",
        "pupil",
        3,
    )
    assert event.organiser_id == world.organiser.id
    assert event.detail == {
        "school_id": world.school_a.id,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }

    admin = await as_user(world.admin)
    moved = [{**THREE[0], "className": "9C"}]
    assert counts(await upsert(admin, world.school_a.id, moved)) == (0, 1, 0)
    organiser_token = await as_token(organiser=world.organiser, permissions=READ_WRITE)
    to_b = [{**THREE[0], "email": None}]
    assert counts(await upsert(organiser_token, world.school_b.id, to_b)) == (1, 0, 0)
    assert await Pupil.filter(external_id="E-001").count() == 2  # one per school
    assert await AuditEvent.filter(action="upsert").count() == 3


async def test_concurrent_calls_for_the_same_new_pupils_save_them_once(world: World) -> None:
    """On PostgreSQL the second call waits on the unique key, then is refused whole."""
    actor = await world.actor(world.coordinator_a)

    def rows() -> list[PupilRow]:
        return [
            PupilRow(
                external_id=f"C-{i}",
                first_name="Elev",
                last_name=f"Nr{i}",
                year_group=8,
                email=f"c{i}@elev.se",
            )
            for i in range(20)
        ]

    outcomes = await asyncio.gather(
        *(upsert_pupils(actor, world.school_a.id, rows()) for _ in "ab")
    )
    assert any(o.ok and o.value is not None and o.value.created == 20 for o in outcomes)
    for outcome in outcomes:
        assert outcome.ok or [e.code for e in outcome.errors] == [ErrorCode.DUPLICATE]
    assert await Pupil.filter(external_id__startswith="C-").count() == 20
    assert await User.filter(email__startswith="c", email__endswith="@elev.se").count() == 20


async def test_protected_identity_must_always_be_stated(world: World, as_token: TokenMaker) -> None:
    """Leaving securityMarking out must never lift a pupil's protected identity."""
    api = await as_token(world.school_a, permissions=READ_WRITE)
    assert (await upsert(api, world.school_a.id, THREE))["created"] == 3
    silent = {k: v for k, v in THREE[2].items() if k != "securityMarking"}
    payload = await api.result(UPSERT, variables(world.school_a.id, [silent]))
    assert "data" not in payload
    assert "securityMarking" in payload["errors"][0]["message"]
    assert (await Pupil.get(external_id="E-003")).security_marking
