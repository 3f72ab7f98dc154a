"""Sign-in by e-mailed link, and signing out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.auth import actor_for_user, redeem_sign_in_token, request_sign_in_link
from prao.models import Role
from prao.services.wishes import allocation_period
from web.access import client_address, redirect, start_path
from web.forms import email_error, text_field
from web.guards import form_post, public_form_post, signed_out
from web.session import sign_in, sign_out
from web.templating import render, set_flash

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import User


@signed_out
async def sign_in_form(request: Request, actor: Actor) -> Response:
    return _form_page(request, email="", error=None, status=200)


def _form_page(request: Request, email: str, error: str | None, status: int) -> Response:
    context = {"title": "Logga in", "nav": "logga-in", "email": email, "error": error}
    return render(request, "sign_in.html", context, actor=None, status=status)


@public_form_post()
async def send_link(request: Request, form: FormData) -> Response:
    email = text_field(form, "email")
    error = email_error(email)
    if error:
        return _form_page(request, email=email, error=error, status=422)
    # The same answer whether or not the address is known: no one learns who has an account.
    refused = await request_sign_in_link(
        email, request.app.state.settings, caller=client_address(request)
    )
    if refused is not None:
        return _form_page(request, email=email, error=refused.message, status=429)
    context = {"title": "Kolla din e-post", "nav": "logga-in", "email": email}
    return render(request, "sign_in_sent.html", context, actor=None)


async def link_page(request: Request) -> Response:
    """Only shows a button: mail scanners fetch links, and must not use up the single-use link."""
    context = {"title": "Logga in", "nav": "logga-in", "token": request.path_params["token"]}
    return render(request, "sign_in_link.html", context, actor=None)


@public_form_post()
async def redeem_link(request: Request, form: FormData) -> Response:
    user = await redeem_sign_in_token(request.path_params["token"])
    if user is None:
        context = {"title": "Länken fungerar inte", "nav": "logga-in", "email": "", "error": None}
        return render(request, "sign_in_failed.html", context, actor=None, status=400)
    return await signed_in(request, user)


async def signed_in(request: Request, user: User) -> Response:
    ranks = user.role is Role.PUPIL and (
        await allocation_period(await actor_for_user(user)) is not None
    )
    sign_in(request, user.id, user.session_version, ranks_wishes=ranks)
    set_flash(request, f"Välkommen, {user.name or user.email}! Du är inloggad.")
    return redirect(start_path(user.role))


@form_post(anyone=True)  # signed out already is fine: the answer is the same
async def sign_out_view(request: Request, actor: Actor, form: FormData) -> Response:
    await sign_out(request)
    set_flash(request, "Du är utloggad på alla enheter.")
    return redirect("/")
