"""Reading what the browser sent: CSRF-checked forms and the catalogue's search parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request

from prao.services.catalogue import MAX_TEXT_LENGTH, SlotFilter, filter_problem

MAX_FIELDS = 20
MAX_EMAIL_LENGTH = 254
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """The session's CSRF token for the page's forms and htmx headers, made on first use by
    what the server's middleware put in `scope["csrf"]` (without it: none, and no post passes)."""
    guard = request.scope.get("csrf")
    return str(guard.token) if guard is not None else ""


def csrf_ok(request: Request, submitted: str | None) -> bool:
    guard = request.scope.get("csrf")
    return guard is not None and bool(guard.matches(submitted))


async def checked_form(
    request: Request, max_fields: int = MAX_FIELDS, max_files: int = 0
) -> FormData | None:
    """The posted form, or None when its CSRF token (field or htmx header) is missing or wrong."""
    form = await request.form(max_files=max_files, max_fields=max_fields)
    submitted = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    if not isinstance(submitted, str) or not csrf_ok(request, submitted):
        return None
    return form


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def email_error(email: str) -> str | None:
    if not email:
        return "Skriv din e-postadress."
    local_part, at, domain = email.partition("@")
    if not at or not local_part or "." not in domain or len(email) > MAX_EMAIL_LENGTH:
        return "Skriv en hel e-postadress, till exempel namn@skola.se."
    return None


@dataclass
class CatalogueQuery:
    """The search form as the pupil filled it in, and the domain filter it becomes."""

    text: str = ""
    trade: str = ""
    city: str = ""
    date_from: str = ""
    date_to: str = ""
    available_only: bool = False
    after: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        """Whether any filter beyond the text search is set (the filter panel starts open)."""
        return bool(
            self.trade or self.city or self.date_from or self.date_to or self.available_only
        )

    def slot_filter(self) -> SlotFilter:
        return SlotFilter(
            text=self.text,
            trade=self.trade,
            city=self.city,
            date_from=_date_or_none(self.date_from),
            date_to=_date_or_none(self.date_to),
            available_only=self.available_only,
        )

    def query_string(self, after: int | None = None) -> str:
        """The same search as a URL query, optionally continuing after a slot id."""
        pairs = [
            ("q", self.text),
            ("bransch", self.trade),
            ("ort", self.city),
            ("fran", self.date_from),
            ("till", self.date_to),
            ("lediga", "1" if self.available_only else ""),
            ("after", str(after) if after is not None else ""),
        ]
        return urlencode([(k, v) for k, v in pairs if v])


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def catalogue_query(params: QueryParams) -> CatalogueQuery:
    query = CatalogueQuery(
        text=params.get("q", "").strip()[:MAX_TEXT_LENGTH],
        trade=params.get("bransch", "").strip(),
        city=params.get("ort", "").strip(),
        date_from=params.get("fran", "").strip(),
        date_to=params.get("till", "").strip(),
        available_only=params.get("lediga", "") not in ("", "0"),
    )
    for name, label in (("date_from", "Från"), ("date_to", "Till")):
        value = getattr(query, name)
        if value and _date_or_none(value) is None:
            query.errors[name] = f"{label}: skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-09."
    for name, label in (("trade", "Bransch"), ("city", "Ort")):
        # Such a value matches no slot (the domain makes sure); say why the list is empty.
        if problem := filter_problem(name, getattr(query, name)):
            query.errors[name] = f"{label}: {problem}"
    query.after = after_id(params)
    return query


def after_id(params: QueryParams) -> int | None:
    """The keyset cursor of a "Visa fler" link; anything else starts from the beginning."""
    after = params.get("after", "")
    return int(after) if after.isdigit() and len(after) < 10 else None
