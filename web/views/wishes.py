"""The pupil's "Mina önskemål": ranked wishes with move up/down and remove; plain forms, and
htmx swaps just the list on top."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, Outcome
from prao.services import wishes
from web.access import redirect
from web.errors import status_for
from web.forms import text_field
from web.guards import form_post, is_pupil, signed_in, to_start
from web.session import remember_ranks_wishes
from web.templating import is_htmx, render, set_flash

PAGE = "/onskemal"
Change = Callable[[Actor, int, int], Awaitable[Outcome[wishes.WishList]]]


async def _page(
    request: Request,
    actor: Actor,
    error: DomainError | None = None,
    moved: tuple[int, str] | None = None,
) -> Response:
    """The page, or with htmx its list; `moved` is the wish just moved (its slot and "upp" or
    "ner"): its button keeps the focus and a live region says where it went."""
    found = await wishes.my_wishes(actor)
    remember_ranks_wishes(request, found.value is not None)  # a period may have opened since
    context = {
        "title": "Mina önskemål",
        "nav": "onskemal",
        "personal": True,
        "wish_list": found.value,
        "missing": found.errors[0] if found.errors else None,
        "error": error,
        "moved": moved,
        "announcement": _where_it_went(found.value, moved) if moved else "",
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


def _where_it_went(wish_list: wishes.WishList | None, moved: tuple[int, str]) -> str:
    found = wish_list.wishes if wish_list is not None else []
    for wish in found:
        if wish.slot_id == moved[0]:
            return f"{wish.slot.title} är nu önskemål {wish.rank} av {len(found)}."
    return ""


@signed_in(is_pupil, to_start)
async def wishes_page(request: Request, actor: Actor) -> Response:
    return await _page(request, actor)


async def _change(
    request: Request,
    actor: Actor,
    form: FormData,
    change: Change,
    done: str,
    direction: str | None = None,
) -> Response:
    period_id = text_field(form, "period_id")
    chosen = await wishes.allocation_period(actor)
    if period_id.isdigit() and len(period_id) < 10:
        target = int(period_id)
    else:
        target = chosen.id if chosen else 0
    outcome = await change(actor, target, request.path_params["slot_id"])
    if not outcome.ok:
        return await _page(request, actor, outcome.errors[0])
    moved = None if direction is None else (int(request.path_params["slot_id"]), direction)
    if is_htmx(request):
        return await _page(request, actor, moved=moved)
    if moved is not None:
        done = _where_it_went(outcome.value, moved) or done
    set_flash(request, done)
    return redirect(PAGE)


@form_post()
async def add(request: Request, actor: Actor, form: FormData) -> Response:
    done = "Platsen är tillagd bland dina önskemål."
    return await _change(request, actor, form, wishes.add_wish, done)


@form_post()
async def remove(request: Request, actor: Actor, form: FormData) -> Response:
    return await _change(request, actor, form, wishes.remove_wish, "Önskemålet är borttaget.")


async def _up(actor: Actor, period_id: int, slot_id: int) -> Outcome[wishes.WishList]:
    return await wishes.move_wish(actor, period_id, slot_id, up=True)


async def _down(actor: Actor, period_id: int, slot_id: int) -> Outcome[wishes.WishList]:
    return await wishes.move_wish(actor, period_id, slot_id, up=False)


@form_post()
async def move_up(request: Request, actor: Actor, form: FormData) -> Response:
    return await _change(request, actor, form, _up, "Önskemålet är flyttat upp.", "upp")


@form_post()
async def move_down(request: Request, actor: Actor, form: FormData) -> Response:
    return await _change(request, actor, form, _down, "Önskemålet är flyttat ner.", "ner")
