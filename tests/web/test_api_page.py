"""/api: the API documentation is public, complete, and its examples run against the schema."""

from __future__ import annotations

import ast
import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from api.limits import MAX_DEPTH
from api.schema import schema
from prao.config import Settings
from prao.errors import MESSAGES, ErrorCode
from prao.models import Permission
from prao.services.pupil_upsert import MAX_ROWS
from tests.callers import main_text
from tests.loaded_modules import loaded_by
from web.views import api_docs


def errors_of(document: str) -> list[str]:
    return [error.message for error in validate(schema._schema, parse(document))]


async def test_page_is_public_and_has_every_section(client: httpx.AsyncClient) -> None:
    page = await client.get("/api")
    assert page.status_code == 200
    assert "cache-control" not in page.headers  # nothing personal: may be cached
    text = main_text(page.text)
    for heading in [
        "Autentisering",
        "Anrop och svar",
        "Sidindelning",
        "Stegvis synkronisering",
        "Gränser",
        "Fel",
        "Skriva data",
        "Exempel att kopiera",
    ]:
        assert re.search(rf"<h2 id=\"[a-z]+\">{heading}</h2>", page.text), heading
    for fact in [
        "Authorization: Bearer prao_…",
        "/admin/api-nycklar",
        "prao token create",
        "application/graphql-response+json",
        "syncedUntil",
        "CANCELLED",
        "Pupil.erased",
        "Booking.erased",
        "QUERY_TOO_COSTLY",
        "RATE_LIMITED",
        "Retry-After",
        "X-RateLimit-Remaining",
        "requestId",
        f"högst {MAX_DEPTH} nivåer",
        "X-Request-Id",
        f"högst {MAX_ROWS} rader per anrop",
    ]:
        assert fact in text, fact
    for status in ["400", "401", "405", "406", "413", "415", "429"]:
        assert f"<dt>{status}</dt>" in page.text, status
    assert 'href="/api" aria-current="page"' in page.text  # the footer link, marked current


async def test_rate_limit_of_this_server_is_shown(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    page = (await client.get("/api")).text  # raw: main_text would fold the no-break space
    assert f"{api_docs.number(settings.rate_limit_points)} kostnadspoäng per 60 sekunder" in page
    assert api_docs.number(10_000) == "10\u00a0000"
    assert api_docs.size(1024 * 1024) == "1 MiB" and api_docs.size(64 * 1024) == "64 KiB"


async def test_other_pages_link_to_it(client: httpx.AsyncClient) -> None:
    page = await client.get("/logga-in")
    assert 'href="/api"' in page.text and 'href="/api" aria-current' not in page.text


async def test_lists_every_error_code_with_its_swedish_message(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api")).text
    rows = re.findall(r"<tr><td><code>([A-Z_]+)</code></td><td>([^<]*)</td></tr>", page)
    listed = {code: message for code, message in rows}
    assert set(listed) == {code.value for code in ErrorCode}
    assert listed["SLOT_FULL"] == MESSAGES[ErrorCode.SLOT_FULL]


async def test_lists_every_permission(client: httpx.AsyncClient) -> None:
    text = main_text((await client.get("/api")).text)
    for permission in Permission:
        assert api_docs.PERMISSIONS.get(permission), f"{permission} is not described"
        assert f"{permission.value} {api_docs.PERMISSIONS[permission]}" in text


@pytest.mark.parametrize("name", sorted(api_docs.EXAMPLES))
def test_example_document_validates_against_the_schema(name: str) -> None:
    assert errors_of(api_docs.EXAMPLES[name]) == []


def test_every_example_file_is_read() -> None:
    folder = Path(api_docs.__file__).parent.parent / "api_examples"
    names = {path.stem for path in folder.glob("*.graphql")}
    assert names == set(api_docs.EXAMPLES) and len(names) >= 10


def test_the_page_does_not_load_the_schema() -> None:
    """The page reads the API's limits from api.limits, a leaf; the schema is the test's."""
    assert loaded_by("web.views.api_docs", ("api", "strawberry")) == ["api", "api.limits"]


def variable_errors(document: str, variables: dict[str, Any]) -> list[str]:
    operation = parse(document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    coerced = get_variable_values(schema._schema, operation.variable_definitions or [], variables)
    return [error.message for error in coerced] if isinstance(coerced, list) else []


def test_upsert_example_variables_fit_the_input_type() -> None:
    variables = json.loads(api_docs.UPSERT_VARIABLES)
    assert variable_errors(api_docs.EXAMPLES["upsert_pupils"], variables) == []
    del variables["pupils"][0]["externalId"]  # the key: required
    assert variable_errors(api_docs.EXAMPLES["upsert_pupils"], variables) != []


def test_the_validation_check_catches_a_wrong_example() -> None:
    assert errors_of("{ slots(first: 5) { nodes { id colour } } }")  # no such field
    assert errors_of("{ bookings(first: 5, updatedSince: 3) { syncedUntil } }")  # not a DateTime


async def test_every_example_is_shown_escaped_on_the_page(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api")).text
    for name, document in api_docs.EXAMPLES.items():
        assert document.replace('"', "&#34;") in page, name


def test_curl_example_sends_a_valid_query_to_this_server() -> None:
    command = shlex.split(api_docs.curl_example("https://prao.example.se").replace("\\\n", ""))
    assert command[:3] == ["curl", "-s", "https://prao.example.se/graphql"]
    assert "Authorization: Bearer $PRAO_TOKEN" in command
    body = json.loads(command[command.index("-d") + 1])
    assert errors_of(body["query"]) == []


def test_python_example_is_python_and_syncs_with_the_shown_query() -> None:
    source = api_docs.python_example("https://prao.example.se")
    tree = ast.parse(source)  # a SyntaxError fails the test
    assigned = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert ast.literal_eval(assigned["URL"]) == "https://prao.example.se/graphql"
    query = ast.literal_eval(assigned["QUERY"])
    assert query.strip() == api_docs.EXAMPLES["sync_bookings"].strip()
    for step in ['page["syncedUntil"]', 'page["pageInfo"]["endCursor"]', "Retry-After"]:
        assert step in source, step


async def test_token_refusals_on_the_page_are_what_the_api_answers(
    client: httpx.AsyncClient,
) -> None:
    shown = [message for _, message in api_docs.token_messages()]
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { kind } }"},
        headers={"Authorization": "Bearer prao_not-a-real-token"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] in shown
    text = main_text((await client.get("/api")).text)
    assert all(message in text for message in shown)


async def test_schema_download_is_the_served_schema(client: httpx.AsyncClient) -> None:
    # tests/api/test_schema.py keeps schema.graphql equal to the same text.
    response = await client.get("/api/schema.graphql")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == schema.as_str() + "\n"
    assert "type Query {" in response.text


async def test_the_page_only_answers_get(client: httpx.AsyncClient) -> None:
    response = await client.post("/api")
    assert response.status_code == 405
    assert "<h1>" in response.text  # the Swedish error page, not a bare error
