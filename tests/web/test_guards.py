"""The preamble every view shares: each form post checks its CSRF token before anything else,
and domain errors find their form field however the domain spells it."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from starlette.routing import Route
from tortoise.models import Model

from prao.errors import DomainError, ErrorCode
from prao.models import Booking, User
from tests.callers import main_text
from tests.factories import World
from tests.web.test_hostile_input import PARAM_RE, _valid_ids, app_routes
from web.fields import FormFields

STALE_FORM = "Formuläret var för gammalt eller kom från en annan webbplats"


def _fill(route: Route, valid: dict[str, str]) -> str:
    return PARAM_RE.sub(lambda m: valid[m.group(1)], route.path)


@pytest.mark.parametrize("persona", ["anonymous", "pupil", "employer", "admin"])
async def test_every_form_post_refuses_a_missing_csrf_token_and_changes_nothing(
    world: World, app: Any, browser_for: Any, persona: str
) -> None:
    valid = await _valid_ids(world)
    user: User | None = {
        "anonymous": None,
        "pupil": world.pupil_a_user,
        "employer": world.employer_user,
        "admin": world.admin,
    }[persona]
    posts = [
        r
        for r in app_routes(app.routes)
        if "POST" in (r.methods or ()) and not r.path.startswith("/graphql")
    ]
    bookings = await Booking.all().values_list("id", "status")
    refused: dict[str, int] = {}
    async with browser_for(user) as client:
        for route in posts:
            answer = await client.post(_fill(route, valid), data={"reason": "x"})
            if answer.status_code != 403 or STALE_FORM not in main_text(answer.text):
                refused[route.path] = answer.status_code
    assert not refused, refused
    assert len(posts) > 30
    assert await Booking.all().values_list("id", "status") == bookings


def test_a_domain_field_finds_its_input_however_it_is_spelled() -> None:
    form = FormFields(("startDate", "year_group", "scope"), {"school_id": "scope"})
    assert form.input_for("start_date") == "startDate"
    assert form.input_for("startDate") == "startDate"
    assert form.input_for("yearGroup") == "year_group"
    assert form.input_for("schoolId") == "scope"
    assert form.input_for("unknown") == "unknown"
    assert form.input_for(None) == ""


def test_the_first_message_per_input_is_shown() -> None:
    form = FormFields(("end_date",))
    errors = [
        DomainError.of(ErrorCode.INVALID, "endDate", "Ange periodens sista dag."),
        DomainError.of(ErrorCode.INVALID, "end_date", "Sista dagen kan inte vara före den första."),
        DomainError.of(ErrorCode.FORBIDDEN),
    ]
    assert form.errors(errors) == {
        "end_date": "Ange periodens sista dag.",
        "": "Du har inte behörighet att göra det.",
    }
    assert form.is_on(errors[1], "end_date")


def test_web_modules_hold_no_model_and_no_query() -> None:
    """Views ask the domain for what they show: no web module has a model class or the policy's
    querysets at hand (enums and type hints are fine)."""
    import prao.policy
    import web

    found = []
    for info in pkgutil.walk_packages(web.__path__, "web."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if value is prao.policy or (isinstance(value, type) and issubclass(value, Model)):
                found.append(f"{info.name}.{name}")
    assert not found, found
