"""The web adapter's URL map, every page in one table. Swedish addresses, as a pupil would type
or read them."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from prao.config import Settings
from web.errors import View, not_cached, with_error_pages
from web.views import (
    admin,
    admin_consent,
    admin_employers,
    admin_retention,
    admin_users,
    after,
    allocation,
    api_docs,
    bookings,
    card,
    catalogue,
    class_lists,
    colleagues,
    consent,
    coordinator,
    decisions,
    demo,
    employer_signup,
    employer_slots,
    evaluations,
    hosted_no_show,
    periods,
    pupil_erasure,
    risk_assessment,
    self_found,
    signin,
    slot_form,
    start,
    statistics,
    wishes,
)

BOOKING = "/bokningar/{booking_id:int}"
PERIOD = "/oversikt/perioder/{period_id:int}"
IMPORT = "/oversikt/klasslistor/{import_id:int}"
WISH = "/onskemal/{slot_id:int}"
SLOT = "/arbetsgivare/platser/{slot_id:int}"
HOSTED = "/arbetsgivare/bokningar/{booking_id:int}"
RUN = "/fordelning/{run_id:int}"
TOKEN = f"{admin.TOKENS}/{{token_id:int}}"
EMPLOYER = f"{admin_employers.EMPLOYERS}/{{employer_id:int}}"
USER_ACTION = f"{admin_users.USERS}/{{user_id:int}}/{{action:str}}"
ASSESSMENT = f"{risk_assessment.REVIEWS}/{{assessment_id:int}}"


def get(path: str, view: View) -> Route:
    return Route(path, with_error_pages(view), methods=["GET"])


def post(path: str, view: View) -> Route:
    return Route(path, with_error_pages(view), methods=["POST"])


def link_get(path: str, view: View) -> Route:
    """A page behind a one-time link: neither it nor its answer is ever cached."""
    return Route(path, not_cached(with_error_pages(view)), methods=["GET"])


def link_post(path: str, view: View) -> Route:
    return Route(path, not_cached(with_error_pages(view)), methods=["POST"])


def routes(settings: Settings) -> list[BaseRoute]:
    table: list[BaseRoute] = [
        # everyone: start, signing in and out, the API's documentation
        get("/", start.home),
        get("/oversikt", start.overview),
        get("/logga-in", signin.sign_in_form),
        post("/logga-in", signin.send_link),
        link_get("/logga-in/{token}", signin.link_page),
        link_post("/logga-in/{token}", signin.redeem_link),
        post("/logga-ut", signin.sign_out_view),
        get("/api", api_docs.api_page),
        # pupils: the catalogue, bookings, wishes, self-found places
        get("/platser", catalogue.catalogue),
        get("/platser/{slot_id:int}", catalogue.slot_page),
        post("/platser/{slot_id:int}/boka", bookings.book),
        get("/mina-bokningar", bookings.my_bookings),
        get(f"{BOOKING}/avboka", bookings.cancel_page),
        post(f"{BOOKING}/avboka", bookings.cancel),
        get(f"{BOOKING}/kort", card.card_page),
        get(f"{BOOKING}/kalender.ics", card.calendar_file),
        get("/onskemal", wishes.wishes_page),
        post(f"{WISH}/lagg-till", wishes.add),
        post(f"{WISH}/upp", wishes.move_up),
        post(f"{WISH}/ner", wishes.move_down),
        post(f"{WISH}/ta-bort", wishes.remove),
        get("/mina-bokningar/egen-plats", self_found.form_page),
        post("/mina-bokningar/egen-plats", self_found.register),
        link_get("/bekrafta/{token}", self_found.confirm_page),
        link_post("/bekrafta/{token}", self_found.answer),
        # guardians: consent, and the pupil's absence, by their own links (no account)
        link_get("/samtycke/{booking_id:int}/{token}", consent.consent_page),
        link_post("/samtycke/{booking_id:int}/{token}", consent.answer),
        link_get("/franvaro/{booking_id:int}/{token}", after.guardian_absence_page),
        link_post("/franvaro/{booking_id:int}/{token}", after.guardian_absence_report),
        # supervisors: the week's attendance and the certificate by one-time link (no account)
        link_get("/handledare/narvaro/{booking_id:int}/{token}", after.week_page),
        link_post("/handledare/narvaro/{booking_id:int}/{token}", after.week_confirm),
        link_get("/handledare/intyg/{booking_id:int}/{token}", after.sign_page),
        link_post("/handledare/intyg/{booking_id:int}/{token}", after.sign),
        link_get("/handledare/inte-kommit/{booking_id:int}/{token}", after.no_show_page),
        link_post("/handledare/inte-kommit/{booking_id:int}/{token}", after.no_show_report),
        # anyone holding the paper: is the certificate genuine?
        get("/intyg/{code}", after.verify_page),
        get(f"{BOOKING}/intyg.pdf", after.certificate_file),
        post(f"{BOOKING}/franvaro", after.report_absence),
        # after the placement: the pupil's evaluation, and the supervisor's by one-time link
        get(f"{BOOKING}/utvardering", evaluations.pupil_page),
        post(f"{BOOKING}/utvardering", evaluations.pupil_answer),
        link_get("/handledare/utvardering/{booking_id:int}/{token}", evaluations.host_page),
        link_post("/handledare/utvardering/{booking_id:int}/{token}", evaluations.host_answer),
        # employers: signing up, slots, decisions on pupils, colleagues
        get("/arbetsgivare/registrera", employer_signup.signup_form),
        post("/arbetsgivare/registrera", employer_signup.signup),
        get("/arbetsgivare/platser/ny", slot_form.new_slot_form),
        post("/arbetsgivare/platser/ny", slot_form.create_slot),
        get(SLOT, employer_slots.slot_page),
        get(f"{SLOT}/andra", slot_form.edit_slot_form),
        post(f"{SLOT}/andra", slot_form.update_slot),
        post(f"{SLOT}/publicera", employer_slots.publish),
        get(f"{SLOT}/stang", employer_slots.close_page),
        post(f"{SLOT}/stang", employer_slots.close),
        post(f"{SLOT}/kopiera", employer_slots.copy),
        get(f"{SLOT}/riskbedomning", risk_assessment.form_page),
        post(f"{SLOT}/riskbedomning", risk_assessment.save),
        post(f"{HOSTED}/godkann", decisions.approve),
        get(f"{HOSTED}/neka", decisions.decline_page),
        post(f"{HOSTED}/neka", decisions.decline),
        get(f"{HOSTED}/inte-kommit", hosted_no_show.confirm_page),
        post(f"{HOSTED}/inte-kommit", hosted_no_show.report),
        get(colleagues.COLLEAGUES, colleagues.invite_page),
        post(colleagues.COLLEAGUES, colleagues.invite),
        # coordinators: periods, placements, class lists, allocation
        get("/oversikt/perioder", periods.period_list),
        get("/oversikt/statistik", statistics.page),
        get("/oversikt/statistik.csv", statistics.csv_file),
        get("/oversikt/perioder/ny", periods.new_form),
        post("/oversikt/perioder/ny", periods.create),
        get(f"{PERIOD}/andra", periods.edit_form),
        post(f"{PERIOD}/andra", periods.update),
        get(PERIOD, coordinator.period_page),
        post(f"{PERIOD}/placera", coordinator.place),
        get(f"{PERIOD}/paminn", coordinator.remind_page),
        post(f"{PERIOD}/paminn", coordinator.remind),
        get(f"{PERIOD}/placeringar.csv", coordinator.export_csv),
        get(f"{PERIOD}/placeringar.xlsx", coordinator.export_xlsx),
        get("/oversikt/klasslistor", class_lists.upload_form),
        post("/oversikt/klasslistor", class_lists.upload),
        get(IMPORT, class_lists.preview_page),
        post(f"{IMPORT}/las-in", class_lists.confirm),
        get(f"{PERIOD}/fordelning", allocation.start_form),
        post(f"{PERIOD}/fordelning", allocation.start),
        get(RUN, allocation.run_page),
        post(f"{RUN}/tillampa", allocation.apply),
        get(f"{PERIOD}/samtycken", consent.period_page),
        get(pupil_erasure.ERASE, pupil_erasure.confirm_page),
        post(pupil_erasure.ERASE, pupil_erasure.erase),
        get("/oversikt/bokningar/{booking_id:int}/samtycke", consent.paper_form),
        post("/oversikt/bokningar/{booking_id:int}/samtycke", consent.paper_record),
        # coordinators and organiser admins: the workplaces' risk assessments
        get(risk_assessment.REVIEWS, risk_assessment.review_list),
        get(ASSESSMENT, risk_assessment.review_page),
        post(f"{ASSESSMENT}/godkann", risk_assessment.approve),
        post(f"{ASSESSMENT}/andring", risk_assessment.request_change),
        get(f"{PERIOD}/intyg", after.period_page),
        get("/oversikt/bokningar/{booking_id:int}/narvaro", after.attendance_form),
        post("/oversikt/bokningar/{booking_id:int}/narvaro", after.attendance_save),
        # organiser admins: accounts, API keys, the log, vetting of workplaces
        get(admin_users.USERS, admin_users.users_page),
        get(USER_ACTION, admin_users.confirm_page),
        post(USER_ACTION, admin_users.act),
        get(admin.TOKENS, admin.tokens_page),
        post(admin.TOKENS, admin.create_token),
        get(f"{TOKEN}/aterkalla", admin.revoke_page),
        post(f"{TOKEN}/aterkalla", admin.revoke),
        get(admin.LOG, admin.log_page),
        get(f"{admin.LOG}.csv", admin.log_csv),
        get(admin_employers.EMPLOYERS, admin_employers.employers_page),
        post(f"{EMPLOYER}/godkann", admin_employers.approve),
        get(f"{EMPLOYER}/neka", admin_employers.decline_page),
        post(f"{EMPLOYER}/neka", admin_employers.decline),
        get(admin_consent.CONSENT, admin_consent.settings_page),
        post(admin_consent.CONSENT, admin_consent.save_settings),
        get(admin_retention.RETENTION, admin_retention.settings_page),
        post(admin_retention.RETENTION, admin_retention.save_settings),
    ]
    if settings.demo:
        table += [
            get("/demo", demo.demo_page),
            post("/demo/{user_id:int}", demo.demo_sign_in),
            get("/utkorg", demo.outbox_page),
        ]
    return table
