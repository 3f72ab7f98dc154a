"""schema.graphql is exported from the code and checked in; school systems build against it."""

from __future__ import annotations

from pathlib import Path

from api.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_checked_in_schema_matches_the_code() -> None:
    exported = schema.as_str() + "\n"
    assert SCHEMA_FILE.read_text() == exported, (
        "schema.graphql is out of date: run `prao export-schema -o schema.graphql` and commit it"
    )


def test_contract_names_are_in_the_schema() -> None:
    sdl = SCHEMA_FILE.read_text()
    for line in [
        "node(id: ID!): Node",
        "viewer: Viewer!",
        "bookSlot(input: BookSlotInput!): BookSlotPayload!",
        "cancelBooking(input: CancelBookingInput!): CancelBookingPayload!",
        "errors: [BookingError!]!",
        "type Slot implements Node",
        "type Booking implements Node",
        "type Pupil implements Node",
        "type School implements Node",
        "type Employer implements Node",
        "type Period implements Node",
    ]:
        assert line in sdl, line
