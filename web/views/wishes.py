"""The pupil's "Mina önskemål": ranked wishes with move up/down and remove; plain forms, and
htmx swaps just the list on top."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, Outcome
from prao.services import wishes
from web.access import current_actor, redirect, sign_in_first, start_path
from web.errors import csrf_refused, status_for
from web.forms import checked_form, text_field
from web.templating import is_htmx, render, set_flash

PAGE = "/onskemal"
Change = Callable[[Actor, int, int], Awaitable[Outcome[wishes.WishList]]]


async def _page(request: Request, actor: Actor, error: DomainError | None = None) -> Response:
    found = await wishes.my_wishes(actor)
    context = {
        "title": "Mina önskemål",
        "nav": "onskemal",
        "personal": True,
        "wish_list": found.value,
        "missing": found.errors[0] if found.errors else None,
        "error": error,
    }
    status = status_for(error) if error else 200
    block = "wish_list" if is_htmx(request) and found.value is not None else None
    return render(
        request,
        "wishes.html",
        context,
        actor=actor,
        status=status,
        block=block,
        headers={"vary": "HX-Request"},
    )


async def wishes_page(request: Request) -> Response:
    actor = await current_actor(request)
    if actor.is_anonymous:
        return sign_in_first(request)
    if not actor.is_pupil:
        return redirect(start_path(actor.role))
    return await _page(request, actor)


async def _change(request: Request, change: Change, done: str) -> Response:
    actor = await current_actor(request)
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, actor)
    if actor.is_anonymous:
        return sign_in_first(request)
    period_id = text_field(form, "period_id")
    chosen = await wishes.allocation_period(actor)
    if period_id.isdigit() and len(period_id) < 10:
        target = int(period_id)
    else:
        target = chosen.id if chosen else 0
    outcome = await change(actor, target, request.path_params["slot_id"])
    if not outcome.ok:
        return await _page(request, actor, outcome.errors[0])
    if is_htmx(request):
        return await _page(request, actor)
    set_flash(request, done)
    return redirect(PAGE)


async def add(request: Request) -> Response:
    return await _change(request, wishes.add_wish, "Platsen är tillagd bland dina önskemål.")


async def remove(request: Request) -> Response:
    return await _change(request, wishes.remove_wish, "Önskemålet är borttaget.")


async def move_up(request: Request) -> Response:
    async def up(actor: Actor, period_id: int, slot_id: int) -> Outcome[wishes.WishList]:
        return await wishes.move_wish(actor, period_id, slot_id, up=True)

    return await _change(request, up, "Önskemålet är flyttat upp.")


async def move_down(request: Request) -> Response:
    async def down(actor: Actor, period_id: int, slot_id: int) -> Outcome[wishes.WishList]:
        return await wishes.move_wish(actor, period_id, slot_id, up=False)

    return await _change(request, down, "Önskemålet är flyttat ner.")
