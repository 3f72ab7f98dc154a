"""The organiser admin's pages: API keys (list, create, revoke) and the audit log with its CSV
export. The rules, including who may, live in prao.services.api_tokens and prao.audit.log."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.audit import log as audit_log
from prao.errors import DomainError, ErrorCode
from prao.models import Permission
from prao.services import api_tokens
from prao.services.api_tokens import PERMISSION_NAMES, TokenRequest
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import TOKEN_FORM
from web.forms import after_id, text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash

TOKENS = "/admin/api-nycklar"
LOG = "/admin/logg"
PERMISSION_HINTS = {
    Permission.READ: "Hämta elever, platser, perioder och bokningar.",
    Permission.WRITE: "Boka, avboka, placera och läsa in elever.",
    Permission.ALLOCATE: "Starta och tillämpa fördelningar.",
}


def _refused(request: Request, actor: Actor, error: DomainError) -> Response:
    return error_page(request, status_for(error), error.message, actor)


def _values_from(form: FormData | None) -> dict[str, Any]:
    if form is None:
        return {
            "name": "",
            "scope": "",
            "permissions": [Permission.READ.value],
            "expires_on": api_tokens.default_expiry().isoformat(),
        }
    return {
        "name": text_field(form, "name"),
        "scope": text_field(form, "scope"),
        "permissions": [v for v in form.getlist("permissions") if isinstance(v, str)],
        "expires_on": text_field(form, "expires_on"),
    }


def _request_from(values: dict[str, Any]) -> tuple[TokenRequest | None, dict[str, str]]:
    errors: dict[str, str] = {}
    scope = values["scope"]
    school_id = int(scope) if scope.isdigit() and len(scope) < 10 else None
    if scope and school_id is None:
        errors["scope"] = "Välj hela huvudmannen eller en skola."
    known = {p.value: p for p in Permission}
    permissions = frozenset(known[v] for v in values["permissions"] if v in known)
    try:
        expires_on = date.fromisoformat(values["expires_on"]) if values["expires_on"] else None
    except ValueError:
        errors["expires_on"] = "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-06-30."
        expires_on = None
    if errors:
        return None, errors
    return TokenRequest(values["name"], permissions, school_id, expires_on), errors


async def _tokens_page(
    request: Request,
    actor: Actor,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    listed = await api_tokens.list_tokens(actor)
    if listed.value is None:
        return _refused(request, actor, listed.errors[0])
    errors = errors or {}
    context = {
        "title": "API-nycklar",
        "nav": "oversikt",
        "tokens": listed.value.rows,
        "schools": listed.value.schools,
        "values": values or _values_from(None),
        "errors": errors,
        "error_count": len(errors),
        "permission_names": PERMISSION_NAMES,
        "permission_hints": PERMISSION_HINTS,
    }
    status = 422 if errors else 200
    return render(request, "admin_tokens.html", context, actor=actor, status=status)


@signed_in()
async def tokens_page(request: Request, actor: Actor) -> Response:
    return await _tokens_page(request, actor)


@form_post(api_tokens.is_organiser_admin)
async def create_token(request: Request, actor: Actor, form: FormData) -> Response:
    values = _values_from(form)
    token_request, errors = _request_from(values)
    if token_request is None:
        return await _tokens_page(request, actor, values, errors)
    outcome = await api_tokens.create_token(actor, token_request)
    if outcome.value is None:
        if any(e.code is ErrorCode.FORBIDDEN for e in outcome.errors):
            return _refused(request, actor, outcome.errors[0])
        return await _tokens_page(request, actor, values, TOKEN_FORM.errors(outcome.errors))
    # The secret is in this one response only: not in the session, not in a redirect.
    context = {
        "title": "Ny API-nyckel",
        "nav": "oversikt",
        "personal": True,
        "created": outcome.value,
    }
    return render(request, "admin_token_created.html", context, actor=actor, status=201)


@signed_in(api_tokens.is_organiser_admin)
async def revoke_page(request: Request, actor: Actor) -> Response:
    row = await api_tokens.get_token(actor, request.path_params["token_id"])
    if row is None:
        return error_page(request, 404, api_tokens.TOKEN_NOT_FOUND, actor)
    context = {"title": f"Återkalla {row.token.name}?", "nav": "oversikt", "row": row}
    return render(request, "admin_token_revoke.html", context, actor=actor)


@form_post()
async def revoke(request: Request, actor: Actor, form: FormData) -> Response:
    outcome = await api_tokens.revoke_token(actor, request.path_params["token_id"])
    if outcome.value is None:
        return _refused(request, actor, outcome.errors[0])
    set_flash(request, f"API-nyckeln {outcome.value.token.name} är återkallad.")
    return redirect(TOKENS)


def _log_filter(request: Request) -> tuple[audit_log.AuditFilter, dict[str, str], dict[str, str]]:
    """The filter, the form's values as typed, and errors for dates that are not dates."""
    params = request.query_params
    values = {
        "action": params.get("handelse", "").strip()[:100],
        "date_from": params.get("fran", "").strip()[:10],
        "date_to": params.get("till", "").strip()[:10],
    }
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for key, label in (("date_from", "Från"), ("date_to", "Till")):
        try:
            days[key] = date.fromisoformat(values[key]) if values[key] else None
        except ValueError:
            days[key] = None
            errors[key] = f"{label}: skriv datumet som ÅÅÅÅ-MM-DD."
    flt = audit_log.AuditFilter(values["action"], days["date_from"], days["date_to"])
    return flt, values, errors


def _query(values: dict[str, str], **extra: str) -> str:
    pairs = {
        "handelse": values["action"],
        "fran": values["date_from"],
        "till": values["date_to"],
        **extra,
    }
    return urlencode({k: v for k, v in pairs.items() if v})


@signed_in()
async def log_page(request: Request, actor: Actor) -> Response:
    flt, values, errors = _log_filter(request)
    outcome = await audit_log.events(actor, flt, after_id(request.query_params))
    if outcome.value is None:
        return _refused(request, actor, outcome.errors[0])
    page = outcome.value
    context = {
        "title": "Logg",
        "nav": "oversikt",
        "wide": True,
        "personal": True,
        "page": page,
        "values": values,
        "errors": errors,
        "action_name": audit_log.action_name,
        "filter_query": _query(values),
        "next_query": _query(values, after=str(page.next_before)) if page.next_before else "",
        "continued": request.query_params.get("after") is not None,
    }
    return render(request, "admin_log.html", context, actor=actor)


@signed_in()
async def log_csv(request: Request, actor: Actor) -> Response:
    flt, _, errors = _log_filter(request)
    if errors:
        return error_page(request, 400, " ".join(errors.values()), actor)
    outcome = await audit_log.export_csv(actor, flt)
    if outcome.value is None:
        return _refused(request, actor, outcome.errors[0])
    headers = {
        "content-disposition": 'attachment; filename="logg.csv"',
        "cache-control": "no-store",
    }
    return Response(outcome.value, media_type="text/csv; charset=utf-8", headers=headers)
