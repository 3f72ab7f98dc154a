"""Messages to send, written in the caller's transaction: a change and its e-mail share one fate."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from prao import clock, ics
from prao.config import current_settings
from prao.info_texts import info_texts
from prao.models import (
    Booking,
    BookingStatus,
    Employer,
    Guardian,
    Organiser,
    OutboxEvent,
    OutboxMessage,
    Pupil,
    School,
    Slot,
    User,
)
from prao.pupil_view import PupilView, Reader, view_as, workplace_view
from prao.wording import HEADLINES, STATUS_TEXT, SUBJECTS, date_range, datum

# Every kind of message the outbox holds, written here and in prao.notices; tests render each one
# for a pupil with protected identity.
KINDS = frozenset(
    {
        "booking_created",
        "booking_approved",
        "booking_declined",
        "booking_cancelled",
        "self_found_confirmed",
        "self_found_request",
        "placement_reminder",
        "first_day_brief",
        "first_day_brief_supervisor",
        "sign_in_link",
        "unplaced_reminder",
        "employer_approved",
        "employer_declined",
        "assessment_change_requested",
        "consent_request",
        "consent_reminder",
        "consent_refused",
        "attendance_request",
        "certificate_request",
        "certificate_reminder",
        "no_show_report",
        "absence_report",
        "evaluation_request",
        "evaluation_reminder",
        "host_evaluation_request",
        "host_evaluation_reminder",
    }
)


def card_url(booking_id: int, base_url: str | None = None) -> str:
    return f"{(base_url or _base_url()).rstrip('/')}/bokningar/{booking_id}/kort"


def _base_url() -> str:
    return current_settings().base_url


def _fetched(instance: Model, relation: str) -> Any:
    """A related object already loaded by select_related, else None (never a query)."""
    return instance.__dict__.get(f"_{relation}")


def workplace_name(view: PupilView) -> str:
    """The pupil as a message to a workplace names her (DESIGN.md §7): first name, school and
    year group; a protected pupil's first name only, as prao.pupil_view decides."""
    if view.year_group is None:
        return view.first_name
    if view.school_name is None:
        return f"{view.first_name} (åk {view.year_group})"
    return f"{view.first_name} ({view.school_name}, åk {view.year_group})"


def placement_lines(slot: Slot, employer: Employer | None) -> list[str]:
    lines = [f"Plats: {slot.title}"]
    if employer is not None:
        lines.append(f"Arbetsplats: {employer.name}")
    lines += [
        f"Adress: {slot.address}, {slot.city}",
        f"Datum: {date_range(slot.start_date, slot.end_date)}",
        f"Tider: {slot.day_starts_at:%H:%M}–{slot.day_ends_at:%H:%M}",
    ]
    return lines


def _booking_body(
    role: str,
    kind: str,
    pupil: Pupil,
    slot: Slot,
    booking: Booking,
    employer: Employer | None,
    school: School | None,
    card: str | None,
    info: list[str] | None = None,
) -> str:
    key = f"{kind}_pending" if kind == "booking_created" and booking.status == "pending" else kind
    default = "Bokningen av praoplatsen har ändrats."
    if role == "employer":
        name = workplace_name(workplace_view(pupil, school))
        greeting = "Hej!"
    elif role == "guardian":
        name = view_as(Reader.GUARDIAN, pupil, school).name
        greeting = "Hej!"
    else:
        name = pupil.first_name
        greeting = f"Hej {pupil.first_name}!"
    headline = HEADLINES[role].get(key, default).format(name=name)
    lines = [greeting, "", headline, "", *placement_lines(slot, employer)]
    lines.append(f"Status: {STATUS_TEXT[BookingStatus(booking.status)]}")
    if booking.reason:
        lines.append(f"Meddelande: {booking.reason}")
    if card is not None:
        if role == "guardian":
            lines += ["", f"{pupil.first_name} hittar praoplatskortet i Prao."]
        else:
            lines += ["", f"Praoplatskort att skriva ut: {card}"]
        lines.append("Tiderna finns i den bifogade kalenderfilen (praoplats.ics).")
    if card is not None and info and role != "employer":
        lines += info  # the organiser's texts on insurance, lunch, travel and whom to ask
    lines += ["", f"Ändrad {datum(booking.updated_at)}.", "", "Hälsningar, Prao"]
    return "\n".join(lines)


def _addressed(
    recipients: list[str | None], guardian_emails: list[str | None], employer: Employer | None
) -> list[tuple[str | None, str]]:
    """(address, role) once per address: the pupil's own first, then guardians, then the
    employer's contact. Addresses a caller passed that are neither are taken as the pupil's."""

    guardians = set(clean_addresses(guardian_emails))
    contact = clean_addresses([employer.contact_email if employer else None])
    pupil_side = [a for a in clean_addresses(recipients) if a not in guardians and a not in contact]
    result: list[tuple[str | None, str]] = [(a, "pupil") for a in pupil_side]
    # With no address for the pupil, one unaddressed message the school can see.
    if not pupil_side and not guardians:
        result.append((None, "pupil"))
    result += [(a, "guardian") for a in sorted(guardians) if a not in pupil_side]
    result += [(a, "employer") for a in contact if a not in pupil_side and a not in guardians]
    return result


async def booking_changed(
    *,
    kind: str,
    booking: Booking,
    pupil: Pupil,
    slot: Slot,
    recipients: list[str | None],
    connection: BaseDBAsyncClient,
    base_url: str | None = None,
) -> list[OutboxMessage]:
    """One message per recipient (the pupil's addresses, each guardian with an e-mail, the
    employer's contact), each worded for its reader; a confirmed booking's carries the .ics."""
    users = (
        await User.filter(pupil_id=pupil.id).using_db(connection).values_list("email", flat=True)
    )
    guardians = (
        await Guardian.filter(pupil_id=pupil.id)
        .using_db(connection)
        .values_list("email", flat=True)
    )
    employer = _fetched(slot, "employer") or await Employer.get(
        id=slot.employer_id, using_db=connection
    )
    school = _fetched(pupil, "school") or await School.get(id=pupil.school_id, using_db=connection)
    messages = booking_messages(
        kind=kind,
        booking=booking,
        pupil=pupil,
        slot=slot,
        recipients=[*recipients, pupil.email, *users],  # type: ignore[list-item]
        guardian_emails=list(guardians),  # type: ignore[arg-type]
        employer=employer,
        school=school,
        base_url=base_url,
    )
    for message in messages:
        await message.save(using_db=connection)
    return messages


def booking_messages(
    *,
    kind: str,
    booking: Booking,
    pupil: Pupil,
    slot: Slot,
    recipients: list[str | None],
    guardian_emails: list[str | None] | None = None,
    employer: Employer | None = None,
    school: School | None = None,
    base_url: str | None = None,
    organiser: Organiser | None = None,
) -> list[OutboxMessage]:
    """The unsaved messages of booking_changed, for callers that insert many at once. Without
    guardian_emails/employer, every address gets the pupil's text and the employer none; with
    the organiser, a confirmed placement's texts to the pupil and guardians end with its
    information texts."""
    employer = employer or _fetched(slot, "employer")
    school = school or _fetched(pupil, "school")
    subject = f"{SUBJECTS.get(kind, 'Praoplats')}: {slot.title}"
    confirmed = booking.status == BookingStatus.CONFIRMED
    card = card_url(booking.id, base_url) if confirmed else None
    attachment = ics.placement_calendar(booking, slot, employer, card) if confirmed else None
    info = info_texts(organiser).mail_lines() if organiser is not None and confirmed else None
    return [
        OutboxMessage(
            kind=kind,
            to_address=address,
            subject=subject,
            body=_booking_body(role, kind, pupil, slot, booking, employer, school, card, info),
            booking_id=booking.id,
            attachment=attachment,
            attachment_name=ics.FILENAME if attachment else None,
            attachment_type=ics.CONTENT_TYPE if attachment else None,
        )
        for address, role in _addressed(recipients, guardian_emails or [], employer)
    ]


# What a booking's messages describe that may change after the event is written; the worker
# renders from these values, so a message tells of the booking as it was at the change.
SNAPSHOT_BOOKING_FIELDS = ("status", "reason", "updated_at")
SNAPSHOT_SLOT_FIELDS = (
    "title",
    "address",
    "city",
    "start_date",
    "end_date",
    "day_starts_at",
    "day_ends_at",
    "tasks",
)


class SnapshotPlace(Protocol):
    """What a snapshot reads of a slot: a Slot, or a row of its columns (prao.allocation)."""

    @property
    def title(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date: ...
    @property
    def day_starts_at(self) -> time: ...
    @property
    def day_ends_at(self) -> time: ...
    @property
    def tasks(self) -> str: ...


def event_snapshot(
    booking: Booking, slot: SnapshotPlace, recipients: Iterable[str | None] = ()
) -> dict[str, object]:
    """The snapshot of an OutboxEvent about `booking` at `slot`, as JSON-ready values (dates and
    times in ISO form). Cheap: built from objects the change has in hand, no query.
    `recipients` are addresses the change itself names beyond the pupil's, her guardians' and
    the employer's (the workplace a self-found link went to)."""
    values = booking_snapshot(booking)
    values["slot"] = place_snapshot(slot)
    extra = sorted({a for a in recipients if a})
    if extra:
        values["recipients"] = extra
    return values


def booking_snapshot(booking: Booking) -> dict[str, object]:
    """The booking's part of event_snapshot, for callers that pair one booking state with many
    slots."""
    return {name: _plain(getattr(booking, name)) for name in SNAPSHOT_BOOKING_FIELDS}


def place_snapshot(slot: SnapshotPlace) -> dict[str, object]:
    """The slot's part of event_snapshot (its "slot" value)."""
    return {name: _plain(getattr(slot, name)) for name in SNAPSHOT_SLOT_FIELDS}


def _hours_pg(minutes: str) -> str:
    return f"to_char(make_time({minutes} / 60, {minutes} % 60, 0), 'HH24:MI:SS')"


# Each value of place_snapshot as PostgreSQL makes it from the slot's row `s`, in the text
# _plain gives (ISO dates, times as Slot turns its minutes into them).
_PLACE_VALUES_PG = {
    "title": "s.title",
    "address": "s.address",
    "city": "s.city",
    "start_date": "to_char(s.start_date, 'YYYY-MM-DD')",
    "end_date": "to_char(s.end_date, 'YYYY-MM-DD')",
    "day_starts_at": _hours_pg("s.starts_minute"),
    "day_ends_at": _hours_pg("s.ends_minute"),
    "tasks": "s.tasks",
}
# place_snapshot of the slot row `s` as a jsonb expression, for a statement that writes the
# events of many bookings: the slot's part is built once per slot in the database, not sent
# from here for each.
PLACE_SNAPSHOT_PG = (
    "jsonb_build_object("
    + ", ".join(f"'{name}', {_PLACE_VALUES_PG[name]}" for name in SNAPSHOT_SLOT_FIELDS)
    + ")"
)


# One encoder for every snapshot: json.dumps with separators builds a new one per call.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def snapshot_json(snapshot: dict[str, object]) -> str:
    """A snapshot as the JSON text a hand-written statement passes for the jsonb column."""
    return _COMPACT_JSON.encode(snapshot)


async def record_event(
    *,
    kind: str,
    booking: Booking,
    slot: Slot,
    connection: BaseDBAsyncClient,
    recipients: Iterable[str | None] = (),
) -> OutboxEvent:
    """The one outbox row of a booking change, in the change's transaction; its messages are
    written by expand_events once it is committed (jobs.expand)."""
    return await OutboxEvent.create(
        kind=kind,
        booking_id=booking.id,
        snapshot=event_snapshot(booking, slot, recipients),
        using_db=connection,
    )


_DATE_FIELDS = frozenset({"start_date", "end_date"})
_MINUTE_FIELDS = {"day_starts_at": "starts_minute", "day_ends_at": "ends_minute"}
_TIME_FIELDS = frozenset(_MINUTE_FIELDS)


def _restored(value: object, name: str) -> object:
    """A snapshot's JSON value as the model field holds it."""
    if not isinstance(value, str):
        return value
    if name == "updated_at":
        return datetime.fromisoformat(value)
    if name in _DATE_FIELDS:
        return date.fromisoformat(value)
    if name in _TIME_FIELDS:
        return time.fromisoformat(value)
    if name == "status":
        return BookingStatus(value)
    return value


def as_snapshotted(booking: Booking, slot: Slot, snapshot: dict[str, Any]) -> tuple[Booking, Slot]:
    """Copies of the current booking and slot with the snapshot's values laid over them: the
    booking and the place as they were when the event was written."""
    booking, slot = copy.copy(booking), copy.copy(slot)
    for name in SNAPSHOT_BOOKING_FIELDS:
        if name in snapshot:
            setattr(booking, name, _restored(snapshot[name], name))
    slot_values = snapshot.get("slot") or {}
    for name in SNAPSHOT_SLOT_FIELDS:
        if name not in slot_values:
            continue
        value = _restored(slot_values[name], name)
        if isinstance(value, time):  # the slot keeps its hours as minutes after midnight
            setattr(slot, _MINUTE_FIELDS[name], value.hour * 60 + value.minute)
        else:
            setattr(slot, name, value)
    return booking, slot


async def expand_event(event_id: int, base_url: str | None = None) -> list[int]:
    """The messages of one event (see expand_events); [] when it was expanded already."""
    return await expand_events([event_id], base_url)


async def expand_events(event_ids: list[int], base_url: str | None = None) -> list[int]:
    """Write the messages of these events and mark them expanded, in one transaction; answers
    the new messages' ids. An event is expanded once: it is claimed by a locking read of the
    unexpanded ones (rows another expansion holds are skipped, and once it commits they are
    expanded), so a second expansion of the same event answers []. Recipients, names and the
    employer come from today's rows; what the booking and slot said, from the snapshot.
    A handful of queries for any number of events: the claim with bookings, pupils, schools,
    slots and employers joined, the pupils' accounts, their guardians, then the inserts."""
    # Asking the guardians' consent writes through prao.notices, which reads this module.
    from prao.services import consent

    wanted = sorted(set(event_ids))
    if not wanted:
        return []
    async with in_transaction() as conn:
        events = (
            await OutboxEvent.filter(id__in=wanted, expanded_at__isnull=True)
            .select_related("booking__pupil__school", "booking__slot__employer")
            .select_for_update(skip_locked=True, of=("outbox_event",))
            .order_by("id")
            .using_db(conn)
        )
        if not events:
            return []
        await (
            OutboxEvent.filter(id__in=[e.id for e in events])
            .using_db(conn)
            .update(expanded_at=clock.now())
        )
        pupil_ids = sorted({e.booking.pupil_id for e in events if e.booking is not None})
        users: dict[int, list[str | None]] = defaultdict(list)
        guardians: dict[int, list[str | None]] = defaultdict(list)
        if pupil_ids:
            for pupil_id, email in (
                await User.filter(pupil_id__in=pupil_ids)
                .using_db(conn)
                .values_list("pupil_id", "email")
            ):
                users[pupil_id].append(email)
            for pupil_id, email in (
                await Guardian.filter(pupil_id__in=pupil_ids)
                .using_db(conn)
                .values_list("pupil_id", "email")
            ):
                guardians[pupil_id].append(email)
        organiser_ids = sorted({e.booking.pupil.school.organiser_id for e in events if e.booking})
        organisers = {o.id: o for o in await Organiser.filter(id__in=organiser_ids).using_db(conn)}
        confirmed: list[consent.Asked] = []
        messages: list[OutboxMessage] = []
        for event in events:
            if event.booking is None:  # the booking is gone (its pupil erased): nothing to say
                continue
            booking, slot = as_snapshotted(event.booking, event.booking.slot, event.snapshot)
            pupil = event.booking.pupil
            named = event.snapshot.get("recipients")
            extra = [str(a) for a in named] if isinstance(named, list) else []
            organiser = organisers.get(pupil.school.organiser_id)
            if organiser is not None and consent.confirms(event.kind, booking, event.booking):
                confirmed.append(consent.Asked(event.booking, organiser))
            messages += booking_messages(
                kind=event.kind,
                booking=booking,
                pupil=pupil,
                slot=slot,
                recipients=[*extra, pupil.email, *users.get(pupil.id, [])],
                guardian_emails=guardians.get(pupil.id, []),
                employer=slot.employer,
                school=pupil.school,
                base_url=base_url,
                organiser=organiser,
            )
        for message in messages:
            await message.save(using_db=conn)
        # The guardians' consent is asked here, once the booking is confirmed: in the worker,
        # off the booking's hot path, in the transaction that claims the event.
        messages += await consent.ask_guardians(confirmed, conn, base_url)
    return [m.id for m in messages]


# Unexpanded for longer than this: the job that should have expanded it was lost.
EXPAND_SWEEP_AFTER = timedelta(minutes=1)
EXPAND_SWEEP_BATCH = 1000


async def unexpanded_events(now: datetime) -> list[int]:
    """Ids of events left unexpanded (a worker died, Redis was down), oldest first."""
    ids = (
        await OutboxEvent.filter(expanded_at__isnull=True, created_at__lt=now - EXPAND_SWEEP_AFTER)
        .order_by("id")
        .limit(EXPAND_SWEEP_BATCH)
        .values_list("id", flat=True)
    )
    return [int(i) for i in ids]  # type: ignore[call-overload]


def _plain(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # a StrEnum as its plain value
    return value


WEEKDAY_NAMES = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


async def placement_reminder(
    *,
    booking: Booking,
    pupil: Pupil,
    slot: Slot,
    pupil_addresses: list[str | None],
    supervisor: User | None,
    connection: BaseDBAsyncClient,
    base_url: str | None = None,
) -> list[OutboxMessage]:
    """A few days before the start: to the pupil, and to the supervisor (the slot's handledare,
    else the employer's contact), with the card link and the calendar file."""
    employer = _fetched(slot, "employer") or await Employer.get(
        id=slot.employer_id, using_db=connection
    )
    school = _fetched(pupil, "school") or await School.get(id=pupil.school_id, using_db=connection)
    seen = workplace_view(pupil, school)
    card = card_url(booking.id, base_url)
    starts = f"{WEEKDAY_NAMES[slot.start_date.weekday()]} {datum(slot.start_date)}"
    details = placement_lines(slot, employer)
    if supervisor is not None:
        details.append(f"Handledare: {supervisor.name or supervisor.email}")
    footer = ["", f"Praoplatskort att skriva ut: {card}", "", "Hälsningar, Prao"]
    pupil_body = [
        f"Hej {pupil.first_name}!",
        "",
        f"Påminnelse: din prao hos {employer.name} börjar {starts}.",
        "",
        *details,
        *footer,
    ]
    supervisor_body = [
        f"Hej {supervisor.name}!" if supervisor is not None and supervisor.name else "Hej!",
        "",
        f"Påminnelse: {workplace_name(seen)} börjar sin prao hos er {starts}.",
        "",
        *details,
        *_school_lines(seen),
        *footer,
    ]
    attachment = ics.placement_calendar(booking, slot, employer, card)
    supervisor_address = supervisor.email if supervisor is not None else employer.contact_email
    addressed = [(a, "\n".join(pupil_body)) for a in clean_addresses(pupil_addresses)]
    addressed += [
        (a, "\n".join(supervisor_body))
        for a in clean_addresses([supervisor_address])
        if a not in {x for x, _ in addressed}
    ]
    return [
        await OutboxMessage.create(
            kind="placement_reminder",
            to_address=address,
            subject=f"Påminnelse: praon börjar {starts}",
            body=body,
            booking_id=booking.id,
            attachment=attachment,
            attachment_name=ics.FILENAME,
            attachment_type=ics.CONTENT_TYPE,
            using_db=connection,
        )
        for address, body in addressed
    ]


def _school_lines(view: PupilView) -> list[str]:
    """The school and its contact, where the workplace may know the pupil's school."""
    if view.school_name is None:
        return []
    contact = f", {view.school_email}" if view.school_email else ""
    return [f"Skola: {view.school_name}{contact}"]


def clean_addresses(values: list[str | None]) -> list[str]:
    """The addresses given, trimmed, lower-cased, without blanks and repeats, sorted."""
    return sorted({v.strip().lower() for v in values if v and v.strip()})
