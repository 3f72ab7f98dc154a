"""Erasing pupils' personal data (DESIGN.md §7), set-based: the retention job's pupils and
bookings, or one pupil on request, are first stamped with the run's moment (`erased_at`), and
every statement then blanks or deletes what belongs to the rows so stamped, in one pass.

What goes: the pupil's names, class, e-mail, birth date, external id and protected-identity
marking; her guardians, her sign-in account, the guardians' consents, every one-time link of
her bookings, the notes of her attendance days, the name and free text of her certificate,
the bodies and recipients of her bookings' mail (and of mail to her own address), the
snapshots of her bookings' outbox events, and the free text of her bookings. Erasing one
pupil on request also takes the kept copies of what names her among others: the first-day
briefs sent to her workplaces and her school's class lists already read in (the retention
job takes those by their age).

What stays: the pupil row (school, year group) and each booking as an anonymous row of slot,
period, status and origin, so the statistics still count them; attendance statuses; wishes
(ranks only); the certificate's code, employer, dates and assessment, so `/intyg/{code}`
still says it is genuine, without the name. Both rows carry `erased_at`, which moves their
`updated_at`: a school system's `updatedSince` sync sees the erasure as a tombstone.

A second run finds nothing new (the lists take only rows not yet erased) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from prao.models import Booking, OutboxStatus
from prao.notices import supervisor_brief_subject
from prao.sql import numbered

# The run's rows are stamped with its moment first; every later statement finds them by it.
EP = "SELECT id FROM pupil WHERE erased_at = :now"
EB = "SELECT id FROM booking WHERE erased_at = :now"
GUARDIANS = f"SELECT id FROM guardian WHERE pupil_id IN ({EP})"
ACCOUNTS = f"SELECT id FROM app_user WHERE pupil_id IN ({EP})"

_ORGANISER_SCHOOLS = "SELECT id FROM school WHERE organiser_id = :organiser"
# Periods of the organiser that ended before the cutoff.
_ENDED = f"SELECT id FROM period WHERE school_id IN ({_ORGANISER_SCHOOLS}) AND end_date < :cutoff"

RETENTION_BOOKINGS = f"""
UPDATE booking SET erased_at = :now WHERE erased_at IS NULL AND period_id IN ({_ENDED})
"""

# A pupil goes when every period of hers ended before the cutoff: those she booked or wished
# in, and those of her school and year group. A pupil with no period yet stays.
RETENTION_PUPILS = f"""
UPDATE pupil SET erased_at = :now
WHERE erased_at IS NULL
  AND school_id IN ({_ORGANISER_SCHOOLS})
  AND (
    EXISTS (SELECT 1 FROM booking b JOIN period p ON p.id = b.period_id
            WHERE b.pupil_id = pupil.id AND p.end_date < :cutoff)
    OR EXISTS (SELECT 1 FROM wish w JOIN period p ON p.id = w.period_id
               WHERE w.pupil_id = pupil.id AND p.end_date < :cutoff)
    OR EXISTS (SELECT 1 FROM period p WHERE p.school_id = pupil.school_id
               AND p.year_group = pupil.year_group AND p.end_date < :cutoff)
  )
  AND NOT EXISTS (SELECT 1 FROM booking b JOIN period p ON p.id = b.period_id
                  WHERE b.pupil_id = pupil.id AND p.end_date >= :cutoff)
  AND NOT EXISTS (SELECT 1 FROM wish w JOIN period p ON p.id = w.period_id
                  WHERE w.pupil_id = pupil.id AND p.end_date >= :cutoff)
  AND NOT EXISTS (SELECT 1 FROM period p WHERE p.school_id = pupil.school_id
                  AND p.year_group = pupil.year_group AND p.end_date >= :cutoff)
"""

ONE_PUPIL = "UPDATE pupil SET erased_at = :now WHERE id = :pupil AND erased_at IS NULL"
# Every booking of the pupils stamped (the retention job's are in ended periods already).
PUPILS_BOOKINGS = (
    f"UPDATE booking SET erased_at = :now WHERE erased_at IS NULL AND pupil_id IN ({EP})"
)

# Her own addresses and her guardians': mail about no booking sent to them goes too (sign-in
# links, reminders to choose a place).
_ADDRESSES = f"""
SELECT lower(email) FROM pupil WHERE id IN ({EP}) AND email IS NOT NULL
UNION SELECT lower(email) FROM guardian WHERE pupil_id IN ({EP}) AND email IS NOT NULL
UNION SELECT lower(email) FROM app_user WHERE pupil_id IN ({EP})
"""
MAIL = f"(booking_id IN ({EB}) OR (booking_id IS NULL AND lower(to_address) IN ({_ADDRESSES})))"

# A slot's sent first-day briefs: by their subject, to any address the brief goes to (the
# risk assessment's supervisor, the slot's supervisor, the employer's accounts and contact).
BRIEFS_TO_WORKPLACE = """
UPDATE outbox_message SET to_address = NULL, subject = '', body = '', attachment = NULL,
  attachment_name = NULL
WHERE kind = :kind AND booking_id IS NULL AND subject = :subject
  AND status NOT IN (:pending, :sending)
  AND lower(to_address) IN (
    SELECT lower(supervisor_email) FROM risk_assessment WHERE slot_id = :slot
    UNION SELECT lower(email) FROM app_user WHERE id = :supervisor OR employer_id = :employer
    UNION SELECT lower(contact_email) FROM employer
      WHERE id = :employer AND contact_email IS NOT NULL)
"""


@dataclass
class Erased:
    """What one erasure changed, by kind: the audit event's counts (no personal data)."""

    pupils: int = 0
    bookings: int = 0
    guardians: int = 0
    consents: int = 0
    links: int = 0
    messages: int = 0
    events: int = 0
    attendance_notes: int = 0
    certificates: int = 0
    evaluations: int = 0
    accounts: int = 0
    class_lists: int = 0

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def anything(self) -> bool:
        return any(self.counts().values())


class Statements:
    """The statements of one erasure on one transaction's connection."""

    def __init__(self, conn: BaseDBAsyncClient, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.dialect = conn.capabilities.dialect

    async def run(self, sql: str, **values: Any) -> int:
        text, params = numbered(sql.strip(), {"now": self.now, **values}, self.dialect)
        count, _ = await self.conn.execute_query(text, params)
        return count

    async def list_retention(self, organiser_id: int, cutoff: date) -> Erased:
        """Stamp the bookings of the organiser's periods that ended before `cutoff`, and the
        pupils none of whose periods ended later, with their bookings."""
        bookings = await self.run(RETENTION_BOOKINGS, organiser=organiser_id, cutoff=cutoff)
        pupils = await self.run(RETENTION_PUPILS, organiser=organiser_id, cutoff=cutoff)
        bookings += await self.run(PUPILS_BOOKINGS)
        return Erased(pupils=pupils, bookings=bookings)

    async def list_pupil(self, pupil_id: int) -> Erased:
        """Stamp one pupil and every booking of hers."""
        pupils = await self.run(ONE_PUPIL, pupil=pupil_id)
        bookings = await self.run(PUPILS_BOOKINGS) if pupils else 0
        return Erased(pupils=pupils, bookings=bookings)

    async def erase_briefs_naming(self, pupil_id: int) -> int:
        """The kept copies of the first-day briefs sent to the workplaces of her placements.
        A brief names every pupil of the slot and belongs to no one booking: the copy goes
        with the other pupils' lines in it (the workplace has its mail; a copy kept here is
        no one's record). A brief not sent yet stays, for the other pupils' workplace. (The
        retention job needs none of this: its briefs are older than the retention.)"""
        briefed = (
            await Booking.filter(pupil_id=pupil_id, brief_sent_at__isnull=False)
            .select_related("slot")
            .using_db(self.conn)
        )
        count = 0
        for slot in {b.slot_id: b.slot for b in briefed}.values():
            count += await self.run(
                BRIEFS_TO_WORKPLACE,
                kind=SUPERVISOR_BRIEF,
                subject=supervisor_brief_subject(slot),
                slot=slot.id,
                supervisor=slot.supervisor_id,
                employer=slot.employer_id,
                pending=OutboxStatus.PENDING.value,
                sending=OutboxStatus.SENDING.value,
            )
        return count

    async def erase_applied_class_lists(self, pupil_id: int) -> int:
        """The kept files of her school's class lists already read in, which name her among
        the others (a list not read in yet stays: the coordinator is about to confirm it)."""
        return await self.run(
            "UPDATE class_list_import SET content = '' WHERE applied_at IS NOT NULL "
            "AND content <> '' AND school_id IN (SELECT school_id FROM pupil WHERE id = :pupil)",
            pupil=pupil_id,
        )

    async def erase_listed(self, done: Erased) -> Erased:
        """Blank or delete everything of the pupils and bookings stamped."""
        if not done.pupils and not done.bookings:
            return done
        unsent = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
        # Mail not sent yet is not sent at all: its recipients are about to go.
        done.messages = await self.run(
            f"DELETE FROM outbox_message WHERE status IN (:pending, :sending) AND {MAIL}",
            pending=unsent[0],
            sending=unsent[1],
        )
        done.messages += await self.run(
            "UPDATE outbox_message SET to_address = NULL, subject = '', body = '', "
            f"attachment = NULL, attachment_name = NULL, last_error = '' WHERE {MAIL}"
        )
        done.events = await self.run(
            "UPDATE outbox_event SET snapshot = '{}', expanded_at = COALESCE(expanded_at, :now) "
            f"WHERE booking_id IN ({EB})"
        )
        done.links = await self.run(
            f"DELETE FROM booking_link WHERE booking_id IN ({EB}) OR guardian_id IN ({GUARDIANS})"
        )
        done.consents = await self.run(
            f"DELETE FROM guardian_consent WHERE booking_id IN ({EB}) "
            f"OR guardian_id IN ({GUARDIANS})"
        )
        done.guardians = await self.run(f"DELETE FROM guardian WHERE pupil_id IN ({EP})")
        done.attendance_notes = await self.run(
            f"UPDATE attendance_day SET note = '' WHERE booking_id IN ({EB}) AND note <> ''"
        )
        # The code, employer and dates stay: the paper still verifies, without the name.
        done.certificates = await self.run(
            "UPDATE certificate SET first_name = '', tasks = '', comment = '', updated_at = :now "
            f"WHERE booking_id IN ({EB})"
        )
        # The scores stay for the statistics; the words are the pupil's and her supervisor's.
        done.evaluations = await self.run(
            "UPDATE evaluation SET pupil_comment = '', supervisor_comment = '', updated_at = :now "
            f"WHERE booking_id IN ({EB})"
        )
        await self.run(
            f"UPDATE booking SET created_by_id = NULL WHERE created_by_id IN ({ACCOUNTS})"
        )
        await self.run(
            f"UPDATE booking SET decided_by_id = NULL WHERE decided_by_id IN ({ACCOUNTS})"
        )
        await self.run(f"DELETE FROM sign_in_token WHERE user_id IN ({ACCOUNTS})")
        # Her account is closed and blanked, not deleted: deleting a user checks every booking
        # for it (created_by and decided_by are unindexed on purpose), once per account.
        done.accounts = await self.run(
            "UPDATE app_user SET email = 'erased-' || id || '@invalid', name = '', "
            "is_active = :no, session_version = session_version + 1 "
            f"WHERE pupil_id IN ({EP})",
            no=False,
        )
        await self.run(f"UPDATE booking SET reason = '', updated_at = :now WHERE id IN ({EB})")
        await self.run(
            "UPDATE pupil SET first_name = '', last_name = '', class_name = '', email = NULL, "
            "birth_date = NULL, external_id = NULL, security_marking = :no, updated_at = :now "
            f"WHERE id IN ({EP})",
            no=False,
        )
        return done

    async def erase_old_class_lists(self, organiser_id: int, before: datetime) -> int:
        """Uploaded class lists (whole lists of names) older than the retention."""
        return await self.run(
            "DELETE FROM class_list_import WHERE created_at < :before "
            "AND school_id IN (SELECT id FROM school WHERE organiser_id = :organiser)",
            before=before,
            organiser=organiser_id,
        )

    async def erase_old_supervisor_briefs(self, organiser_id: int, before: datetime) -> int:
        """The first-day briefs to the organiser's workplaces, which name several pupils and
        belong to no one booking, once older than the retention."""
        return await self.run(
            "UPDATE outbox_message SET to_address = NULL, subject = '', body = '', "
            "attachment = NULL, attachment_name = NULL "
            "WHERE kind = :kind AND booking_id IS NULL AND created_at < :before AND body <> '' "
            "AND lower(to_address) IN ("
            "SELECT lower(u.email) FROM app_user u JOIN employer e ON e.id = u.employer_id "
            "WHERE e.organiser_id = :organiser "
            "UNION SELECT lower(contact_email) FROM employer "
            "WHERE organiser_id = :organiser AND contact_email IS NOT NULL)",
            kind=SUPERVISOR_BRIEF,
            before=before,
            organiser=organiser_id,
        )


SUPERVISOR_BRIEF = "first_day_brief_supervisor"
