"""Employers are vetted before they reach pupils: a self-registered employer is pending until an
organiser admin (or a coordinator of the organiser) approves it; until then, and after a
decline, its slots cannot be published and reach no pupil by any path. One organisation
number per organiser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from prao import orgnr
from prao.actor import Actor
from prao.allocation import runs
from prao.config import Settings
from prao.errors import ErrorCode
from prao.models import (
    AuditEvent,
    Booking,
    Employer,
    EmployerStatus,
    OutboxMessage,
    PeriodMode,
    Role,
    Slot,
    SlotStatus,
    User,
    Wish,
)
from prao.services import catalogue, employers, slots, vetting, wishes
from prao.services.booking import book_slot
from prao.services.placement import place_pupil
from tests import factories
from tests.callers import gid, main_text, token_of
from tests.factories import World

ORG_NUMBER = "556036-0793"
OTHER_NUMBER = orgnr.with_check_digit("559000123")


def sign_up_data(world: World, **kw: Any) -> employers.SignUp:
    values: dict[str, Any] = {
        "organiser_id": world.organiser.id,
        "name": "Varbergs Snickeri AB",
        "org_number": "5560360793",
        "address": "Hamngatan 1",
        "city": "Varberg",
        "contact_email": "info@snickeri.se",
        "contact_name": "Siv Snickare",
    }
    values.update(kw)
    return employers.SignUp(**values)


async def signed_up(world: World, settings: Settings, **kw: Any) -> tuple[Employer, User]:
    outcome = await employers.sign_up(sign_up_data(world, **kw), settings)
    assert outcome.value is not None, outcome.errors
    user = await User.get(employer_id=outcome.value.id)
    return outcome.value, user


async def draft_of(employer: Employer, **kw: Any) -> Slot:
    return await factories.slot(employer, status=SlotStatus.DRAFT, **kw)


# -- pending until approved ------------------------------------------------------------------


async def test_a_self_registered_employer_cannot_publish_until_approved(
    world: World, settings: Settings
) -> None:
    employer, user = await signed_up(world, settings)
    assert employer.status == EmployerStatus.PENDING
    me = Actor.for_user(user, world.organiser.id)
    draft = await slots.create_slot(
        me,
        slots.SlotInput(
            title="Snickare",
            tasks="Såga",
            address="Hamngatan 1",
            city="Varberg",
            start_date=world.period_a.start_date,
            end_date=world.period_a.end_date,
        ),
    )
    assert draft.value is not None, draft.errors  # drafts are allowed while waiting
    refused = await slots.publish_slot(me, draft.value.id)
    assert [(e.code, e.field) for e in refused.errors] == [
        (ErrorCode.EMPLOYER_NOT_APPROVED, "slot_id")
    ]
    assert "granskas av kommunen" in refused.errors[0].message
    assert (await Slot.get(id=draft.value.id)).status == SlotStatus.DRAFT
    assert (await vetting.approve(await world.actor(world.admin), employer.id, settings)).ok
    published = await slots.publish_slot(me, draft.value.id)
    assert published.ok and (await Slot.get(id=draft.value.id)).status == SlotStatus.PUBLISHED


async def test_a_declined_employer_cannot_publish_and_is_told_why(
    world: World, settings: Settings, as_user
) -> None:
    employer, user = await signed_up(world, settings)
    draft = await draft_of(employer)
    admin = await world.actor(world.admin)
    assert (await vetting.decline(admin, employer.id, "Okänt organisationsnummer", settings)).ok
    me = await as_user(user)
    answer = await me.data(
        """mutation($input: SlotIdInput!) { publishSlot(input: $input) {
          slot { id } errors { code field message } } }""",
        {"input": {"slotId": gid("Slot", draft.id)}},
    )
    [error] = answer["publishSlot"]["errors"]
    assert (error["code"], error["field"]) == ("EMPLOYER_NOT_APPROVED", "slotId")
    assert "Okänt organisationsnummer" in error["message"]
    assert answer["publishSlot"]["slot"] is None
    assert (await Slot.get(id=draft.id)).status == SlotStatus.DRAFT


async def test_staff_created_employers_are_approved(world: World) -> None:
    assert world.employer.status == EmployerStatus.APPROVED
    assert (await Employer.get(id=world.employer.id)).status == EmployerStatus.APPROVED


async def test_a_pending_employers_slot_reaches_no_pupil_by_any_path(world: World) -> None:
    """Defence in depth: even a published slot of a pending employer (which publishing never
    makes) is not listed, booked, placed, wished for or allocated."""
    pending = await factories.employer(world.organiser, status=EmployerStatus.PENDING)
    slot = await factories.slot(pending, title="Oprövad")
    pupil = await world.actor(world.pupil_a_user)
    staff = await world.actor(world.coordinator_a)
    listed = await catalogue.filtered_slots(pupil, catalogue.SlotFilter())
    assert slot.id not in {s.id for s in listed}
    assert world.slot.id in {s.id for s in listed}  # the check is not blind
    for outcome in (
        await book_slot(pupil, slot.id),
        await book_slot(staff, slot.id, world.pupil_a.id),
        await place_pupil(staff, world.period_a.id, world.pupil_a.id, slot.id),
    ):
        assert outcome.errors[0].code == ErrorCode.NOT_FOUND, outcome.errors
    period = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION)
    wished = await wishes.submit_wishes(pupil, period.id, [slot.id])
    assert not wished.ok
    await Wish.create(pupil_id=world.pupil_a.id, period_id=period.id, slot_id=slot.id, rank=1)
    run = await runs.start_run(staff, period.id, seed=1, enqueue=False, dry_run=False)
    assert run.value is not None, run.errors
    assert await runs.execute_run(run.value.id)
    assert not await Booking.filter(slot_id=slot.id).exists()
    assert (await Slot.get(id=slot.id)).taken == 0


# -- who may vet -----------------------------------------------------------------------------


async def test_a_coordinator_of_the_organiser_may_approve_and_it_is_audited(
    world: World, settings: Settings
) -> None:
    employer, _ = await signed_up(world, settings)
    coordinator = await world.actor(world.coordinator_a)
    outcome = await vetting.approve(coordinator, employer.id, settings)
    assert outcome.value is not None and outcome.value.status == EmployerStatus.APPROVED
    assert outcome.value.decided_by == coordinator.label and outcome.value.decided_at
    event = await AuditEvent.get(action="approve", object_type="employer")
    assert (event.actor, event.detail) == (coordinator.label, {"employer_id": employer.id})
    [mail] = await OutboxMessage.filter(kind="employer_approved")
    assert mail.to_address == "info@snickeri.se" and "godkänt Varbergs Snickeri AB" in mail.body
    again = await vetting.decline(coordinator, employer.id, "Ångrar mig", settings)
    assert [e.code for e in again.errors] == [ErrorCode.NOT_PENDING]
    assert (await Employer.get(id=employer.id)).status == EmployerStatus.APPROVED


async def test_nobody_else_may_vet_and_a_refusal_changes_nothing(
    world: World, settings: Settings
) -> None:
    employer, user = await signed_up(world, settings)
    other_coordinator = await factories.user(Role.COORDINATOR, school_id=world.school_x.id)
    other_admin = await factories.user(Role.ADMIN, organiser_id=world.other_organiser.id)
    token, _ = await factories_token(world)
    refusals = {
        "another organiser's coordinator": (
            Actor.for_user(other_coordinator, world.other_organiser.id),
            ErrorCode.NOT_FOUND,
        ),
        "another organiser's admin": (await world.actor(other_admin), ErrorCode.NOT_FOUND),
        "pupil": (await world.actor(world.pupil_a_user), ErrorCode.FORBIDDEN),
        "employer": (await world.actor(world.employer_user), ErrorCode.FORBIDDEN),
        "the employer herself": (Actor.for_user(user, world.organiser.id), ErrorCode.FORBIDDEN),
        "organiser token": (token, ErrorCode.FORBIDDEN),
        "anonymous": (Actor(kind="anonymous"), ErrorCode.FORBIDDEN),
    }
    for who, (actor, code) in refusals.items():
        for outcome in (
            await vetting.approve(actor, employer.id, settings),
            await vetting.decline(actor, employer.id, "Nej", settings),
        ):
            assert [e.code for e in outcome.errors] == [code], who
    after = await Employer.get(id=employer.id)
    assert (after.status, after.decided_by, after.decided_at) == (EmployerStatus.PENDING, "", None)
    assert not await OutboxMessage.filter(kind__startswith="employer_").exists()
    assert not await AuditEvent.filter(object_type="employer").exists()


async def factories_token(world: World) -> tuple[Actor, str]:
    from prao.auth import authenticate_bearer, create_api_token

    _, raw = await create_api_token("Skolsystem", organiser=world.organiser)
    actor = await authenticate_bearer(raw)
    assert isinstance(actor, Actor)
    return actor, raw


async def test_decline_needs_a_reason_and_mails_it(world: World, settings: Settings) -> None:
    employer, _ = await signed_up(world, settings)
    admin = await world.actor(world.admin)
    for reason in ("", "  \x00 ", "x" * (vetting.MAX_REASON + 1)):
        outcome = await vetting.decline(admin, employer.id, reason, settings)
        assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.INVALID, "reason")]
    assert (await Employer.get(id=employer.id)).status == EmployerStatus.PENDING
    assert not await OutboxMessage.filter(kind="employer_declined").exists()
    outcome = await vetting.decline(admin, employer.id, "Vi når er inte på telefon.", settings)
    assert outcome.value is not None and outcome.value.status == EmployerStatus.DECLINED
    assert outcome.value.decline_reason == "Vi når er inte på telefon."
    [mail] = await OutboxMessage.filter(kind="employer_declined")
    assert mail.to_address == "info@snickeri.se"
    assert "Skäl: Vi når er inte på telefon." in mail.body
    assert await AuditEvent.filter(action="decline", object_type="employer").count() == 1


# -- one organisation number per organiser -----------------------------------------------------


async def test_a_second_sign_up_with_the_org_number_is_told_whom_to_ask(
    world: World, settings: Settings
) -> None:
    first, _ = await signed_up(world, settings)
    before = await OutboxMessage.all().count()
    again = await employers.sign_up(
        sign_up_data(world, name="Snickeriet", contact_email="ny@snickeri.se"), settings
    )
    [error] = again.errors
    assert (error.code, error.field) == (ErrorCode.DUPLICATE, "org_number")
    assert ORG_NUMBER in error.message and "bjuden som kollega" in error.message
    assert "info@snickeri.se" not in error.message  # nothing of the existing account
    assert await Employer.filter(org_number=ORG_NUMBER).count() == 1
    assert not await User.filter(email="ny@snickeri.se").exists()
    assert await OutboxMessage.all().count() == before  # no mail to anyone
    # Another organiser is another register.
    elsewhere = await employers.sign_up(
        sign_up_data(world, organiser_id=world.other_organiser.id, contact_email="f@snickeri.se"),
        settings,
    )
    assert elsewhere.value is not None and elsewhere.value.id != first.id


async def test_the_unique_index_gives_the_same_answer_when_the_check_is_raced(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signed_up(world, settings)
    before = await OutboxMessage.all().count()
    real_exists = Employer.exists

    def raced(*args: Any, **kw: Any) -> Any:  # the other sign-up commits right after our check
        if "org_number" in kw:
            return real_exists(id=-1)
        return real_exists(*args, **kw)

    monkeypatch.setattr(Employer, "exists", raced)
    again = await employers.sign_up(sign_up_data(world, contact_email="ny@snickeri.se"), settings)
    assert [(e.code, e.field) for e in again.errors] == [(ErrorCode.DUPLICATE, "org_number")]
    assert await Employer.filter(org_number=ORG_NUMBER).count() == 1
    assert not await User.filter(email="ny@snickeri.se").exists()
    assert await OutboxMessage.all().count() == before


# -- the web pages -----------------------------------------------------------------------------


async def test_sign_up_twice_on_the_web(world: World, browser_for, settings: Settings) -> None:
    await signed_up(world, settings)
    async with browser_for(None) as c:
        form = {"organiserId": str(world.organiser.id), "name": "Kopia AB",
                "orgNumber": ORG_NUMBER, "address": "Gatan 1", "city": "Varberg",
                "contactEmail": "kopia@snickeri.se"}  # fmt: skip
        token = await token_of(c, "/arbetsgivare/registrera")
        page = await c.post("/arbetsgivare/registrera", data={"csrf_token": token, **form})
        assert page.status_code == 422
        assert re.search(r'id="orgNumber-fel">[^<]*Det finns redan ett konto', page.text)
    assert not await Employer.filter(name="Kopia AB").exists()
    assert not await OutboxMessage.filter(to_address="kopia@snickeri.se").exists()


async def test_the_pending_employer_sees_why_and_cannot_publish_on_the_web(
    world: World, browser_for, settings: Settings
) -> None:
    employer, user = await signed_up(world, settings)
    draft = await draft_of(employer, title="Snickare")
    async with browser_for(user) as c:
        start = main_text((await c.get("/oversikt")).text)
        assert "granskas av kommunen" in start
        token = await token_of(c, "/oversikt")
        refused = await c.post(
            f"/arbetsgivare/platser/{draft.id}/publicera", data={"csrf_token": token}
        )
        assert refused.status_code == 409
        assert "granskas av kommunen" in main_text(refused.text)
    assert (await Slot.get(id=draft.id)).status == SlotStatus.DRAFT


async def test_the_vetting_page_lists_and_approves(
    world: World, browser_for, settings: Settings
) -> None:
    employer, _ = await signed_up(world, settings)
    await draft_of(employer, title="Snickarlärling", tasks="Såga och mäta")
    async with browser_for(world.admin) as c:
        start = await c.get("/oversikt")
        assert 'href="/admin/arbetsgivare"' in start.text  # in the navigation
        assert "1 arbetsplats väntar på granskning" in main_text(start.text)
        page = await c.get("/admin/arbetsgivare")
        assert page.status_code == 200
        text = main_text(page.text)
        for shown in ("Varbergs Snickeri AB", ORG_NUMBER, "Siv Snickare", "info@snickeri.se",
                      "Snickarlärling", "Såga och mäta"):  # fmt: skip
            assert shown in text, shown
        # Without the form's token nothing happens.
        forged = await c.post(f"/admin/arbetsgivare/{employer.id}/godkann")
        assert forged.status_code == 403
        assert (await Employer.get(id=employer.id)).status == EmployerStatus.PENDING
        token = await token_of(c, "/admin/arbetsgivare")
        done = await c.post(
            f"/admin/arbetsgivare/{employer.id}/godkann", data={"csrf_token": token}
        )
        assert (done.status_code, done.headers["location"]) == (303, "/admin/arbetsgivare")
        after = main_text((await c.get("/admin/arbetsgivare")).text)
        assert "är godkänd" in after and "Inga arbetsplatser väntar" in after
    assert (await Employer.get(id=employer.id)).status == EmployerStatus.APPROVED


async def test_declining_on_the_web_asks_first_and_needs_a_reason(
    world: World, browser_for, settings: Settings
) -> None:
    employer, _ = await signed_up(world, settings)
    async with browser_for(world.coordinator_a) as c:
        ask = await c.get(f"/admin/arbetsgivare/{employer.id}/neka")
        assert ask.status_code == 200
        assert "Neka Varbergs Snickeri AB?" in main_text(ask.text)
        assert "Det går inte att ångra" in main_text(ask.text)
        token = await token_of(c, f"/admin/arbetsgivare/{employer.id}/neka")
        empty = await c.post(
            f"/admin/arbetsgivare/{employer.id}/neka", data={"csrf_token": token, "reason": " "}
        )
        assert empty.status_code == 422 and 'id="reason-fel"' in empty.text
        assert (await Employer.get(id=employer.id)).status == EmployerStatus.PENDING
        done = await c.post(
            f"/admin/arbetsgivare/{employer.id}/neka",
            data={"csrf_token": token, "reason": "Saknar F-skattsedel"},
        )
        assert done.status_code == 303
        gone = await c.get(f"/admin/arbetsgivare/{employer.id}/neka")
        assert gone.status_code == 409  # decided: nothing more to decline
    assert (await Employer.get(id=employer.id)).status == EmployerStatus.DECLINED
    [mail] = await OutboxMessage.filter(kind="employer_declined")
    assert "Saknar F-skattsedel" in mail.body


async def test_the_vetting_pages_are_for_the_organisers_staff_only(
    world: World, browser_for, settings: Settings
) -> None:
    employer, user = await signed_up(world, settings)
    other = await factories.user(Role.COORDINATOR, school_id=world.school_x.id)
    async with browser_for(None) as c:
        assert (await c.get("/admin/arbetsgivare")).status_code == 303
    for person in (world.pupil_a_user, world.employer_user, user):
        async with browser_for(person) as c:
            assert (await c.get("/admin/arbetsgivare")).status_code == 403
            token = await token_of(c, "/oversikt")
            posted = await c.post(
                f"/admin/arbetsgivare/{employer.id}/godkann", data={"csrf_token": token}
            )
            assert posted.status_code == 403
    async with browser_for(other) as c:  # another organiser's: no such employer, none listed
        page = await c.get("/admin/arbetsgivare")
        assert page.status_code == 200 and "Snickeri" not in page.text
        token = await token_of(c, "/admin/arbetsgivare")
        posted = await c.post(
            f"/admin/arbetsgivare/{employer.id}/godkann", data={"csrf_token": token}
        )
        assert posted.status_code == 404
        assert (await c.get(f"/admin/arbetsgivare/{employer.id}/neka")).status_code == 404
    assert (await Employer.get(id=employer.id)).status == EmployerStatus.PENDING
    assert not await OutboxMessage.filter(kind__startswith="employer_").exists()


# -- GraphQL -----------------------------------------------------------------------------------

APPROVE = """mutation($input: ApproveEmployerInput!) { approveEmployer(input: $input) {
  employer { id name status } errors { code field message } } }"""
DECLINE = """mutation($input: DeclineEmployerInput!) { declineEmployer(input: $input) {
  employer { id status } errors { code field message } } }"""


async def test_graphql_approve_and_decline(world: World, settings: Settings, as_user) -> None:
    first, _ = await signed_up(world, settings)
    second, _ = await signed_up(
        world, settings, name="Bageriet", org_number=OTHER_NUMBER, contact_email="b@bageri.se"
    )
    admin = await as_user(world.admin)
    approved = await admin.data(APPROVE, {"input": {"employerId": gid("Employer", first.id)}})
    assert approved["approveEmployer"] == {
        "employer": {"id": gid("Employer", first.id), "name": first.name, "status": "APPROVED"},
        "errors": [],
    }
    empty = await admin.data(
        DECLINE, {"input": {"employerId": gid("Employer", second.id), "reason": ""}}
    )
    assert empty["declineEmployer"]["employer"] is None
    assert [(e["code"], e["field"]) for e in empty["declineEmployer"]["errors"]] == [
        ("INVALID", "reason")
    ]
    declined = await admin.data(
        DECLINE, {"input": {"employerId": gid("Employer", second.id), "reason": "Okänd"}}
    )
    assert declined["declineEmployer"]["employer"]["status"] == "DECLINED"
    node = await admin.data(
        "query($id: ID!) { node(id: $id) { ... on Employer { status } } }",
        {"id": gid("Employer", second.id)},
    )
    assert node["node"] == {"status": "DECLINED"}
    bad = await admin.data(APPROVE, {"input": {"employerId": gid("Slot", world.slot.id)}})
    assert [e["code"] for e in bad["approveEmployer"]["errors"]] == ["NOT_FOUND"]
