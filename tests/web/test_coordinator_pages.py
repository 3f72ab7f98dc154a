"""The coordinator's and the pupil's pages through HTTP: forms, CSRF, errors beside fields."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from prao.models import Booking, ClassListImport, OutboxMessage, Period, PeriodMode, Pupil, Wish
from tests import factories
from tests.callers import main_text, token_of
from tests.factories import World

PERIOD_FORM = {
    "name": "Prao åk 9",
    "year_group": "9",
    "start_date": "2031-03-03",
    "end_date": "2031-03-14",
    "booking_opens_at": "2031-01-10 08:00",
    "booking_closes_at": "2031-02-20 23:00",
    "cancel_deadline": "2031-02-24 12:00",
    "mode": "allocation",
    "max_wishes": "5",
    "allocation_policy": "convex",
}
CSV = (
    "Förnamn;Efternamn;Klass;Årskurs;E-post;Vårdnadshavares e-post;Elev-ID;Skyddad identitet\r\n"
    "Åsa;Öberg;9A;9;asa@elev.se;vh@example.se;E-1;Nej\r\n"
    "Märta;Lind;9B;9;;;E-2;Ja\r\n"
)


async def test_create_period_with_errors_beside_fields(world: World, browser_for) -> None:
    async with browser_for(world.coordinator_a) as c:
        token = await token_of(c, "/oversikt/perioder/ny")
        bad = await c.post(
            "/oversikt/perioder/ny",
            data={**PERIOD_FORM, "end_date": "2031-03-01", "csrf_token": token},
        )
        assert bad.status_code == 422
        assert 'id="end_date-fel"' in bad.text and "före den första" in bad.text
        assert await Period.all().count() == 2
        no_csrf = await c.post("/oversikt/perioder/ny", data=PERIOD_FORM)
        assert no_csrf.status_code == 403
        ok = await c.post("/oversikt/perioder/ny", data={**PERIOD_FORM, "csrf_token": token})
        assert ok.status_code == 303
        period = await Period.get(name="Prao åk 9")
        page = await c.get(ok.headers["location"])
        assert page.status_code == 200
        # An allocation period offers the other engineer's start form
        assert f'action="/oversikt/perioder/{period.id}/fordelning"' in page.text
        edit = await c.post(
            f"/oversikt/perioder/{period.id}/andra",
            data={**PERIOD_FORM, "name": "Nytt namn", "csrf_token": token},
        )
        assert edit.status_code == 303
        assert (await Period.get(id=period.id)).name == "Nytt namn"
    async with browser_for(world.coordinator_b) as other:
        assert (await other.get(f"/oversikt/perioder/{period.id}")).status_code == 404
    async with browser_for(world.pupil_a_user) as pupil:
        assert (await pupil.get("/oversikt/perioder")).status_code == 403


async def test_upload_preview_confirm(world: World, browser_for) -> None:
    async with browser_for(world.coordinator_a) as c:
        token = await token_of(c, "/oversikt/klasslistor")
        bad = await c.post(
            "/oversikt/klasslistor",
            data={"csrf_token": token},
            files={"file": ("lista.csv", (CSV + ";Utan;9A;9;;;E-3;\r\n").encode("cp1252"))},
        )
        assert bad.status_code == 303
        preview = await c.get(bad.headers["location"])
        text = main_text(preview.text)
        assert "Förnamn saknas" in text and "Ingenting har sparats" in text
        assert "las-in" not in preview.text
        assert not await Pupil.exists(external_id="E-1")
        good = await c.post(
            "/oversikt/klasslistor",
            data={"csrf_token": token},
            files={"file": ("lista.csv", CSV.encode("utf-8-sig"))},
        )
        preview = await c.get(good.headers["location"])
        assert "Åsa" in preview.text and "Läs in 2 elever" in preview.text
        import_id = int(good.headers["location"].rsplit("/", 1)[1])
        done = await c.post(f"/oversikt/klasslistor/{import_id}/las-in", data={"csrf_token": token})
        assert done.status_code == 303
        assert await Pupil.filter(external_id__in=["E-1", "E-2"]).count() == 2
        again = await c.post(
            f"/oversikt/klasslistor/{import_id}/las-in", data={"csrf_token": token}
        )
        assert again.status_code == 409
    async with browser_for(world.coordinator_b) as other:
        token = await token_of(other, "/oversikt")
        refused = await other.post(
            f"/oversikt/klasslistor/{import_id}/las-in", data={"csrf_token": token}
        )
        assert refused.status_code == 404
    assert await ClassListImport.all().count() == 2


async def test_period_page_place_remind_and_export(world: World, browser_for) -> None:
    secret = await factories.pupil(world.school_a, first_name="Hemlig", security_marking=True)
    period = world.period_a
    async with browser_for(world.coordinator_a) as c:
        page = await c.get(f"/oversikt/perioder/{period.id}")
        assert page.status_code == 200
        text = main_text(page.text)
        assert "3 utan plats" in text and "Skyddad identitet" in text
        token = await token_of(c, f"/oversikt/perioder/{period.id}")
        placed = await c.post(
            f"/oversikt/perioder/{period.id}/placera",
            data={"pupil_id": world.pupil_a.id, "slot_id": world.slot.id, "csrf_token": token},
        )
        assert placed.status_code == 303
        assert await Booking.filter(pupil_id=world.pupil_a.id).count() == 1
        full = await factories.slot(world.employer, capacity=1, taken=1)
        refused = await c.post(
            f"/oversikt/perioder/{period.id}/placera",
            data={"pupil_id": world.pupil_a2.id, "slot_id": full.id, "csrf_token": token},
        )
        assert refused.status_code == 409
        assert "fullbokad" in main_text(refused.text)
        assert await Booking.filter(pupil_id=world.pupil_a2.id).count() == 0
        confirm = await c.get(f"/oversikt/perioder/{period.id}/paminn")
        assert "Skicka påminnelsen" in confirm.text
        sent = await c.post(f"/oversikt/perioder/{period.id}/paminn", data={"csrf_token": token})
        assert sent.status_code == 303
        assert await OutboxMessage.filter(kind="unplaced_reminder").count() == 0  # no addresses
        csv_file = await c.get(f"/oversikt/perioder/{period.id}/placeringar.csv")
        assert csv_file.status_code == 200
        assert csv_file.content.startswith(b"\xef\xbb\xbf")
        assert "Alva" in csv_file.text and secret.first_name not in csv_file.text
        assert "attachment" in csv_file.headers["content-disposition"]
        xlsx = await c.get(f"/oversikt/perioder/{period.id}/placeringar.xlsx?klass=8A")
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]]
        assert "Alva" in names and "Hemlig" not in names
    async with browser_for(world.coordinator_b) as other:
        assert (
            await other.get(f"/oversikt/perioder/{period.id}/placeringar.csv")
        ).status_code == 404


async def test_pupil_wishes_pages(world: World, browser_for) -> None:
    period = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, max_wishes=2)
    second = await factories.slot(world.employer, title="Kock")
    async with browser_for(world.pupil_a_user) as c:
        slot_page = await c.get(f"/platser/{world.slot.id}")
        assert "Lägg till som önskemål" in slot_page.text
        token = await token_of(c, "/onskemal")
        for slot in (world.slot, second):
            added = await c.post(
                f"/onskemal/{slot.id}/lagg-till",
                data={"csrf_token": token, "period_id": period.id},
            )
            assert added.status_code == 303
        page = await c.get("/onskemal")
        assert main_text(page.text).index("Bagare") < main_text(page.text).index("Kock")
        moved = await c.post(
            f"/onskemal/{second.id}/upp",
            data={"csrf_token": token, "period_id": period.id},
            headers={"HX-Request": "true"},
        )
        assert moved.status_code == 200 and "<html" not in moved.text
        assert moved.text.index("Kock") < moved.text.index("Bagare")
        third = await factories.slot(world.employer, title="Frisör")
        too_many = await c.post(
            f"/onskemal/{third.id}/lagg-till", data={"csrf_token": token, "period_id": period.id}
        )
        assert too_many.status_code == 422 and "önskemål" in main_text(too_many.text)
        removed = await c.post(
            f"/onskemal/{world.slot.id}/ta-bort", data={"csrf_token": token, "period_id": period.id}
        )
        assert removed.status_code == 303
        assert await Wish.filter(pupil_id=world.pupil_a.id).values_list("rank", "slot_id") == [
            (1, second.id)
        ]


async def test_reminding_the_unplaced_twice_a_day_mails_once(world: World, browser_for) -> None:
    path = f"/oversikt/perioder/{world.period_a.id}/paminn"
    async with browser_for(world.coordinator_a) as c:
        token = await token_of(c, path)
        assert (await c.post(path, data={"csrf_token": token})).status_code == 303
        again = await c.post(path, data={"csrf_token": token})
        assert again.status_code == 429
        assert "redan fått en påminnelse i dag" in main_text(again.text)
    assert await OutboxMessage.filter(kind="unplaced_reminder").count() == 1  # Alva


async def test_the_preview_shows_each_problem_where_it_is(world: World, browser_for) -> None:
    """A row with three problems counts three, its wrong cells are marked, the reasons are
    listed above the table (off screen in its last column on a phone), and the broken row is
    not counted among the new ones."""
    broken = ";Utan;9A;99;inte-en-adress;;E-3;\r\n"
    async with browser_for(world.coordinator_a) as c:
        token = await token_of(c, "/oversikt/klasslistor")
        sent = await c.post(
            "/oversikt/klasslistor",
            data={"csrf_token": token},
            files={"file": ("lista.csv", (CSV + broken).encode("cp1252"))},
        )
        page = await c.get(sent.headers["location"])
    text = main_text(page.text)
    assert "3 fel måste rättas" in text
    assert "2 nya, 0 ändrade, 0 oförändrade, 1 rad med fel" in text
    listed = re.search(r'<a href="#rad-4">Rad 4[^<]*</a>: ([^<]+)</li>', page.text)
    assert listed is not None and "Förnamn saknas" in listed.group(1), page.text
    row = re.search(r'<tr id="rad-4" class="has-problem">(.*?)</tr>', page.text, re.S)
    assert row is not None
    marked = re.findall(
        r'class="cell-problem">(?:<span class="visually-hidden">Fel: </span>)?([^<]*)<',
        row.group(1),
    )
    assert "99" in marked and "inte-en-adress" in marked
    assert '<tr id="rad-2">' in page.text  # a good row is not marked


async def test_the_pupil_to_place_is_found_by_search(world: World, browser_for) -> None:
    period = world.period_a
    path = f"/oversikt/perioder/{period.id}"
    async with browser_for(world.coordinator_a) as c:
        page = await c.get(path)
        assert 'id="pupil_id"' not in page.text  # no dropdown of every pupil
        assert 'name="sok"' in page.text
        found = await c.get(path, params={"sok": "alva"})
        matches = re.findall(
            r'href="(/oversikt/perioder/\d+\?elev=\d+#placera)">([^<]+)</a>', found.text
        )
        assert [name for _, name in matches if "Alva" in name], matches
        assert all("Alva" in name or "alva" in name.lower() for _, name in matches[:1])
        # As she types, only the suggestions come back.
        typed = await c.get(
            path, params={"sok": "alva"}, headers={"HX-Request": "true", "HX-Target": "elevforslag"}
        )
        assert typed.status_code == 200 and "<html" not in typed.text
        assert typed.text.lstrip().startswith('<div id="elevforslag"') and "Alva" in typed.text
        nobody = await c.get(path, params={"sok": "zzzz"})
        assert "Ingen elev heter eller går i ”zzzz”" in main_text(nobody.text)
        chosen = await c.get(matches[0][0].split("#")[0])
        assert re.search(r'<input type="hidden" name="pupil_id" value="\d+">', chosen.text)
        assert "Placera Alva" in main_text(chosen.text) or "Flytta Alva" in main_text(chosen.text)
    async with browser_for(world.coordinator_b) as other:
        assert (await other.get(path, params={"sok": "alva"})).status_code == 404
