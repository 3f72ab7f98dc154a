"""The organiser admin's accounts page: list her organiser's people, deactivate an account or
sign it out everywhere (each after a confirmation page). Rules live in prao.services.accounts."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import Outcome
from prao.services import accounts
from web.access import current_actor, redirect
from web.errors import View, error_page, status_for
from web.formatting import role_name
from web.guards import form_post, signed_in
from web.templating import render, set_flash

USERS = "/admin/anvandare"
Action = Callable[[Actor, int], Awaitable[Outcome[accounts.Account]]]

# What each action is called on its confirmation page and in the notice afterwards.
ACTIONS: dict[str, tuple[Action, str, str, str]] = {
    "inaktivera": (
        accounts.deactivate,
        "Inaktivera {name}?",
        "Kontot kan inte längre logga in, och alla dess inloggningar avslutas direkt på alla "
        "enheter.",
        "{name} är inaktiverad och utloggad på alla enheter.",
    ),
    "logga-ut": (
        accounts.sign_out_everywhere,
        "Logga ut {name} överallt?",
        "Alla inloggningar för kontot avslutas direkt på alla enheter. Personen kan logga in "
        "igen med en ny inloggningslänk.",
        "{name} är utloggad på alla enheter.",
    ),
}


def _name(account: accounts.Account) -> str:
    return account.user.name or account.user.email


def known_action(view: View) -> View:
    """An address naming no action is no page: 404 before anything else."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        if request.path_params["action"] not in ACTIONS:
            return error_page(request, 404, None, await current_actor(request))
        return await view(request)

    return endpoint


@signed_in()
async def users_page(request: Request, actor: Actor) -> Response:
    listed = await accounts.accounts(actor)
    if listed.value is None:
        return error_page(request, status_for(listed.errors[0]), listed.errors[0].message, actor)
    context = {
        "title": "Användare",
        "nav": "oversikt",
        "wide": True,
        "personal": True,
        "accounts": listed.value,
        "role_name": role_name,
    }
    return render(request, "admin_users.html", context, actor=actor)


@known_action
@signed_in()
async def confirm_page(request: Request, actor: Actor) -> Response:
    _, title, explanation, _ = ACTIONS[request.path_params["action"]]
    found = await accounts.account(actor, request.path_params["user_id"])
    if found.value is None:
        return error_page(request, status_for(found.errors[0]), found.errors[0].message, actor)
    context = {
        "title": title.format(name=_name(found.value)),
        "nav": "oversikt",
        "personal": True,
        "account": found.value,
        "explanation": explanation,
        "action": request.path_params["action"],
        "role_name": role_name,
    }
    return render(request, "admin_user_confirm.html", context, actor=actor)


@known_action
@form_post()
async def act(request: Request, actor: Actor, form: FormData) -> Response:
    action, _, _, done = ACTIONS[request.path_params["action"]]
    outcome = await action(actor, request.path_params["user_id"])
    if outcome.value is None:
        return error_page(request, status_for(outcome.errors[0]), outcome.errors[0].message, actor)
    if outcome.value.user.id == actor.user_id:  # she signed herself out everywhere
        request.session.clear()
        set_flash(request, "Du är utloggad på alla enheter.")
        return redirect("/")
    set_flash(request, done.format(name=_name(outcome.value)))
    return redirect(USERS)
