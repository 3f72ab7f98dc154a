"""The published contract: every breaking change since the last release is in the CHANGELOG.

release/schema.graphql is the schema of the last release; schema.graphql is the current one.
graphql-core lists the changes between them. The rule for "recorded": each breaking change's
schema coordinate (`Query.slots`, `Query.bookings(filter:)`, `ErrorCode.SLOT_FULL`, `Slot`,
`@directive(argument:)`) is written in the `## [Unreleased]` section of CHANGELOG.md, as a
whole coordinate (`Query.slot` does not record `Query.slots`). Additions and dangerous changes
(an enum value or an optional argument added) need no entry, so others' additive work passes.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLSchema, build_schema
from graphql.utilities.find_schema_changes import (
    BreakingChange,
    BreakingChangeType,
    DangerousChange,
    DangerousChangeType,
    find_schema_changes,
)

ROOT = Path(__file__).resolve().parents[2]
RELEASED = ROOT / "release" / "schema.graphql"
CURRENT = ROOT / "schema.graphql"
CHANGELOG = ROOT / "CHANGELOG.md"

NAME = r"[_A-Za-z]\w*"
# Tried in order on graphql-core's description of a change.
ARGUMENT = re.compile(rf"@?{NAME}(?:\.{NAME})?\({NAME}:\)")  # Query.f(x:) or @dir(x:)
UNION = re.compile(rf"union type ({NAME})")  # "X was removed from union type U."
DIRECTIVE = re.compile(rf"@{NAME}")
MEMBER = re.compile(rf"{NAME}\.{NAME}")  # Type.field, Input.field, Enum.VALUE
LEADING_TYPE = re.compile(rf"(?:Standard scalar )?({NAME})")  # "T was removed.", "T changed …"

UNRELEASED = re.compile(r"^## \[Unreleased\][^\n]*\n(.*?)(?=^## |\Z)", re.M | re.S)


def changes(
    old: GraphQLSchema, new: GraphQLSchema
) -> tuple[list[BreakingChange], list[DangerousChange]]:
    found = find_schema_changes(old, new)
    breaking = [c for c in found if isinstance(c.type, BreakingChangeType)]
    dangerous = [c for c in found if isinstance(c.type, DangerousChangeType)]
    return breaking, dangerous


def coordinate(change: BreakingChange | DangerousChange) -> str:
    """The schema coordinate a change is about, read from graphql-core's description."""
    text = change.description
    if match := ARGUMENT.search(text):
        return match.group(0)
    if match := UNION.search(text):
        return match.group(1)
    if match := DIRECTIVE.search(text):
        return match.group(0)
    if match := MEMBER.search(text):
        return match.group(0)
    match = LEADING_TYPE.match(text)
    assert match, f"no coordinate in {text!r}"
    return match.group(1)


def unreleased_section(changelog: str) -> str:
    match = UNRELEASED.search(changelog)
    return match.group(1) if match else ""


def is_recorded(coord: str, notes: str) -> bool:
    """The coordinate occurs whole: not as part of a longer name, member or argument list."""
    pattern = rf"(?<![\w.@]){re.escape(coord)}(?![\w(]|\.\w)"
    return re.search(pattern, notes) is not None


def unrecorded(old_sdl: str, new_sdl: str, changelog: str) -> list[str]:
    """One readable line per breaking change whose coordinate the Unreleased notes lack."""
    breaking, _ = changes(build_schema(old_sdl), build_schema(new_sdl))
    notes = unreleased_section(changelog)
    return [
        f"{coordinate(c)}: {c.description} ({c.type.name})"
        for c in breaking
        if not is_recorded(coordinate(c), notes)
    ]


def test_every_breaking_change_since_the_release_is_in_the_changelog() -> None:
    missing = unrecorded(RELEASED.read_text(), CURRENT.read_text(), CHANGELOG.read_text())
    assert not missing, (
        "Breaking changes since the last release (release/schema.graphql) that CHANGELOG.md's "
        "## [Unreleased] section does not name by schema coordinate:\n  "
        + "\n  ".join(missing)
        + "\nWrite each coordinate there (e.g. under ### Removed or ### Changed), or restore the "
        "field."
    )


def test_changelog_has_unreleased_notes_above_the_dated_release() -> None:
    text = CHANGELOG.read_text()
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text, re.M)
    assert headings[0] == ("Unreleased", "")
    assert ("1.0.0", " - 2026-11-23") in headings
    assert unreleased_section(text).strip()


def test_released_schema_is_a_valid_schema_with_the_core_contract() -> None:
    released = build_schema(RELEASED.read_text())
    query = released.query_type
    assert query is not None and {"node", "slots", "bookings", "pupils"} <= set(query.fields)


# The checker itself, on synthetic schemas and changelogs.

OLD = """
type Query { slots(first: Int, filter: Filter): [Slot!]! slot(id: ID!): Slot }
type Slot { id: ID! title: String! city: String }
input Filter { city: String }
enum Status { OPEN CLOSED }
type Extra { status: Status }
"""

NEW_WITHOUT_CITY = OLD.replace("city: String }", "}", 1)

CHANGELOG_TEXT = """# Changelog

## [Unreleased]

### Added

- `Query.slots(last:)`.

{entry}

## [1.0.0] - 2026-11-23

- `Slot.city` was added.
"""


def test_a_removed_field_is_reported_until_its_coordinate_is_in_unreleased() -> None:
    changelog = CHANGELOG_TEXT.format(entry="")
    missing = unrecorded(OLD, NEW_WITHOUT_CITY, changelog)
    assert missing == ["Slot.city: Field Slot.city was removed. (FIELD_REMOVED)"]

    recorded = CHANGELOG_TEXT.format(entry="### Removed\n\n- `Slot.city`: use `Slot.address`.")
    assert unrecorded(OLD, NEW_WITHOUT_CITY, recorded) == []


def test_a_mention_under_an_older_release_does_not_record_it() -> None:
    # The 1.0.0 section of CHANGELOG_TEXT names Slot.city; only Unreleased counts.
    assert unrecorded(OLD, NEW_WITHOUT_CITY, CHANGELOG_TEXT.format(entry="")) != []
    assert unrecorded(OLD, NEW_WITHOUT_CITY, "# Changelog\n\n- `Slot.city`\n") != []


def test_a_longer_or_nested_name_does_not_record_a_coordinate() -> None:
    assert not is_recorded("Query.slot", "- `Query.slots` changed")
    assert not is_recorded("Query.slot", "- `Query.slot(id:)` changed")
    assert not is_recorded("Slot", "- `Slot.city` removed, `XSlot` added")
    assert is_recorded("Slot", "- `Slot` was removed.")
    assert is_recorded("Query.slot", "Query.slot: gone.")


def test_coordinates_of_each_kind_of_breaking_change() -> None:
    new = """
    type Query { slots(first: Int!, filter: String): [Slot!]! }
    type Slot { id: ID! title: Int! }
    input Filter { city: String region: String! }
    enum Status { OPEN }
    """
    breaking, _ = changes(build_schema(OLD), build_schema(new))
    assert {coordinate(c) for c in breaking} == {
        "Query.slot",  # field removed
        "Query.slots(first:)",  # argument made required
        "Query.slots(filter:)",  # argument type changed
        "Slot.title",  # field type changed
        "Slot.city",  # field removed
        "Filter.region",  # required input field added
        "Status.CLOSED",  # enum value removed
        "Extra",  # type removed
    }


def test_additions_are_not_breaking_but_dangerous_ones_are_listed() -> None:
    new = """
    type Query {
      slots(first: Int, last: Int, filter: Filter): [Slot!]! slot(id: ID!): Slot nodes: [Slot]!
    }
    type Slot { id: ID! title: String! city: String updatedAt: String }
    input Filter { city: String trade: String }
    enum Status { OPEN CLOSED FULL }
    type Extra { status: Status }
    """
    assert unrecorded(OLD, new, "# Changelog\n\n## [Unreleased]\n") == []
    breaking, dangerous = changes(build_schema(OLD), build_schema(new))
    assert breaking == []
    assert ("Status.FULL", DangerousChangeType.VALUE_ADDED_TO_ENUM) in {
        (coordinate(c), c.type) for c in dangerous
    }
