"""Demo mode: one-click sign-in and the outbox page; neither exists outside demo mode."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from tortoise import Tortoise

from prao.config import Settings
from prao.demo import seed_demo
from prao.demo_directory import demo_people
from prao.models import (
    AllocationRun,
    AssessmentReview,
    AttendanceDay,
    AttendanceStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    Certificate,
    OutboxMessage,
    Period,
    PeriodMode,
    Pupil,
    RiskAssessment,
    Role,
    User,
    Wish,
)
from server.app import create_app
from tests.callers import main_text, token_of
from tests.conftest import make_settings


@pytest.fixture
async def demo_world(db: None) -> list[User]:
    assert await seed_demo(pupils_per_school=4)
    return await demo_people()


async def test_demo_page_lists_people_with_role_and_school(
    client: httpx.AsyncClient, demo_world: list[User]
):
    page = await client.get("/demo")
    assert page.status_code == 200
    text = main_text(page.text)
    pupil = next(u for u in demo_world if u.role == Role.PUPIL)
    for user in demo_world:
        assert f"Logga in som {user.name}" in text
    assert "Elev · Håstensskolan, klass 8A · bokar själv, först till kvarn" in text
    assert "Elev · Håstensskolan, klass 9A · önskar platser, SYV fördelar" in text
    assert "SYV · Håstensskolan" in text
    assert "Administratör · Varbergs kommun" in text
    assert f'action="/demo/{pupil.id}"' in page.text
    assert 'href="/utkorg"' in page.text


async def test_one_click_sign_in_as_a_demo_person(
    client: httpx.AsyncClient, demo_world: list[User]
):
    pupil = next(u for u in demo_world if u.role == Role.PUPIL)
    coordinator = next(u for u in demo_world if u.role == Role.COORDINATOR)
    token = await token_of(client, "/demo")
    done = await client.post(f"/demo/{pupil.id}", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/platser"
    assert f"Välkommen, {pupil.name}!" in (await client.get("/platser")).text
    # Switching person: a new session, so the old token no longer works.
    assert (
        await client.post(f"/demo/{coordinator.id}", data={"csrf_token": token})
    ).status_code == 403
    token = await token_of(client, "/demo")
    done = await client.post(f"/demo/{coordinator.id}", data={"csrf_token": token})
    assert done.headers["location"] == "/oversikt"


ADDRESS = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)|https?://([\w.-]+)")


def reserved(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in ("example.com", "invalid"))


async def test_every_stored_address_is_on_a_reserved_domain(
    demo_world: list[User], settings: Settings
):
    """Every e-mail address and URL anywhere in the demo's rows, whatever the column, except
    links to the service itself (in the demo's would-be e-mails)."""
    ours = urlsplit(settings.base_url).hostname
    hosts: set[str] = set()
    for model in Tortoise.apps["models"].values():
        for row in await model.all().values():
            for value in row.values():
                for found in ADDRESS.finditer(value if isinstance(value, str) else str(value)):
                    hosts.add(found.group(1) or found.group(2))
    assert hosts, "the demo stores addresses"
    assert ours in hosts  # the sign-in and answer links of the demo's e-mails
    assert sorted(h for h in hosts if not reserved(h) and h != ours) == []
    # The columns that hold addresses are all filled (so the walk above saw them).
    assert await User.filter(email__isnull=True).count() == 0


async def test_only_listed_demo_people_and_only_with_csrf(
    client: httpx.AsyncClient, demo_world: list[User]
):
    listed = {u.id for u in demo_world}
    unlisted = await User.filter(role=Role.PUPIL).exclude(id__in=listed).first()
    assert unlisted is not None
    token = await token_of(client, "/demo")
    assert (
        await client.post(f"/demo/{unlisted.id}", data={"csrf_token": token})
    ).status_code == 404
    assert (await client.post(f"/demo/{demo_world[0].id}")).status_code == 403
    assert (await client.get("/mina-bokningar")).headers["location"] == "/logga-in"


async def test_outbox_shows_messages_newest_first_with_working_links(
    client: httpx.AsyncClient, demo_world: list[User]
):
    pupil = next(u for u in demo_world if u.role == Role.PUPIL)
    token = await token_of(client, "/logga-in")
    await client.post("/logga-in", data={"email": "syv1@varberg.example.com", "csrf_token": token})
    await client.post("/logga-in", data={"email": pupil.email, "csrf_token": token})
    page = await client.get("/utkorg")
    assert page.status_code == 200
    text = main_text(page.text)
    assert text.index(pupil.email) < text.index("syv1@varberg.example.com")
    assert "Din inloggningslänk till Prao" in text
    assert "Väntar på att skickas" in text
    links = re.findall(r'<a href="(http://testserver/logga-in/[^"]+)"', page.text)
    assert len(links) == 2
    # A demo visitor can follow the link from the outbox.
    raw = links[0].rsplit("/", 1)[1]
    opened = await client.get(f"/logga-in/{raw}")
    done = await client.post(
        f"/logga-in/{raw}", data={"csrf_token": await token_of(client, f"/logga-in/{raw}")}
    )
    assert opened.status_code == 200 and done.status_code == 303
    assert done.headers["location"] == "/platser"


async def test_outbox_body_is_escaped(client: httpx.AsyncClient, db: None):
    await OutboxMessage.create(
        kind="x", to_address="a@example.se", subject="<b>Hej</b>", body="<script>alert(1)</script>"
    )
    page = await client.get("/utkorg")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text and "&lt;b&gt;Hej&lt;/b&gt;" in page.text


@pytest.fixture
async def live_client(
    settings: Settings, tmp_path: Path, db: None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(settings.database_url, tmp_path, demo=False), manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_no_demo_pages_outside_demo_mode(live_client: httpx.AsyncClient, db: None):
    await seed_demo(pupils_per_school=1)
    someone = await User.filter(role=Role.PUPIL).first()
    assert someone is not None
    token = await token_of(live_client, "/logga-in")
    for path in ("/demo", "/utkorg"):
        page = await live_client.get(path)
        assert page.status_code == 404
        assert "Sidan finns inte" in page.text
    refused = await live_client.post(f"/demo/{someone.id}", data={"csrf_token": token})
    assert refused.status_code == 404
    assert (await live_client.get("/mina-bokningar")).headers["location"] == "/logga-in"
    front = await live_client.get("/")
    assert 'href="/demo"' not in front.text and 'href="/utkorg"' not in front.text


async def test_the_demo_starts_with_a_period_in_full_swing(db: None) -> None:
    """Bookings (some awaiting approval), a self-found placement, wishes with a few places far
    more wanted than others, a trial allocation, a protected pupil; the demo people of year 8
    start without a booking."""
    assert await seed_demo(pupils_per_school=30)
    bookings = await Booking.all()
    assert sum(b.status == BookingStatus.CONFIRMED for b in bookings) >= 10
    assert any(
        b.status == BookingStatus.PENDING and b.origin == BookingOrigin.PUPIL for b in bookings
    )
    assert [b.origin for b in bookings].count(BookingOrigin.SELF_FOUND) == 1
    people = await demo_people()
    year_8 = [u.pupil_id for u in people if u.role == Role.PUPIL]
    assert len(year_8) >= 9 and not any(b.pupil_id in year_8 for b in bookings)
    period = await Period.get(mode=PeriodMode.ALLOCATION)
    wishes = await Wish.filter(period_id=period.id)
    wishing = {w.pupil_id for w in wishes}
    assert 15 <= len(wishing) < 30
    first_wishes = Counter(w.slot_id for w in wishes if w.rank == 1)
    assert first_wishes.most_common(1)[0][1] >= 3  # popular places, as real wishes have
    run = await AllocationRun.get(period_id=period.id)
    assert run.dry_run and run.status == "done"
    assert await Pupil.filter(security_marking=True).exists()
    assert await OutboxMessage.filter(kind="self_found_request").count() == 1
    # Two risk assessments submitted: one approved by the school, one waiting.
    assessed = await RiskAssessment.filter(status="submitted")
    assert len(assessed) == 2
    assert await AssessmentReview.filter(decision="approved").count() == 1


async def test_the_outbox_filters_by_recipient_and_pages(client: httpx.AsyncClient, db: None):
    for n in range(25):
        await OutboxMessage.create(
            kind="x", to_address=f"elev{n}@example.se", subject=f"Meddelande {n}", body="Hej"
        )
    await OutboxMessage.create(kind="x", to_address="syv@example.se", subject="Till SYV", body="")
    page = await client.get("/utkorg")
    assert page.text.count('<li class="card message">') == 20
    assert page.text.count("<details open>") == 1  # the newest, open; the rest folded
    assert "Till SYV" in page.text and "Meddelande 24" in page.text
    assert "Meddelande 5<" not in page.text
    older = re.search(r'href="(/utkorg\?fore=\d+)"', page.text)
    assert older is not None
    second = await client.get(older.group(1).replace("&amp;", "&"))
    assert second.text.count('<li class="card message">') == 6
    assert "Meddelande 5<" in second.text and "Till SYV" not in second.text
    assert "Visa äldre" not in second.text
    one = await client.get("/utkorg", params={"till": "SYV@"})
    assert one.text.count('<li class="card message">') == 1 and "Till SYV" in one.text
    assert "<details open>" in one.text
    none = await client.get("/utkorg", params={"till": "ingen-alls"})
    assert "Inga meddelanden till en adress med ”ingen-alls”" in main_text(none.text)
    odd = await client.get("/utkorg", params={"fore": "x" * 20, "till": "y" * 5000})
    assert odd.status_code == 200


async def test_the_demo_has_a_week_that_has_ended(client: httpx.AsyncClient, db: None) -> None:
    """A placement that has ended with its week confirmed and its certificate signed (the
    pupil downloads it, and its code verifies), and one with a reported absence."""
    assert await seed_demo(pupils_per_school=6)
    signed = await Certificate.get(signed_at__isnull=False, booking_id__isnull=False)
    assert signed.code and signed.days_attended == signed.days_total == 5
    asked = await Certificate.get(signed_at__isnull=True, booking_id__isnull=False)
    assert asked.requested_at is not None
    days = await AttendanceDay.filter(booking_id=asked.booking_id).order_by("day")
    assert [d.status for d in days].count(AttendanceStatus.ABSENT_REPORTED) == 1
    assert all(d.confirmed_at is not None for d in days) and len(days) == 5
    verified = main_text((await client.get(f"/intyg/{signed.code}")).text)
    assert "är äkta" in verified and signed.first_name in verified
    page = await client.get("/demo")
    assert "Efter praon" in page.text and "intyget är signerat" in page.text
    booking = await Booking.get(id=signed.booking_id)
    user = await User.get(pupil_id=booking.pupil_id)
    token = await token_of(client, "/demo")
    assert (await client.post(f"/demo/{user.id}", data={"csrf_token": token})).status_code == 303
    pdf = await client.get(f"/bokningar/{booking.id}/intyg.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
