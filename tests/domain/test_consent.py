"""Guardians' consent, rule by rule: asked once when a booking becomes confirmed (one guardian
or all of them, as the organiser says), a "no" tells the school and the pupil and keeps the
place, a paper consent is audited, a reminder goes out once, the organiser's texts are
versioned."""

from __future__ import annotations

import re
from datetime import timedelta

from prao import clock, outbox
from prao.actor import Actor
from prao.errors import ErrorCode
from prao.models import (
    AuditEvent,
    Booking,
    BookingLink,
    BookingStatus,
    ConsentDecision,
    ConsentMethod,
    ConsentMode,
    Guardian,
    GuardianConsent,
    Organiser,
    OutboxEvent,
    OutboxMessage,
    Role,
)
from prao.readiness import consents_needed
from prao.services import consent, consent_link, decisions
from prao.services.booking import book_slot
from tests import factories
from tests.factories import World

LINK = re.compile(r"/samtycke/(\d+)/(\S+)")


async def ask_for(world: World, mode: ConsentMode, guardians: int = 2) -> Booking:
    """Alva with `guardians` guardians booked on the shared slot, the organiser in `mode`."""
    await Organiser.filter(id=world.organiser.id).update(
        consent_mode=mode, info_insurance="Kommunens olycksfallsförsäkring gäller.", info_version=1
    )
    if guardians > 1:
        for i in range(2, guardians + 1):
            await Guardian.create(pupil_id=world.pupil_a.id, name=f"Vh {i}", email=f"vh{i}@ex.se")
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None, booked.errors
    return booked.value


def links_in(messages: list[OutboxMessage]) -> dict[str, tuple[int, str]]:
    found = {}
    for m in messages:
        match = LINK.search(m.body)
        assert match, m.body
        found[str(m.to_address)] = (int(match.group(1)), match.group(2))
    return found


async def requests() -> list[OutboxMessage]:
    return await OutboxMessage.filter(kind="consent_request").order_by("id")


async def test_off_asks_nobody(world: World) -> None:
    await ask_for(world, ConsentMode.OFF)
    assert await GuardianConsent.all().count() == 0
    assert await requests() == []


async def test_each_guardian_with_an_address_gets_one_link(world: World) -> None:
    await Guardian.create(pupil_id=world.pupil_a.id, name="Utan adress", email=None)
    booking = await ask_for(world, ConsentMode.ALL_GUARDIANS)
    rows = await GuardianConsent.filter(booking_id=booking.id).order_by("id")
    assert len(rows) == 3 and all(r.decision == ConsentDecision.PENDING for r in rows)
    assert all(r.requested_at is not None for r in rows)
    sent = await requests()
    assert sorted(str(m.to_address) for m in sent) == ["vh.alva@example.se", "vh2@ex.se"]
    links = await BookingLink.filter(booking_id=booking.id, purpose="guardian_consent")
    assert len(links) == 2 and all(len(link.token_hash) == 64 for link in links)
    for m in sent:
        raw = LINK.search(m.body).group(2)  # type: ignore[union-attr]
        assert raw not in {link.token_hash for link in links}  # only the hash is stored
        assert "Kommunens olycksfallsförsäkring gäller." in m.body


async def test_the_confirmation_mail_ends_with_the_organisers_texts(world: World) -> None:
    await ask_for(world, ConsentMode.OFF)
    mail = await OutboxMessage.filter(kind="booking_created").order_by("id")
    by_address = {m.to_address: m for m in mail}
    assert "Kommunens olycksfallsförsäkring gäller." in by_address["vh.alva@example.se"].body
    assert "Kommunens olycksfallsförsäkring gäller." in by_address["alva@example.se"].body
    employer = by_address[world.employer.contact_email]
    assert "försäkring" not in employer.body


async def test_consent_is_asked_once_even_if_the_event_is_expanded_twice(world: World) -> None:
    booking = await ask_for(world, ConsentMode.ONE_GUARDIAN)
    event = await OutboxEvent.get(booking_id=booking.id)
    await OutboxEvent.filter(id=event.id).update(expanded_at=None)
    await outbox.expand_events([event.id])
    assert await GuardianConsent.filter(booking_id=booking.id).count() == 2
    assert len(await requests()) == 2


async def test_a_pending_booking_is_asked_when_the_employer_approves(world: World) -> None:
    await Organiser.filter(id=world.organiser.id).update(consent_mode=ConsentMode.ONE_GUARDIAN)
    slot = await factories.slot(world.employer, requires_approval=True)
    booked = await book_slot(await world.actor(world.pupil_a_user), slot.id)
    assert booked.value is not None and booked.value.status == BookingStatus.PENDING
    assert await GuardianConsent.all().count() == 0
    decided = await decisions.decide_booking(
        await world.actor(world.employer_user), booked.value.id, approve=True
    )
    assert decided.ok, decided.errors
    assert await GuardianConsent.filter(booking_id=booked.value.id).count() == 1


async def test_one_guardian_is_enough_all_need_everyone(world: World) -> None:
    assert consents_needed(ConsentMode.ONE_GUARDIAN, 2) == 1
    assert consents_needed(ConsentMode.ALL_GUARDIANS, 2) == 2
    booking = await ask_for(world, ConsentMode.ALL_GUARDIANS)
    links = links_in(await requests())
    booking_id, raw = links["vh.alva@example.se"]
    page = await consent_link.open_link(booking_id, raw)
    assert page.value is not None
    answered = await consent_link.answer(booking_id, raw, True, "", page.value.text_version)
    assert answered.value is not None, answered.errors
    coordinator = await world.actor(world.coordinator_a)
    rows = (await consent.period_consents(coordinator, booking.period_id)).value
    assert rows is not None
    (row,) = rows.rows
    assert row.given == 1 and row.needed == 2 and not row.complete
    await Organiser.filter(id=world.organiser.id).update(consent_mode=ConsentMode.ONE_GUARDIAN)
    rows = (await consent.period_consents(coordinator, booking.period_id)).value
    assert rows is not None and rows.rows[0].complete


async def test_a_no_tells_coordinator_and_pupil_and_keeps_the_place(world: World) -> None:
    booking = await ask_for(world, ConsentMode.ONE_GUARDIAN, guardians=1)
    (booking_id, raw), = links_in(await requests()).values()  # fmt: skip
    page = await consent_link.open_link(booking_id, raw)
    assert page.value is not None
    answered = await consent_link.answer(
        booking_id, raw, False, "Vi vill prata först.", page.value.text_version
    )
    assert answered.value is not None, answered.errors
    row = await GuardianConsent.get(booking_id=booking.id)
    assert row.decision == ConsentDecision.REFUSED and row.method == ConsentMethod.LINK
    assert row.message == "Vi vill prata först."
    assert row.text_version == "info 1" and row.decided_at and row.shown_at
    told = await OutboxMessage.filter(kind="consent_refused").order_by("id")
    assert {m.to_address for m in told} == {
        world.coordinator_a.email,
        "alva@example.se",
        "alva.user@example.se",
    }
    assert world.coordinator_b.email not in {m.to_address for m in told}
    to_staff = next(m for m in told if m.to_address == world.coordinator_a.email)
    assert "Alva Andersson" in to_staff.body and "Vi vill prata först." in to_staff.body
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED


async def test_paper_consent_is_recorded_and_audited(world: World) -> None:
    booking = await ask_for(world, ConsentMode.ONE_GUARDIAN, guardians=1)
    coordinator = await world.actor(world.coordinator_a)
    guardian = await Guardian.get(pupil_id=world.pupil_a.id)
    recorded = await consent.record_paper(
        coordinator, consent.PaperConsent(booking.id, True, guardian_id=guardian.id)
    )
    assert recorded.value is not None, recorded.errors
    row = await GuardianConsent.get(booking_id=booking.id)
    assert row.decision == ConsentDecision.GIVEN and row.method == ConsentMethod.PAPER
    assert row.recorded_by == coordinator.label and row.guardian_name == "Förälder"
    audit = await AuditEvent.filter(action="record_consent").get()
    assert audit.detail["booking_id"] == booking.id
    # Another guardian, by name, on paper: a row of its own.
    other = await consent.record_paper(
        coordinator, consent.PaperConsent(booking.id, False, guardian_name="Per Persson")
    )
    assert other.value is not None and other.value.guardian_id is None
    assert await GuardianConsent.filter(booking_id=booking.id).count() == 2


async def test_paper_consent_refused_to_others_and_bad_input(world: World) -> None:
    booking = await ask_for(world, ConsentMode.ONE_GUARDIAN, guardians=1)
    before = await GuardianConsent.all().values_list("id", "decision", "message")
    for actor in (
        await world.actor(world.pupil_a_user),
        await world.actor(world.employer_user),
        await world.actor(world.coordinator_b),
    ):
        refused = await consent.record_paper(
            actor, consent.PaperConsent(booking.id, True, guardian_name="X")
        )
        assert refused.errors and refused.errors[0].code in (
            ErrorCode.FORBIDDEN,
            ErrorCode.NOT_FOUND,
        )
    coordinator = await world.actor(world.coordinator_a)
    for data in (
        consent.PaperConsent(booking.id, True, guardian_name="A\x00B"),
        consent.PaperConsent(booking.id, True, guardian_name="Anna", message="x" * 1001),
        consent.PaperConsent(booking.id, True, guardian_name=""),
        consent.PaperConsent(booking.id, True, guardian_id=2**40),
        consent.PaperConsent(2**40, True, guardian_name="Anna"),
    ):
        outcome = await consent.record_paper(coordinator, data)
        assert outcome.errors and outcome.errors[0].message, data
    assert await GuardianConsent.all().values_list("id", "decision", "message") == before
    assert not await AuditEvent.filter(action="record_consent").exists()


async def test_reminder_once_after_three_days_with_a_new_link(world: World) -> None:
    booking = await ask_for(world, ConsentMode.ONE_GUARDIAN, guardians=1)
    assert await consent.send_consent_reminders(clock.now() + timedelta(days=2)) == []
    later = clock.now() + timedelta(days=3, minutes=1)
    ids = await consent.send_consent_reminders(later)
    assert len(ids) == 1
    reminder = await OutboxMessage.get(id=ids[0])
    assert reminder.kind == "consent_reminder" and reminder.to_address == "vh.alva@example.se"
    assert await BookingLink.filter(booking_id=booking.id, purpose="guardian_consent").count() == 2
    assert await consent.send_consent_reminders(later + timedelta(days=1)) == []
    assert (await GuardianConsent.get(booking_id=booking.id)).reminded_at is not None


async def test_no_reminder_once_decided(world: World) -> None:
    booking = await ask_for(world, ConsentMode.ONE_GUARDIAN, guardians=1)
    coordinator = await world.actor(world.coordinator_a)
    assert (
        await consent.record_paper(
            coordinator, consent.PaperConsent(booking.id, True, guardian_name="Anna")
        )
    ).ok
    guardian = await Guardian.get(pupil_id=world.pupil_a.id)
    assert (
        await consent.record_paper(
            coordinator, consent.PaperConsent(booking.id, True, guardian_id=guardian.id)
        )
    ).ok
    assert await consent.send_consent_reminders(clock.now() + timedelta(days=4)) == []


async def test_settings_bump_the_version_and_are_audited(world: World) -> None:
    admin = await world.actor(world.admin)
    texts = {
        "info_insurance": "Försäkrad.",
        "info_lunch": "",
        "info_travel": "",
        "info_contact": "",
    }
    saved = await consent.update_settings(admin, consent.ConsentSettings("one_guardian", texts))
    assert saved.value is not None and saved.value.info_version == 1
    same = await consent.update_settings(admin, consent.ConsentSettings("all_guardians", texts))
    assert same.value is not None and same.value.info_version == 1
    assert same.value.consent_mode == ConsentMode.ALL_GUARDIANS
    texts["info_lunch"] = "Skolan bjuder."
    again = await consent.update_settings(admin, consent.ConsentSettings("all_guardians", texts))
    assert again.value is not None and again.value.info_version == 2
    assert await AuditEvent.filter(action="update", object_type="consent_settings").count() == 3


async def test_settings_refuse_others_and_bad_input(world: World) -> None:
    texts = {"info_insurance": "x", "info_lunch": "", "info_travel": "", "info_contact": ""}
    coordinator = await world.actor(world.coordinator_a)
    refused = await consent.update_settings(coordinator, consent.ConsentSettings("off", texts))
    assert refused.errors[0].code is ErrorCode.FORBIDDEN
    admin = await world.actor(world.admin)
    for mode, changes in (
        ("sometimes", {}),
        ("off", {"info_lunch": "a\x00b"}),
        ("off", {"info_travel": "x" * 4001}),
    ):
        bad = await consent.update_settings(
            admin, consent.ConsentSettings(mode, {**texts, **changes})
        )
        assert bad.errors and bad.errors[0].message
    organiser = await Organiser.get(id=world.organiser.id)
    assert organiser.info_version == 0 and organiser.info_insurance == ""
    token = Actor(kind="token", id=1, organiser_id=world.organiser.id, role=Role.ADMIN)
    assert (await consent.update_settings(token, consent.ConsentSettings("off", texts))).errors
