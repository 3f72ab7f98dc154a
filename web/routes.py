"""The web adapter's URL map. Swedish addresses, as a pupil would type or read them."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from prao.config import Settings
from web.coordinator_routes import coordinator_routes
from web.employer_routes import employer_routes
from web.errors import View, not_cached, with_error_pages
from web.views import (
    admin,
    admin_employers,
    admin_users,
    allocation,
    api_docs,
    bookings,
    card,
    catalogue,
    demo,
    signin,
    start,
)


def get(path: str, view: View) -> Route:
    return Route(path, with_error_pages(view), methods=["GET"])


def post(path: str, view: View) -> Route:
    return Route(path, with_error_pages(view), methods=["POST"])


def link(view: View) -> View:
    """A page behind a one-time link."""
    return not_cached(with_error_pages(view))


def routes(settings: Settings) -> list[BaseRoute]:
    table: list[BaseRoute] = [
        get("/", start.home),
        get("/oversikt", start.overview),
        get("/logga-in", signin.sign_in_form),
        post("/logga-in", signin.send_link),
        Route("/logga-in/{token}", link(signin.link_page), methods=["GET"]),
        Route("/logga-in/{token}", link(signin.redeem_link), methods=["POST"]),
        post("/logga-ut", signin.sign_out_view),
        get("/platser", catalogue.catalogue),
        get("/platser/{slot_id:int}", catalogue.slot_page),
        post("/platser/{slot_id:int}/boka", bookings.book),
        get("/mina-bokningar", bookings.my_bookings),
        get("/bokningar/{booking_id:int}/avboka", bookings.cancel_page),
        post("/bokningar/{booking_id:int}/avboka", bookings.cancel),
        get("/bokningar/{booking_id:int}/kort", card.card_page),
        get("/bokningar/{booking_id:int}/kalender.ics", card.calendar_file),
        get("/api", api_docs.api_page),
    ]
    table += employer_routes()
    table += coordinator_routes()
    table += allocation.routes()
    table += admin_users.routes()
    table += [
        get(admin.TOKENS, admin.tokens_page),
        post(admin.TOKENS, admin.create_token),
        get(f"{admin.TOKENS}/{{token_id:int}}/aterkalla", admin.revoke_page),
        post(f"{admin.TOKENS}/{{token_id:int}}/aterkalla", admin.revoke),
        get(admin.LOG, admin.log_page),
        get(f"{admin.LOG}.csv", admin.log_csv),
        get(admin_employers.EMPLOYERS, admin_employers.employers_page),
        post(f"{admin_employers.EMPLOYERS}/{{employer_id:int}}/godkann", admin_employers.approve),
        get(f"{admin_employers.EMPLOYERS}/{{employer_id:int}}/neka", admin_employers.decline_page),
        post(f"{admin_employers.EMPLOYERS}/{{employer_id:int}}/neka", admin_employers.decline),
    ]
    if settings.demo:
        table += [
            get("/demo", demo.demo_page),
            post("/demo/{user_id:int}", demo.demo_sign_in),
            get("/utkorg", demo.outbox_page),
        ]
    return table
