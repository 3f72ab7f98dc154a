"""Every web route, as every kind of person, with hostile values in its path, its query string
and each field of each form the pages offer: no answer may be a server error.

Routes come from the app itself; forms (their actions, fields and valid values) are read from
the pages as a browser would, so a new route or field is swept without editing this test. One
hostile value goes in one place at a time, the rest of the form stays as the page filled it in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from starlette.routing import BaseRoute, Mount, Route

from prao.auth import create_api_token
from prao.models import AllocationPolicy, AllocationRun, ClassListImport, EmployerStatus, User
from prao.services.booking import book_slot
from tests import assessments, factories, hostile
from tests.factories import World

PERSONAS = ("anonymous", "pupil", "employer", "coordinator", "admin")
# Posting these changes who the browser is signed in as; their paths are still swept.
SESSION_ROUTES = {"/logga-ut", "/demo/{user_id:int}", "/logga-in/{token}"}
SKIPPED_PREFIXES = ("/graphql", "/static")  # the API has its own sweep; files are files
PARAM_RE = re.compile(r"{(\w+)(?::\w+)?}")
QUERY_NAME_RE = re.compile(r"(?:query_params|params)\.get\(\s*\"(\w+)\"")
URL_TEXT_LENGTH = 4000
# Path segments are sent percent-encoded, as a browser would.
PATH_TEXT = {
    **{k: quote(v[:URL_TEXT_LENGTH]) for k, v in hostile.TEXT.items()},
    "invalid-utf8": "%ED%A0%80%FF",
}
CSV = "förnamn;efternamn;klass;årskurs\nNy;Elev;8A;8\n".encode()


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms of a page with the values a browser would submit unchanged."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
            return
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(
                action=a.get("action") or self.page_path,
                method=(a.get("method") or "get").upper(),
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._form)
        if self._form is not None and a.get("name"):
            self._field(self._form, tag, a["name"], a)

    def _field(self, form: Form, tag: str, name: str, a: dict[str, str]) -> None:
        kind = a.get("type", "text")
        if tag == "input" and kind == "file":
            form.files.append(name)
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in a:
                form.fields.append((name, a.get("value", "on")))
        elif tag == "input" and kind not in ("submit", "button", "reset"):
            form.fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select, self._select_value = name, None
        elif tag == "textarea":
            self._textarea, self._text = name, ""
        elif tag == "button" and a.get("value"):
            form.fields.append((name, a["value"]))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._form is not None and self._textarea is not None:
            self._form.fields.append((self._textarea, self._text))
            self._textarea = None
        elif tag == "select" and self._form is not None and self._select is not None:
            self._form.fields.append((self._select, self._select_value or ""))
            self._select = None


def parse_page(path: str, html: str) -> FormParser:
    parser = FormParser(path)
    parser.feed(html)
    return parser


@dataclass
class Failure:
    persona: str
    method: str
    route: str
    where: str
    value: str
    status: int

    def __str__(self) -> str:
        return (
            f"{self.status} {self.persona} {self.method} {self.route} [{self.where}={self.value}]"
        )


@dataclass
class Sweep:
    routes: list[Route]
    valid: dict[str, str]
    failures: list[Failure] = field(default_factory=list)
    sent: int = 0

    def fill(self, route: Route, **override: str) -> str:
        values = {**self.valid, **override}
        return PARAM_RE.sub(lambda m: values[m.group(1)], route.path)

    def route_of(self, path: str, method: str) -> Route | None:
        for route in self.routes:
            if method in (route.methods or ()) and route.path_regex.match(path):
                return route
        return None

    async def send(
        self,
        client: httpx.AsyncClient,
        persona: str,
        route: Route,
        method: str,
        url: str,
        where: str,
        label: str,
        **kwargs: Any,
    ) -> httpx.Response:
        response = await client.request(method, url, **kwargs)
        self.sent += 1
        if response.status_code >= 500:
            self.failures.append(
                Failure(persona, method, route.path, where, label, response.status_code)
            )
        return response


def query_names() -> set[str]:
    """Every query parameter a view reads, from the web adapter's source."""
    from pathlib import Path

    import web

    names: set[str] = set()
    for source in Path(web.__file__).parent.rglob("*.py"):
        names |= set(QUERY_NAME_RE.findall(source.read_text()))
    return names


def form_body(pairs: list[tuple[str, str | bytes]]) -> bytes:
    return urlencode(pairs).encode()


def hostile_form_values(in_url: bool = False) -> Iterator[tuple[str, str | bytes]]:
    for label, value in hostile.TEXT.items():
        # A URL stays under the client's 64 KB: still far longer than any column.
        yield label, value[:URL_TEXT_LENGTH] if in_url else value
    yield "invalid-utf8", hostile.INVALID_UTF8


async def _valid_ids(world: World) -> dict[str, str]:
    booking = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booking.value is not None
    imported = await ClassListImport.create(
        school_id=world.school_a.id, uploaded_by="test", filename="8a.csv", content=CSV.decode()
    )
    token, _ = await create_api_token("Skolsystem", school=world.school_a)
    run = await AllocationRun.create(
        period_id=world.period_a.id, seed=1, policy=AllocationPolicy.CONVEX, started_by="test"
    )
    pending = await factories.employer(world.organiser, status=EmployerStatus.PENDING)
    assessment = await assessments.submitted(await world.actor(world.employer_user), world.slot)
    return {
        "assessment_id": str(assessment.id),
        "employer_id": str(pending.id),
        "action": "logga-ut",
        "slot_id": str(world.slot.id),
        "booking_id": str(booking.value.id),
        "period_id": str(world.period_a.id),
        "import_id": str(imported.id),
        "token_id": str(token.id),
        "run_id": str(run.id),
        "user_id": str(world.pupil_b_user.id),
        "pupil_id": str(world.pupil_a2.id),
        "token": "not-a-real-token",
        "code": "ABCD-EFGH-JKMN",
    }


def _persona_user(world: World, persona: str) -> User | None:
    return {
        "anonymous": None,
        "pupil": world.pupil_a_user,
        "employer": world.employer_user,
        "coordinator": world.coordinator_a,
        "admin": world.admin,
    }[persona]


@dataclass
class Browser:
    sweep: Sweep
    client: httpx.AsyncClient
    persona: str
    csrf: str = ""
    query_names: set[str] = field(default_factory=query_names)
    forms: dict[tuple[str, frozenset[str]], tuple[Route, Form]] = field(default_factory=dict)

    async def send(
        self, route: Route, method: str, url: str, where: str, label: str, **kwargs: Any
    ) -> httpx.Response:
        return await self.sweep.send(
            self.client, self.persona, route, method, url, where, label, **kwargs
        )

    async def discover(self) -> None:
        """The pages with valid ids: their forms and links, and the session's CSRF token."""
        for route in self.sweep.routes:
            if "GET" not in (route.methods or ()):
                continue
            url = self.sweep.fill(route)
            page = await self.send(route, "GET", url, "page", "valid")
            if "text/html" in page.headers.get("content-type", ""):
                self._read(parse_page(url, page.text))

    def _read(self, parsed: FormParser) -> None:
        for form in parsed.forms:
            form.action = urlsplit(form.action).path
            target = self.sweep.route_of(form.action, form.method)
            if target is None or target.path in SESSION_ROUTES:
                continue
            self.csrf = dict(form.fields).get("csrf_token", self.csrf)
            key = (target.path, frozenset(n for n, _ in form.fields) | set(form.files))
            self.forms.setdefault(key, (target, form))
        for link in parsed.links:
            query = urlsplit(link).query
            self.query_names |= {p.split("=")[0] for p in query.split("&") if "=" in p}

    async def paths_and_queries(self) -> None:
        """Hostile path segments; every query parameter at once with one hostile value."""
        for route in self.sweep.routes:
            for method in sorted({"GET", "POST"} & set(route.methods or ())):
                if method == "POST" and route.path == "/logga-ut":
                    continue
                extra: dict[str, Any] = (
                    {"data": {"csrf_token": self.csrf}} if method == "POST" else {}
                )
                for param, convertor in route.param_convertors.items():
                    values = hostile.PATH_INTS if "0-9" in convertor.regex else PATH_TEXT
                    for label, value in values.items():
                        url = self.sweep.fill(route, **{param: value})
                        await self.send(route, method, url, param, label, **extra)
                if method == "GET":
                    for label, text in hostile_form_values(in_url=True):
                        query = urlencode([(name, text) for name in sorted(self.query_names)])
                        await self.send(
                            route, "GET", f"{self.sweep.fill(route)}?{query}", "query", label
                        )

    async def form_fields(self) -> None:
        """Each field of each form, one hostile value at a time, the rest as the page had it."""
        for target, form in self.forms.values():
            for index, (name, _) in enumerate(form.fields):
                if name == "csrf_token":
                    continue
                for label, value in hostile_form_values(in_url=form.method == "GET"):
                    pairs: list[tuple[str, str | bytes]] = list(form.fields)
                    pairs[index] = (name, value)
                    await self._submit(target, form, name, label, pairs, {})
            for file_field in form.files:
                for label, filename in hostile.TEXT.items():
                    files = {file_field: (filename, CSV, "text/csv")}
                    await self._submit(
                        target, form, f"{file_field}.filename", label, list(form.fields), files
                    )

    async def _submit(
        self,
        target: Route,
        form: Form,
        where: str,
        label: str,
        pairs: list[tuple[str, str | bytes]],
        files: dict[str, Any],
    ) -> None:
        if form.method == "GET":
            url = f"{form.action}?{urlencode(pairs)}"
            await self.send(target, "GET", url, where, label)
        elif form.multipart:
            files = files or {f: ("8a.csv", CSV, "text/csv") for f in form.files}
            await self.send(
                target, "POST", form.action, where, label, data=dict(pairs), files=files
            )
        else:
            headers = {"content-type": "application/x-www-form-urlencoded"}
            await self.send(
                target, "POST", form.action, where, label, content=form_body(pairs), headers=headers
            )


def app_routes(routes: list[BaseRoute]) -> Iterator[Route]:
    """Every route, also those the server mounts behind its authentication."""
    for route in routes:
        if isinstance(route, Mount):
            yield from app_routes(route.routes)
        elif isinstance(route, Route):
            yield route


async def test_no_web_route_answers_hostile_input_with_a_server_error(
    world: World, app: Any, browser_for: Any
) -> None:
    routes = [r for r in app_routes(app.routes) if not r.path.startswith(SKIPPED_PREFIXES)]
    sweep = Sweep(routes=routes, valid=await _valid_ids(world))
    swept_forms = {}
    for persona in PERSONAS:
        async with browser_for(_persona_user(world, persona)) as client:
            browser = Browser(sweep, client, persona)
            await browser.discover()
            await browser.paths_and_queries()
            await browser.form_fields()
            swept_forms[persona] = len(browser.forms)
    assert not sweep.failures, f"{len(sweep.failures)} of {sweep.sent}:\n" + "\n".join(
        map(str, sweep.failures)
    )
    assert len(routes) > 50 and all(swept_forms.values()), swept_forms
