"""The organiser admin's pages: API keys (create, secret once, revoke with confirmation) and the
audit log with its CSV export; everyone else is refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from prao import clock
from prao.auth import TokenRefusal, authenticate_bearer, hash_secret
from prao.models import ApiToken, AuditEvent
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World

TOKENS = "/admin/api-nycklar"
LOG = "/admin/logg"
SECRET_RE = re.compile(r"prao_[A-Za-z0-9_-]{20,}")


async def test_admin_creates_a_token_and_sees_the_secret_once(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.admin) as admin:
        start = await admin.get("/oversikt")
        assert f'href="{TOKENS}"' in start.text and f'href="{LOG}"' in start.text
        page = await admin.get(TOKENS)
        assert page.status_code == 200
        assert "Det finns inga API-nycklar än." in main_text(page.text)
        default_day = (clock.today() + timedelta(days=365)).isoformat()
        assert f'value="{default_day}"' in page.text

        csrf = await token_of(admin, TOKENS)
        form = {
            "csrf_token": csrf,
            "name": "Skoladministrationen",
            "scope": str(world.school_a.id),
            "permissions": ["read", "write"],
            "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
        }
        made = await admin.post(TOKENS, data=form)
        assert made.status_code == 201, made.text
        assert made.headers["cache-control"] == "no-store"
        secrets_shown = SECRET_RE.findall(made.text)
        assert len(set(secrets_shown)) == 1
        secret = secrets_shown[0]
        assert "Kopiera nyckeln nu" in main_text(made.text)

        stored = await ApiToken.get(name="Skoladministrationen")
        assert stored.token_hash == hash_secret(secret)
        assert (stored.school_id, stored.permissions) == (world.school_a.id, "read,write")
        assert stored.created_by == f"user:{world.admin.id}"

        listing = await admin.get(TOKENS)
        text = main_text(listing.text)
        assert "Skoladministrationen" in text and "Skola A" in text and "Läsa, Ändra" in text
        assert secret not in listing.text and stored.token_hash not in listing.text

        refused = await admin.post(
            TOKENS, data={**form, "name": "", "permissions": [], "expires_on": "2001-01-01"}
        )
        assert refused.status_code == 422
        errors = main_text(refused.text)
        assert "Ge nyckeln ett namn." in errors and "Välj minst en behörighet." in errors
        assert "Slutdatumet måste vara efter i dag." in errors
        assert await ApiToken.all().count() == 1

        forged = await admin.post(TOKENS, data={**form, "csrf_token": "fel"})
        assert forged.status_code == 403
        other_school = await admin.post(TOKENS, data={**form, "scope": str(world.school_x.id)})
        assert other_school.status_code == 422 and "Skolan finns inte." in other_school.text
        assert await ApiToken.all().count() == 1


async def test_revoke_asks_first_then_revokes(world: World, browser_for: ClientFactory) -> None:
    async with browser_for(world.admin) as admin:
        csrf = await token_of(admin, TOKENS)
        await admin.post(
            TOKENS,
            data={"csrf_token": csrf, "name": "Gammal", "scope": "", "permissions": ["read"]},
        )
        token = await ApiToken.get(name="Gammal")
        assert token.organiser_id == world.organiser.id
        confirm_path = f"{TOKENS}/{token.id}/aterkalla"
        listing = await admin.get(TOKENS)
        assert f'href="{confirm_path}"' in listing.text

        confirm = await admin.get(confirm_path)
        assert confirm.status_code == 200
        assert main_text(confirm.text).startswith("← API-nycklar Återkalla Gammal?")
        assert (await ApiToken.get(id=token.id)).revoked_at is None  # asking changes nothing

        done = await admin.post(confirm_path, data={"csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"] == TOKENS
        assert (await ApiToken.get(id=token.id)).revoked_at is not None
        after = await admin.get(TOKENS)
        assert "API-nyckeln Gammal är återkallad." in after.text and "Återkallad" in after.text
        again = await admin.post(confirm_path, data={"csrf_token": csrf})
        assert again.status_code == 303
        assert await AuditEvent.filter(action="revoke", object_type="api_token").count() == 1

        missing = await admin.get(f"{TOKENS}/999999/aterkalla")
        assert missing.status_code == 404


async def test_others_are_refused_and_anonymous_sent_to_sign_in(
    world: World, browser_for: ClientFactory
) -> None:
    paths = [TOKENS, LOG, f"{LOG}.csv", f"{TOKENS}/1/aterkalla"]
    async with browser_for(None) as anonymous:
        for path in paths:
            response = await anonymous.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/logga-in"
    for user in (world.coordinator_a, world.pupil_a_user, world.employer_user):
        async with browser_for(user) as person:
            start = await person.get("/", follow_redirects=True)
            assert f'href="{TOKENS}"' not in start.text
            for path in paths:
                response = await person.get(path)
                assert response.status_code == 403, (user.role, path)
                assert "Du har inte tillgång till sidan" in response.text
            csrf = await token_of(person)
            posted = await person.post(
                TOKENS, data={"csrf_token": csrf, "name": "X", "permissions": ["read"]}
            )
            assert posted.status_code == 403
    assert await ApiToken.all().count() == 0


async def test_log_lists_events_and_exports_only_this_organiser(
    world: World, browser_for: ClientFactory
) -> None:
    await AuditEvent.create(
        actor="user:0", organiser_id=world.other_organiser.id, action="read", object_type="pupil"
    )
    await AuditEvent.create(
        actor=f"user:{world.coordinator_a.id}",
        organiser_id=world.organiser.id,
        action="read",
        object_type="pupil",
        object_count=12,
        detail={"view": "=HYPERLINK()"},
    )
    async with browser_for(world.admin) as admin:
        csrf = await token_of(admin, TOKENS)
        await admin.post(
            TOKENS, data={"csrf_token": csrf, "name": "Lager", "permissions": ["read"]}
        )
        page = await admin.get(LOG)
        assert page.status_code == 200
        text = main_text(page.text)
        assert "Skapade API-nyckel" in text and world.admin.name in text
        assert "Läste elever 12" in text and world.coordinator_a.name in text
        filtered = await admin.get(LOG, params={"handelse": "create"})
        assert "Läste elever" not in main_text(filtered.text)
        bad_date = await admin.get(LOG, params={"fran": "igår"})
        assert bad_date.status_code == 200 and "ÅÅÅÅ-MM-DD" in bad_date.text

        exported = await admin.get(f"{LOG}.csv")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert "attachment" in exported.headers["content-disposition"]
        assert exported.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == ["Tid", "Vem", "Vad", "Objekt", "Antal", "Detaljer"]
        assert [(r[2], r[3], r[4]) for r in rows[1:]] == [
            ("Skapade", "API-nyckel", "1"),
            ("Läste", "elever", "12"),
        ]
        assert rows[2][1].startswith(world.coordinator_a.name)
        assert rows[2][5] == '{"view": "=HYPERLINK()"}'
        assert "user:0" not in exported.text

        only_reads = await admin.get(f"{LOG}.csv", params={"handelse": "read"})
        assert len(list(csv.reader(io.StringIO(only_reads.text), delimiter=";"))) == 2

    exports = await AuditEvent.filter(action="export", object_type="audit_event").order_by("id")
    assert [(e.organiser_id, e.object_count) for e in exports] == [
        (world.organiser.id, 2),
        (world.organiser.id, 1),
    ]


async def test_a_token_created_on_the_page_works_until_revoked(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.admin) as admin:
        csrf = await token_of(admin, TOKENS)
        made = await admin.post(
            TOKENS, data={"csrf_token": csrf, "name": "Prov", "permissions": ["read"]}
        )
        secret = SECRET_RE.findall(made.text)[0]
        actor = await authenticate_bearer(secret)
        assert not isinstance(actor, TokenRefusal) and actor.organiser_id == world.organiser.id
        token = await ApiToken.get(name="Prov")
        await admin.post(f"{TOKENS}/{token.id}/aterkalla", data={"csrf_token": csrf})
        assert await authenticate_bearer(secret) == TokenRefusal("revoked")
