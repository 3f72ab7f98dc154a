"""Who may open a page, and CSRF-checked form posts: the preamble every view shares, as
decorators. A view says who it is for; the domain's own check (`may`) decides who that is."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from web.access import current_actor, redirect, sign_in_first, start_path
from web.errors import View, csrf_refused, error_page
from web.forms import MAX_FIELDS, checked_form

Check = Callable[[Actor], bool]
Refusal = Callable[[Request, Actor], Response]
ActorView = Callable[[Request, Actor], Awaitable[Response]]
FormView = Callable[[Request, Actor, FormData], Awaitable[Response]]
PublicFormView = Callable[[Request, FormData], Awaitable[Response]]


def forbidden(request: Request, actor: Actor) -> Response:
    """403: she is signed in, but the page is not for her."""
    return error_page(request, 403, None, actor)


def to_start(request: Request, actor: Actor) -> Response:
    """Her own start page: a page for someone else that she need not be told about."""
    return redirect(start_path(actor.role))


def is_pupil(actor: Actor) -> bool:
    return actor.is_pupil


def _refusal(
    request: Request, actor: Actor, may: Check | None, refused: Refusal
) -> Response | None:
    if actor.is_anonymous:
        return sign_in_first(request)
    if may is not None and not may(actor):
        return refused(request, actor)
    return None


def any_visitor(view: ActorView) -> View:
    """A page for everyone, signed in or not; it may still show each of them something else."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        return await view(request, await current_actor(request))

    return endpoint


def signed_out(view: ActorView) -> View:
    """A page for people not signed in (the front page, signing in, signing up): whoever is
    signed in goes to her own start page instead."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        actor = await current_actor(request)
        if not actor.is_anonymous:
            return to_start(request, actor)
        return await view(request, actor)

    return endpoint


def signed_in(
    may: Check | None = None, refused: Refusal = forbidden
) -> Callable[[ActorView], View]:
    """A page for signed-in people (those `may` lets in); anonymous visitors go to sign in."""

    def decorate(view: ActorView) -> View:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            actor = await current_actor(request)
            if (refusal := _refusal(request, actor, may, refused)) is not None:
                return refusal
            return await view(request, actor)

        return endpoint

    return decorate


def form_post(
    may: Check | None = None,
    refused: Refusal = forbidden,
    *,
    anyone: bool = False,
    max_fields: int = MAX_FIELDS,
    max_files: int = 0,
) -> Callable[[FormView], View]:
    """A form post, its CSRF token checked first: a stale or forged form changes nothing and
    says so, whoever sent it. Then as `signed_in`, unless `anyone` may post it."""

    def decorate(view: FormView) -> View:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            actor = await current_actor(request)
            form = await checked_form(request, max_fields, max_files)
            if form is None:
                return csrf_refused(request, actor)
            if not anyone and (refusal := _refusal(request, actor, may, refused)) is not None:
                return refusal
            return await view(request, actor, form)

        return endpoint

    return decorate


def public_form_post(max_fields: int = MAX_FIELDS) -> Callable[[PublicFormView], View]:
    """A form for people without an account (signing in, signing up, a workplace's answer):
    CSRF-checked, and its pages show no one as signed in."""

    def decorate(view: PublicFormView) -> View:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            form = await checked_form(request, max_fields)
            if form is None:
                return csrf_refused(request, None)
            return await view(request, form)

        return endpoint

    return decorate
