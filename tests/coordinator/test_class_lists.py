"""Class-list import: encodings and delimiters, every refusal in the preview, idempotent upserts."""

from __future__ import annotations

from prao.errors import ErrorCode
from prao.models import ClassListImport, Guardian, Pupil, User
from prao.services.class_lists import confirm, preview, upload
from tests import factories
from tests.factories import World

HEADER = "Förnamn;Efternamn;Klass;Årskurs;E-post;Vårdnadshavares e-post;Elev-ID;Skyddad identitet"
GOOD = [
    "Åsa;Öberg;9A;9;asa.oberg@elev.se;mamma.oberg@example.se;E-001;Nej",
    "Björn;Ängström;9A;9;;pappa.angstrom@example.se;E-002;",
    "Märta;Lind;9B;9;marta@elev.se;;E-003;Ja",
]


def csv_text(*rows: str, header: str = HEADER, sep: str = ";") -> str:
    lines = [header, *rows]
    return "\r\n".join(line.replace(";", sep) for line in lines) + "\r\n"


async def pupils_state(school_id: int) -> list[tuple]:
    rows = await Pupil.filter(school_id=school_id).order_by("id").values()
    return [tuple(sorted(r.items())) for r in rows]


async def import_file(actor, data: bytes, name: str = "klass.csv"):
    uploaded = await upload(actor, name, data)
    assert uploaded.ok, uploaded.errors
    return uploaded.value


async def test_utf8_semicolon_imports_everything(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    shown = await import_file(actor, csv_text(*GOOD).encode())
    assert [r.problems for r in shown.rows] == [[], [], []]
    assert [r.action for r in shown.rows] == ["ny", "ny", "ny"]
    assert not await Pupil.exists(external_id="E-001")  # nothing saved by the preview
    result = await confirm(actor, shown.import_id)
    assert result.ok, result.errors
    assert result.value.created == 3
    asa = await Pupil.get(school_id=world.school_a.id, external_id="E-001")
    assert (asa.first_name, asa.last_name, asa.class_name, asa.year_group) == (
        "Åsa",
        "Öberg",
        "9A",
        9,
    )
    assert asa.email == "asa.oberg@elev.se" and not asa.security_marking
    assert (await Pupil.get(external_id="E-003")).security_marking
    assert await Guardian.filter(pupil_id=asa.id).values_list("email", flat=True) == [
        "mamma.oberg@example.se"
    ]
    user = await User.get(pupil_id=asa.id)
    assert user.email == "asa.oberg@elev.se" and user.role == "pupil"
    # No e-mail, no sign-in account
    bjorn = await Pupil.get(external_id="E-002")
    assert not await User.exists(pupil_id=bjorn.id)


async def test_bom_windows_1252_and_commas(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    variants = [
        b"\xef\xbb\xbf" + csv_text(*GOOD).encode("utf-8"),
        csv_text(*GOOD).encode("cp1252"),
        csv_text(*GOOD, sep=",").encode("utf-8"),
        csv_text(*GOOD, sep=",").encode("cp1252"),
    ]
    for data in variants:
        shown = await import_file(actor, data)
        assert shown.file_problems == []
        assert [(r.first_name, r.last_name) for r in shown.rows] == [
            ("Åsa", "Öberg"),
            ("Björn", "Ängström"),
            ("Märta", "Lind"),
        ]
        assert [r.problems for r in shown.rows] == [[], [], []]


async def test_english_headers_and_full_name_column(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    text = 'Name,Class,Grade,Email,Student ID,Protected identity\n"Lind, Märta",9B,9,,S-9,yes\n'
    shown = await import_file(actor, text.encode())
    row = shown.rows[0]
    assert (row.first_name, row.last_name, row.external_id, row.security_marking) == (
        "Märta",
        "Lind",
        "S-9",
        True,
    )
    assert row.problems == []


async def test_every_problem_is_shown_beside_its_row_and_nothing_is_saved(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    rows = [
        ";Öberg;9A;9;;;E-1;",  # no first name
        "Åsa;Öberg;9A;nio;;;E-2;",  # bad year group
        "Åsa;Öberg;9A;9;inte-en-adress;;E-3;",  # bad e-mail
        "Åsa;Öberg;9A;9;;vh@;E-4;",  # bad guardian e-mail
        "Åsa;Öberg;9A;9;;;E-5;kanske",  # bad marking
        "Åsa;Öberg;9A;9;;;;",  # no external id
        "Åsa;Öberg;9A;9;;;E-7;",
        "Åsa;Öberg;9A;9;;;E-7;",  # duplicate id
        f"Åsa;Öberg;9A;9;{world.pupil_a_user.email};;E-9;",  # e-mail of another person
    ]
    before = await pupils_state(world.school_a.id)
    users = await User.all().count()
    shown = await import_file(actor, csv_text(*rows).encode())
    problems = [" ".join(r.problems) for r in shown.rows]
    assert "Förnamn saknas" in problems[0]
    assert "Årskursen" in problems[1]
    assert "Elevens e-post" in problems[2]
    assert "Vårdnadshavarens e-post" in problems[3]
    assert "Skyddad identitet" in problems[4]
    assert "Elev-ID saknas" in problems[5]
    assert "E-7 finns på flera rader" in problems[6] and "E-7" in problems[7]
    assert "används redan" in problems[8]
    assert not shown.can_confirm
    refused = await confirm(actor, shown.import_id)
    assert [e.code for e in refused.errors] == [ErrorCode.INVALID]
    assert await pupils_state(world.school_a.id) == before
    assert await User.all().count() == users
    assert (await ClassListImport.get(id=shown.import_id)).applied_at is None


async def test_file_without_required_columns_is_refused(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    shown = await import_file(actor, b"Namn;Klass\nAsa Oberg;9A\n")
    assert any("Årskurs" in p for p in shown.file_problems)
    assert any("Elev-ID" in p for p in shown.file_problems)
    assert not shown.can_confirm
    empty = await upload(actor, "tom.csv", b"")
    assert [e.code for e in empty.errors] == [ErrorCode.INVALID]


async def test_reimport_changes_nothing_and_lists_missing_pupils(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    first = await import_file(actor, csv_text(*GOOD).encode())
    assert (await confirm(actor, first.import_id)).ok
    state = await pupils_state(world.school_a.id)
    users = await User.all().order_by("id").values()
    guardians = await Guardian.all().order_by("id").values()

    again = await import_file(actor, csv_text(*GOOD).encode("cp1252"))
    assert [r.action for r in again.rows] == ["oförändrad"] * 3
    result = await confirm(actor, again.import_id)
    assert result.ok and (result.value.created, result.value.updated) == (0, 0)
    assert await pupils_state(world.school_a.id) == state  # updated_at included
    assert await User.all().order_by("id").values() == users
    assert await Guardian.all().order_by("id").values() == guardians

    # A list of class 9B alone says nothing about the pupils of 9A
    only_9b = await import_file(actor, csv_text(GOOD[2]).encode())
    assert only_9b.missing == []

    # Björn left and Märta changed class: Björn is listed, not deleted; only Märta is written
    changed = await import_file(actor, csv_text(GOOD[0], GOOD[2].replace("9B", "9C")).encode())
    assert [m.external_id for m in changed.missing] == ["E-002"]
    assert [r.action for r in changed.rows] == ["oförändrad", "ändrad"]
    done = await confirm(actor, changed.import_id)
    assert (done.value.created, done.value.updated) == (0, 1)
    assert [p.external_id for p in done.value.missing] == ["E-002"]
    assert await Pupil.exists(external_id="E-002")
    after = {p.external_id: p for p in await Pupil.filter(school_id=world.school_a.id)}
    before = {dict(r)["external_id"]: dict(r) for r in state}
    assert after["E-001"].updated_at == before["E-001"]["updated_at"]
    assert after["E-003"].class_name == "9C"
    assert after["E-003"].updated_at > before["E-003"]["updated_at"]


async def test_confirm_twice_and_other_schools_import_refused(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    shown = await import_file(actor, csv_text(*GOOD).encode())
    other = await world.actor(world.coordinator_b)
    assert [e.code for e in (await preview(other, shown.import_id)).errors] == [ErrorCode.NOT_FOUND]
    assert [e.code for e in (await confirm(other, shown.import_id)).errors] == [ErrorCode.NOT_FOUND]
    assert not await Pupil.exists(external_id="E-001")
    assert (await confirm(actor, shown.import_id)).ok
    assert [e.code for e in (await confirm(actor, shown.import_id)).errors] == [
        ErrorCode.NOT_ACTIVE
    ]
    pupil_actor = await world.actor(world.pupil_a_user)
    assert [e.code for e in (await upload(pupil_actor, "x.csv", b"a")).errors] == [
        ErrorCode.FORBIDDEN
    ]


async def test_same_external_id_in_another_school_is_another_pupil(world: World) -> None:
    theirs = await factories.pupil(world.school_b, external_id="E-002", year_group=9)
    actor = await world.actor(world.coordinator_a)
    shown = await import_file(actor, csv_text(GOOD[1]).encode())
    assert shown.missing == []
    assert (await confirm(actor, shown.import_id)).ok
    assert shown.rows[0].action == "ny"
    assert await Pupil.filter(external_id="E-002").count() == 2
    assert (await Pupil.get(id=theirs.id)).first_name == theirs.first_name
