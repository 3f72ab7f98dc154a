"""Demo mode only: one-click sign-in as demo people, and the outbox of would-be e-mails."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.demo_directory import demo_directory, demo_outbox, demo_people, ended_people
from prao.models import Role
from web.errors import error_page
from web.guards import any_visitor, form_post
from web.templating import render
from web.views import signin

# A page of messages, folded: a demo's outbox holds hundreds, and a phone shows few at a time.
OUTBOX_PAGE = 20
MAX_FILTER = 200

# Most visitors want to try what a pupil sees, so pupils come first.
GROUPS = [
    (Role.PUPIL, "Elever"),
    (Role.COORDINATOR, "SYV på skolorna"),
    (Role.EMPLOYER, "Arbetsplatser"),
    (Role.ADMIN, "Huvudmannen"),
]


@any_visitor
async def demo_page(request: Request, actor: Actor) -> Response:
    people = await demo_directory()
    groups = [
        (heading, [(u, where) for u, where in people if u.role == role]) for role, heading in GROUPS
    ]
    groups.append(("Efter praon", await ended_people()))
    context = {
        "title": "Demo",
        "nav": "demo",
        "groups": [(heading, members) for heading, members in groups if members],
        "personal": True,
    }
    return render(request, "demo.html", context, actor=actor)


@form_post(anyone=True)  # trying someone else on is what the page is for
async def demo_sign_in(request: Request, actor: Actor, form: FormData) -> Response:
    user_id = request.path_params["user_id"]
    people = [*await demo_people(), *(u for u, _ in await ended_people())]
    user = next((u for u in people if u.id == user_id), None)
    if user is None:
        return error_page(request, 404, "Det finns ingen sådan demoperson.", None)
    return await signin.signed_in(request, user)


@any_visitor
async def outbox_page(request: Request, actor: Actor) -> Response:
    to = request.query_params.get("till", "").strip()[:MAX_FILTER]
    raw = request.query_params.get("fore", "")
    before = int(raw) if raw.isdigit() and len(raw) < 10 else None
    found = await demo_outbox(OUTBOX_PAGE + 1, to, before)
    messages = found[:OUTBOX_PAGE]
    context = {
        "title": "Utkorg",
        "nav": "utkorg",
        "messages": messages,
        "to": to,
        "older": messages[-1].id if len(found) > OUTBOX_PAGE else None,
        "first_page": before is None,
        "personal": True,
    }
    return render(request, "outbox.html", context, actor=actor)
