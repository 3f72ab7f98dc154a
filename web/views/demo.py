"""Demo mode only: one-click sign-in as demo people, and the outbox of would-be e-mails."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from prao.demo import demo_people
from prao.models import Employer, OutboxMessage, Pupil, Role, School, User
from web.access import current_actor
from web.errors import csrf_refused, error_page
from web.forms import checked_form
from web.templating import render
from web.views.signin import signed_in

OUTBOX_LIMIT = 100


async def _where(user: User) -> str:
    """The school, organiser or workplace a demo person belongs to."""
    if user.role == Role.PUPIL and user.pupil_id is not None:
        pupil = await Pupil.get(id=user.pupil_id).select_related("school")
        return f"{pupil.school.name}, klass {pupil.class_name}"
    if user.school_id is not None:
        return (await School.get(id=user.school_id)).name
    if user.employer_id is not None:
        return (await Employer.get(id=user.employer_id)).name
    if user.organiser_id is not None:
        await user.fetch_related("organiser")
        return user.organiser.name if user.organiser else ""
    return ""


# Most visitors want to try what a pupil sees, so pupils come first.
GROUPS = [
    (Role.PUPIL, "Elever"),
    (Role.COORDINATOR, "SYV på skolorna"),
    (Role.EMPLOYER, "Arbetsplatser"),
    (Role.ADMIN, "Huvudmannen"),
]


async def demo_page(request: Request) -> Response:
    actor = await current_actor(request)
    people = [(user, await _where(user)) for user in await demo_people()]
    groups = [
        (heading, [(u, where) for u, where in people if u.role == role]) for role, heading in GROUPS
    ]
    context = {
        "title": "Demo",
        "nav": "demo",
        "groups": [(heading, members) for heading, members in groups if members],
        "personal": True,
    }
    return render(request, "demo.html", context, actor=actor)


async def demo_sign_in(request: Request) -> Response:
    if await checked_form(request) is None:
        return csrf_refused(request, await current_actor(request))
    user_id = request.path_params["user_id"]
    user = next((u for u in await demo_people() if u.id == user_id), None)
    if user is None:
        return error_page(request, 404, "Det finns ingen sådan demoperson.", None)
    return signed_in(request, user)


async def outbox_page(request: Request) -> Response:
    actor = await current_actor(request)
    messages = await OutboxMessage.all().order_by("-created_at", "-id").limit(OUTBOX_LIMIT)
    context = {
        "title": "Utkorg",
        "nav": "utkorg",
        "messages": messages,
        "limit": OUTBOX_LIMIT,
        "personal": True,
    }
    return render(request, "outbox.html", context, actor=actor)
