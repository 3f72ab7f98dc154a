"""URLs of the employer's pages, self-found placements and the confirm link."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from web.errors import View, not_cached, with_error_pages
from web.views import employer, employer_signup, self_found

SLOT = "/arbetsgivare/platser/{slot_id:int}"
BOOKING = "/arbetsgivare/bokningar/{booking_id:int}"


def _route(method: str, path: str, view: View) -> Route:
    return Route(path, with_error_pages(view), methods=[method])


def _link(method: str, path: str, view: View) -> Route:
    """A page behind a one-time link: never cached."""
    return Route(path, not_cached(with_error_pages(view)), methods=[method])


def employer_routes() -> list[BaseRoute]:
    return [
        _route("GET", "/arbetsgivare/registrera", employer_signup.signup_form),
        _route("POST", "/arbetsgivare/registrera", employer_signup.signup),
        _route("GET", "/arbetsgivare/platser/ny", employer.new_slot_form),
        _route("POST", "/arbetsgivare/platser/ny", employer.create_slot),
        _route("GET", SLOT, employer.slot_page),
        _route("GET", f"{SLOT}/andra", employer.edit_slot_form),
        _route("POST", f"{SLOT}/andra", employer.update_slot),
        _route("POST", f"{SLOT}/publicera", employer.publish),
        _route("GET", f"{SLOT}/stang", employer.close_page),
        _route("POST", f"{SLOT}/stang", employer.close),
        _route("POST", f"{SLOT}/kopiera", employer.copy),
        _route("POST", f"{BOOKING}/godkann", employer.approve),
        _route("GET", f"{BOOKING}/neka", employer.decline_page),
        _route("POST", f"{BOOKING}/neka", employer.decline),
        _route("GET", "/arbetsgivare/kollegor", employer.invite_page),
        _route("POST", "/arbetsgivare/kollegor", employer.invite),
        _route("GET", "/mina-bokningar/egen-plats", self_found.form_page),
        _route("POST", "/mina-bokningar/egen-plats", self_found.register),
        _link("GET", "/bekrafta/{token}", self_found.confirm_page),
        _link("POST", "/bekrafta/{token}", self_found.answer),
    ]
