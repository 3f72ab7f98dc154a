"""Every kind of message Prao writes, written for a pupil with protected identity through the
services that write them: none to a workplace names her school, its contact or more of her
than her first name. The kinds are read from the code, so a new kind must be covered here."""

from __future__ import annotations

import ast
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from prao import clock, notices, outbox
from prao.config import TIMEZONE, Settings
from prao.models import (
    ConsentMode,
    EmployerStatus,
    GuardianConsent,
    Organiser,
    OutboxMessage,
    Pupil,
    Role,
    School,
    Slot,
)
from prao.services import (
    absence,
    consent,
    consent_link,
    decisions,
    no_show,
    risk_assessment,
    self_found,
    self_found_link,
    vetting,
)
from prao.services.after_the_end import send_after_the_end
from prao.services.booking import book_slot, cancel_booking
from prao.services.evaluation_requests import send_evaluation_requests
from prao.services.first_day_brief import send_first_day_briefs
from prao.services.placement import remind_unplaced
from prao.services.reminders import send_placement_reminders
from tests import assessments, factories
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
WRITERS = {"OutboxMessage", "create", "booking_changed", "booking_messages", "record_event"}
SCHOOL_CONTACT = "syv@skola-a.se"
WORKPLACE = "blommor@example.se"  # the self-found workplace


def _constants(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body) | _constants(node.orelse)
    return set()


def kinds_in_code() -> tuple[set[str], set[str]]:
    """Message kinds passed to the outbox anywhere in prao/, and the modules that construct
    OutboxMessage rows themselves."""
    kinds: set[str] = set()
    constructing: set[str] = set()
    for path in (ROOT / "prao").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            if name == "OutboxMessage" or (
                isinstance(owner, ast.Name) and owner.id == "OutboxMessage" and name == "create"
            ):
                constructing.add(path.relative_to(ROOT).as_posix())
            if name not in WRITERS:
                continue
            for keyword in node.keywords:
                if keyword.arg == "kind":
                    kinds |= _constants(keyword.value)
    return kinds, constructing


def test_every_kind_in_the_code_is_a_known_kind_and_only_the_outbox_writes_messages() -> None:
    kinds, constructing = kinds_in_code()
    assert kinds == outbox.KINDS
    # The booking messages and the other notices: the two modules that make up the outbox.
    assert constructing == {"prao/outbox.py", "prao/notices.py"}


async def write_every_kind(world: World, settings: Settings) -> set[str]:
    """Drive each service that writes mail for Alva; returns the workplace addresses."""
    pupil_actor = await world.actor(world.pupil_a_user)
    coordinator = await world.actor(world.coordinator_a)
    employer = await world.actor(world.employer_user)
    supervisor = await factories.user(Role.EMPLOYER, employer_id=world.employer.id)

    # booking_created (confirmed), then booking_cancelled.
    booked = await book_slot(pupil_actor, world.slot.id)
    assert booked.value is not None
    assert (await cancel_booking(pupil_actor, booked.value.id)).ok
    # booking_created (pending) and booking_approved; then another declined by the employer.
    asked = await factories.slot(world.employer, title="Florist", requires_approval=True)
    for approve in (True, False):
        pending = await book_slot(pupil_actor, asked.id)
        assert pending.value is not None, pending.errors
        assert (await decisions.decide_booking(employer, pending.value.id, approve=approve)).ok
        if approve:
            assert (await cancel_booking(pupil_actor, pending.value.id)).ok
    # self_found_request twice: one confirmed (self_found_confirmed), one declined.
    for confirm in (True, False):
        data = self_found.SelfFound(
            name="Mormors Blomsterhandel",
            contact_email=WORKPLACE,
            start_date=world.period_a.start_date,
            end_date=world.period_a.start_date + timedelta(days=4),
            tasks="Binda buketter",
        )
        registered = await self_found.register(pupil_actor, data, settings)
        assert registered.value is not None, registered.errors
        request = await OutboxMessage.filter(kind="self_found_request").order_by("-id").first()
        assert request is not None
        token = request.body.split("/bekrafta/")[1].split()[0]
        assert (await self_found_link.answer_link(token, confirm)).ok
        if confirm:
            assert (await cancel_booking(coordinator, registered.value.id)).ok
    # placement_reminder: to the employer's contact, and to a slot's supervisor.
    start = clock.today() + timedelta(days=2)
    await factories.period(world.school_a, start_date=start, end_date=start + timedelta(days=4))
    for who in (None, supervisor.id):
        soon = await factories.slot(
            world.employer, start_date=start, end_date=start + timedelta(days=4)
        )
        await Slot.filter(id=soon.id).update(supervisor_id=who)
        placed = await book_slot(coordinator, soon.id, world.pupil_a.id)
        assert placed.value is not None, placed.errors
        assert await send_placement_reminders(clock.now())
        assert (await cancel_booking(coordinator, placed.value.id)).ok
    # first_day_brief and first_day_brief_supervisor: the brief before the start.
    soon = await factories.slot(
        world.employer, start_date=start, end_date=start + timedelta(days=4)
    )
    placed = await book_slot(coordinator, soon.id, world.pupil_a.id)
    assert placed.value is not None, placed.errors
    assert await send_first_day_briefs(clock.now())
    # no_show_report: the supervisor's link in the brief, to the school and the guardians.
    brief = await OutboxMessage.get(kind="first_day_brief_supervisor")
    booking_id, raw = brief.body.split("/handledare/inte-kommit/")[1].split()[0].split("/")
    workday = next(
        soon.start_date + timedelta(days=i)
        for i in range(5)
        if (soon.start_date + timedelta(days=i)).weekday() < 5
    )
    morning = datetime.combine(workday, time(9), TIMEZONE)
    reported = await no_show.report(int(booking_id), raw, now=morning)
    assert reported.value is not None, reported.errors
    assert (await cancel_booking(coordinator, placed.value.id)).ok
    # unplaced_reminder and sign_in_link (the employer's contact signs in).
    assert (await remind_unplaced(coordinator, world.period_a.id)).ok
    await notices.sign_in_link(email=world.employer_user.email, url="https://x.invalid/", minutes=5)
    # employer_approved and employer_declined: the organiser's vetting, told to the workplace.
    vetted = []
    for approve in (True, False):
        waiting = await factories.employer(world.organiser, status=EmployerStatus.PENDING)
        admin = await world.actor(world.admin)
        decided = (
            await vetting.approve(admin, waiting.id, settings)
            if approve
            else await vetting.decline(admin, waiting.id, "Okänd firma", settings)
        )
        assert decided.ok, decided.errors
        vetted.append(waiting.contact_email)
    # attendance_request, certificate_request and certificate_reminder: to the workplace, at
    # and after the end of a placement; then the evaluations.
    ended = await factories.slot(world.employer, title="Konditor")
    placed = await book_slot(coordinator, ended.id, world.pupil_a.id)
    assert placed.value is not None, placed.errors
    # absence_report: the pupil reports sick on her card, to the workplace and the school.
    sick_day = datetime.combine(ended.start_date, time(7), TIMEZONE)
    sick = await absence.report(pupil_actor, placed.value.id, absence.Absence.SICK, now=sick_day)
    assert sick.value is not None, sick.errors
    last = datetime.combine(ended.end_date, time(14), TIMEZONE)
    for days in (0, 1, 4):
        assert await send_after_the_end(last + timedelta(days=days))
    # evaluation_request and _reminder to the pupil, host_evaluation_* to the workplace.
    for days in (1, 6):
        assert await send_evaluation_requests(last + timedelta(days=days))
    assert (await cancel_booking(coordinator, placed.value.id)).ok
    # assessment_change_requested: a school asks the workplace to change its risk assessment.
    assessment = await assessments.submitted(employer, world.slot)
    change = await risk_assessment.request_change(coordinator, assessment.id, "Ange nödnummer")
    assert change.ok, change.errors
    # consent_request, consent_reminder and consent_refused: to the guardian, the school and
    # the pupil (never to the workplace).
    await Organiser.filter(id=world.organiser.id).update(consent_mode=ConsentMode.ONE_GUARDIAN)
    consented = await book_slot(pupil_actor, world.slot.id)
    assert consented.value is not None, consented.errors
    assert await consent.send_consent_reminders(clock.now() + timedelta(days=4))
    request = await OutboxMessage.filter(kind="consent_request").order_by("-id").first()
    assert request is not None
    booking_id, raw = request.body.split("/samtycke/")[1].split()[0].split("/")
    shown = await consent_link.open_link(int(booking_id), raw)
    assert shown.value is not None, shown.errors
    no = await consent_link.answer(int(booking_id), raw, False, "", shown.value.text_version)
    assert no.ok and await GuardianConsent.filter(decision="refused").exists()
    return {
        address.lower()
        for address in (
            world.employer.contact_email,
            world.employer_user.email,
            supervisor.email,
            WORKPLACE,
            *vetted,
        )
        if address
    }


LINK = re.compile(r"https?://\S+")
CLASS_NAME = re.compile(r"\b8A\b")


@pytest.fixture
async def protected(world: World) -> World:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    await School.filter(id=world.school_a.id).update(contact_email=SCHOOL_CONTACT)
    return world


async def test_no_message_to_a_workplace_names_a_protected_pupils_school(
    protected: World, settings: Settings
) -> None:
    workplaces = await write_every_kind(protected, settings)
    messages = await OutboxMessage.all()
    assert {m.kind for m in messages} == outbox.KINDS  # every kind was written
    to_workplaces = [m for m in messages if m.to_address in workplaces]
    # Every kind but those only pupils, guardians and the school get.
    to_school_side = {"unplaced_reminder", "first_day_brief", "consent_request", "consent_reminder",
                      "consent_refused", "no_show_report", "evaluation_request",
                      "evaluation_reminder"}  # fmt: skip
    assert {m.kind for m in to_workplaces} >= outbox.KINDS - to_school_side
    for m in to_workplaces:
        # Links carry random tokens, which can spell "8A" by chance; the words are what count.
        text = LINK.sub("<länk>", f"{m.subject}\n{m.body}\n{m.attachment or ''}")
        for secret in ("Skola A", SCHOOL_CONTACT, "Andersson", "åk 8", "alva@example.se"):
            assert secret not in text, (m.kind, m.to_address, secret, m.body)
        assert not CLASS_NAME.search(text), (m.kind, m.to_address, m.body)
        # Sign-in links, the vetting of a workplace and its risk assessment name no pupil.
        no_pupil = {
            "sign_in_link",
            "employer_approved",
            "employer_declined",
            "assessment_change_requested",
        }
        assert "Alva" in text or m.kind in no_pupil, (m.kind, m.body)


async def test_an_ordinary_pupils_school_is_named_to_the_workplace(
    world: World, settings: Settings
) -> None:
    """The same messages without protected identity: first name, school and year group."""
    await School.filter(id=world.school_a.id).update(contact_email=SCHOOL_CONTACT)
    workplaces = await write_every_kind(world, settings)
    to_workplaces = await OutboxMessage.filter(to_address__in=list(workplaces))
    request = next(m for m in to_workplaces if m.kind == "self_found_request")
    assert "Alva på Skola A" in request.body
    reminder = next(m for m in to_workplaces if m.kind == "placement_reminder")
    assert f"Skola: Skola A, {SCHOOL_CONTACT}" in reminder.body
    assert "Alva (Skola A, åk 8)" in reminder.body
    for m in to_workplaces:
        assert "Andersson" not in m.body and "alva@example.se" not in m.body, m.body
