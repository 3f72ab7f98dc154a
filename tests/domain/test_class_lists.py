"""Class-list import: encodings and delimiters, every refusal in the preview, idempotent upserts."""

from __future__ import annotations

from typing import Any

from prao.errors import ErrorCode
from prao.models import AuditEvent, ClassListImport, Guardian, Pupil, User
from prao.services.class_lists import confirm, preview, upload
from tests import factories
from tests.callers import main_text, token_of
from tests.db import column
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


async def pupils_state(school_id: int) -> list[tuple[tuple[str, Any], ...]]:
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
    assert result.ok and result.value is not None, result.errors
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
    assert await column(Guardian.filter(pupil_id=asa.id), "email") == ["mamma.oberg@example.se"]
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
    assert result.ok and result.value is not None
    assert (result.value.created, result.value.updated) == (0, 0)
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
    assert done.value is not None, done.errors
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


# -- protected identity is lifted only on purpose ------------------------------------------------

NO_MARKING = "Förnamn;Efternamn;Klass;Årskurs;E-post;Vårdnadshavares e-post;Elev-ID"


async def _imported(actor, text: str):
    shown = await import_file(actor, text.encode())
    done = await confirm(actor, shown.import_id)
    assert done.ok, done.errors
    return shown, done.value


async def test_file_without_the_column_keeps_markings_and_their_e_mail(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    await _imported(actor, csv_text(*GOOD))
    marta = await Pupil.get(external_id="E-003")
    account = await User.get(pupil_id=marta.id)
    assert marta.security_marking and marta.email == "marta@elev.se"
    state = await pupils_state(world.school_a.id)

    # The school's other system exports no marking and blanks the protected pupil's e-mail.
    rows = ["Åsa;Öberg;9A;9;asa.oberg@elev.se;;E-001", "Märta;Lind;9B;9;;;E-003"]
    shown, done = await _imported(actor, csv_text(*rows, header=NO_MARKING))
    assert [r.action for r in shown.rows] == ["oförändrad", "oförändrad"]
    assert shown.lift_warning is None and (done.created, done.updated) == (0, 0)
    assert await pupils_state(world.school_a.id) == state
    assert await User.get(id=account.id) == account and account.email == "marta@elev.se"

    # Another address for her in such a file is not used either: the file does not speak for her.
    other = ["Märta;Lind;9C;9;ny.adress@elev.se;;E-003"]
    shown, done = await _imported(actor, csv_text(*other, header=NO_MARKING))
    assert shown.rows[0].keeps_marking and done.updated == 1
    marta = await Pupil.get(id=marta.id)
    assert (marta.security_marking, marta.email, marta.class_name) == (True, "marta@elev.se", "9C")
    assert (await User.get(id=account.id)).email == "marta@elev.se"
    assert not await AuditEvent.exists(action="lift_protection")


async def test_an_empty_cell_is_not_a_decision(world: World) -> None:
    """A column that marks only the protected ("Ja", else empty) keeps a marking on an empty cell;
    for a new pupil an empty cell means not protected."""
    actor = await world.actor(world.coordinator_a)
    await _imported(actor, csv_text(*GOOD))
    shown, done = await _imported(actor, csv_text("Märta;Lind;9B;9;;;E-003;", GOOD[1]))
    assert [r.action for r in shown.rows] == ["oförändrad", "oförändrad"]
    assert shown.lift_warning is None
    marta = await Pupil.get(external_id="E-003")
    assert marta.security_marking and marta.email == "marta@elev.se"
    assert not (await Pupil.get(external_id="E-002")).security_marking


async def test_lifting_needs_no_in_the_column_is_warned_and_audited(
    world: World, browser_for
) -> None:
    actor = await world.actor(world.coordinator_a)
    await _imported(actor, csv_text(*GOOD))
    marta = await Pupil.get(external_id="E-003")
    lifting = csv_text(GOOD[0], GOOD[2].replace(";Ja", ";Nej"))
    async with browser_for(world.coordinator_a) as c:
        token = await token_of(c, "/oversikt/klasslistor")
        sent = await c.post(
            "/oversikt/klasslistor",
            data={"csrf_token": token},
            files={"file": ("lista.csv", lifting.encode())},
        )
        page = await c.get(sent.headers["location"])
        assert "skyddad identitet tas bort för 1 elev" in main_text(page.text)
        assert "Nej (skyddet tas bort)" in main_text(page.text)
        assert not await AuditEvent.exists(action="lift_protection")  # nothing until confirmed
        assert (await Pupil.get(id=marta.id)).security_marking
        import_id = int(sent.headers["location"].rsplit("/", 1)[1])
        done = await c.post(f"/oversikt/klasslistor/{import_id}/las-in", data={"csrf_token": token})
        assert done.status_code == 303
    assert not (await Pupil.get(id=marta.id)).security_marking
    event = await AuditEvent.get(action="lift_protection")
    assert (event.actor, event.object_type, event.object_count) == (
        f"user:{world.coordinator_a.id}",
        "pupil",
        1,
    )
    assert event.detail == {"pupil_ids": [marta.id], "import_id": import_id}

    # The same file again changes nothing and lifts nothing more.
    again, done_again = await _imported(actor, lifting)
    assert [r.action for r in again.rows] == ["oförändrad", "oförändrad"]
    assert again.lift_warning is None and done_again.updated == 0
    assert await AuditEvent.filter(action="lift_protection").count() == 1


async def test_the_warning_counts_every_lifted_pupil(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    protected = [GOOD[0].replace(";Nej", ";Ja"), GOOD[1] + "Ja", GOOD[2]]
    await _imported(actor, csv_text(*protected))
    assert await Pupil.filter(security_marking=True).count() == 3
    lifted = [GOOD[0], GOOD[1] + "nej", GOOD[2]]
    shown = await import_file(actor, csv_text(*lifted).encode())
    assert "skyddad identitet tas bort för 2 elever (rad 2, 3)" in (shown.lift_warning or "")
    assert [r.lifts_marking for r in shown.rows] == [True, True, False]
    assert (await confirm(actor, shown.import_id)).ok
    event = await AuditEvent.get(action="lift_protection")
    ids = sorted(await column(Pupil.filter(external_id__in=["E-001", "E-002"]), "id"))
    assert (event.object_count, event.detail["pupil_ids"]) == (2, ids)


async def test_a_file_may_set_a_marking(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    await _imported(actor, csv_text(*GOOD))
    shown, done = await _imported(actor, csv_text(GOOD[0].replace(";Nej", ";Ja")))
    assert shown.rows[0].sets_marking and shown.rows[0].action == "ändrad"
    assert done.updated == 1 and shown.lift_warning is None
    asa = await Pupil.get(external_id="E-001")
    assert asa.security_marking and asa.email == "asa.oberg@elev.se"
    assert not await AuditEvent.exists(action="lift_protection")
    # A file without the column now keeps it too.
    _, again = await _imported(actor, csv_text("Åsa;Öberg;9A;9;;;E-001", header=NO_MARKING))
    assert again.updated == 0 and (await Pupil.get(id=asa.id)).security_marking


# -- no account enumeration ----------------------------------------------------------------------


async def test_an_address_used_in_another_organiser_reads_like_a_new_one(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    outsider = await factories.pupil_user(world.pupil_x)
    elsewhere = [outsider.email, world.other_employer_user.email]
    fresh = ["ny1@elev.se", "ny2@elev.se"]

    def rows(addresses: list[str]) -> str:
        return csv_text(*(f"Ny;Elev{i};9A;9;{a};;N-{i};" for i, a in enumerate(addresses)))

    taken = await import_file(actor, rows(elsewhere).encode())
    new = await import_file(actor, rows(fresh).encode())
    assert [(r.problems, r.action) for r in taken.rows] == [
        (r.problems, r.action) for r in new.rows
    ]
    assert [r.problems for r in taken.rows] == [[], []]
    before = await User.filter(email__in=elsewhere).order_by("id").values()
    done = await confirm(actor, taken.import_id)
    assert done.ok and done.value is not None
    assert done.value.created == 2
    # Stored on her record, never linked to (or changing) the other organiser's account.
    saved = await Pupil.filter(external_id__in=["N-0", "N-1"]).order_by("external_id")
    assert [p.email for p in saved] == elsewhere
    assert not await User.filter(pupil_id__in=[p.id for p in saved]).exists()
    assert await User.filter(email__in=elsewhere).order_by("id").values() == before
    # Re-importing the same file changes nothing.
    again = await import_file(actor, rows(elsewhere).encode())
    assert [r.action for r in again.rows] == ["oförändrad", "oförändrad"]


async def test_an_address_used_in_the_same_organiser_is_named_to_its_staff(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    rows = [
        f"Ny;Elev;9A;9;{world.pupil_b_user.email};;N-1;",  # a pupil of the other school
        f"Ny;Elev;9A;9;{world.employer_user.email};;N-2;",  # an employer of the organiser
        f"Ny;Elev;9A;9;{world.admin.email};;N-3;",
    ]
    shown = await import_file(actor, csv_text(*rows).encode())
    assert all("används redan" in " ".join(r.problems) for r in shown.rows)
    assert not shown.can_confirm
