"""/api: the GraphQL API's documentation for school systems, public and in Swedish.

Limits, error codes and permissions are read from the code, so the page follows it: the API's
from api.limits, a leaf, so the page does not load the schema. The example GraphQL documents are
files in web/api_examples, read into EXAMPLES, where a test validates each against the schema.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response

from api import limits
from prao.auth import REVOKED, UNKNOWN, TokenRefusal
from prao.errors import MESSAGES, ErrorCode
from prao.models import Permission
from web.access import current_actor
from web.templating import render

PERMISSIONS: dict[Permission, str] = {
    Permission.READ: "läsa platser, bokningar, elever, perioder och fördelningar i sitt område",
    Permission.WRITE: "boka och avboka åt elever och föra in elever (mutationer som ändrar data)",
    Permission.ALLOCATE: "starta och tillämpa fördelningar (startAllocationRun m.fl.)",
}

# Errors outside the payloads: in the top-level `errors` list, with extensions.code.
TOP_LEVEL_CODES: list[tuple[str, str]] = [
    (limits.BAD_USER_INPUT, "Felaktigt argument, t.ex. first över 100 eller en okänd cursor."),
    (
        limits.TOO_COSTLY,
        f"Frågan kostar mer än {limits.MAX_COST} poäng (cost, maximumCost) och kördes inte.",
    ),
    (
        limits.RATE_LIMITED,
        "Poängen för minuten är slut (HTTP 429); cost, limit, remaining, resetAt.",
    ),
    (
        limits.INTERNAL,
        "Fel hos oss. Ange requestId (även i rubriken X-Request-Id) när du hör av dig.",
    ),
]

# The example documents, one file each, read once; a test validates each against the schema.
EXAMPLES: dict[str, str] = {
    path.name.removesuffix(".graphql"): path.read_text(encoding="utf-8")
    for path in sorted(files("web").joinpath("api_examples").iterdir(), key=lambda p: p.name)
    if path.name.endswith(".graphql")
}

# Variables for EXAMPLES["upsert_pupils"]: one row as a school's system would send it.
UPSERT_VARIABLES = json.dumps(
    {
        "schoolId": "U2Nob29sOjE=",
        "pupils": [
            {
                "externalId": "elev-4711",
                "firstName": "Alva",
                "lastName": "Andersson",
                "yearGroup": 8,
                "className": "8A",
                "email": "alva.andersson@skola.example.se",
                "guardianEmail": "vardnadshavare@example.se",
                "securityMarking": False,
            }
        ],
    },
    ensure_ascii=False,
    indent=2,
)

CURL_QUERY = "{ slots(first: 5) { totalCount nodes { id title placesLeft } } }"

PYTHON_SYNC = '''\
import time

import httpx

URL = "{base}/graphql"
TOKEN = "prao_…"  # a token with the read permission

QUERY = """
{query}"""


def sync(client: httpx.Client, since: str) -> str:
    """Reads every booking changed since `since`; returns the next sync's `since`."""
    after = None
    while True:
        variables = {{"since": since, "after": after}}
        response = client.post(URL, json={{"query": QUERY, "variables": variables}})
        if response.status_code == 429:
            time.sleep(int(response.headers["Retry-After"]))
            continue
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        page = body["data"]["bookings"]
        for booking in page["nodes"]:
            save(booking)  # upsert by id; cancelled ones arrive with status CANCELLED
        if not page["pageInfo"]["hasNextPage"]:
            return page["syncedUntil"]
        after = page["pageInfo"]["endCursor"]


def save(booking: dict) -> None:
    print(booking["id"], booking["status"], booking["updatedAt"])


headers = {{
    "Authorization": f"Bearer {{TOKEN}}",
    "Accept": "application/graphql-response+json",
}}
with httpx.Client(headers=headers, timeout=30) as client:
    since = "2000-01-01T00:00:00+00:00"  # the first time: everything
    since = sync(client, since)  # store it, and pass it on the next run
'''


def curl_example(base_url: str) -> str:
    body = json.dumps({"query": CURL_QUERY}, ensure_ascii=False)
    return (
        f"curl -s {base_url}/graphql \\\n"
        '  -H "Authorization: Bearer $PRAO_TOKEN" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        "  -H 'Accept: application/graphql-response+json' \\\n"
        f"  -d '{body}'"
    )


def python_example(base_url: str) -> str:
    return PYTHON_SYNC.format(base=base_url, query=EXAMPLES["sync_bookings"])


def token_messages() -> list[tuple[str, str]]:
    """The 401 answers, as the API words them."""
    expired = TokenRefusal("expired", datetime(2026, 12, 31, 22, 59, tzinfo=UTC))
    return [
        ("okänd", UNKNOWN.message),
        ("återkallad", REVOKED.message),
        ("utgången", expired.message),
    ]


def number(value: int) -> str:
    """10000 -> "10 000", as Swedish text writes it (a no-break space between thousands)."""
    return f"{value:,}".replace(",", "\u00a0")


def size(value: int) -> str:
    return f"{value // 1024**2} MiB" if value % 1024**2 == 0 else f"{value // 1024} KiB"


def _context(base_url: str, rate_limit_points: int) -> dict[str, object]:
    return {
        "title": "API för skolsystem",
        "nav": "api",
        "base_url": base_url,
        "examples": EXAMPLES,
        "curl": curl_example(base_url),
        "python": python_example(base_url),
        "error_codes": [(code.value, MESSAGES[code]) for code in ErrorCode],
        "top_level_codes": TOP_LEVEL_CODES,
        "permissions": [(p.value, PERMISSIONS.get(p, "")) for p in Permission],
        "token_messages": token_messages(),
        "graphql_response": limits.GRAPHQL_RESPONSE,
        "upsert_variables": UPSERT_VARIABLES,
        "limits": {
            "depth": limits.MAX_DEPTH,
            "aliases": limits.MAX_ALIASES,
            "tokens": limits.MAX_TOKENS,
            "page": limits.MAX_PAGE_SIZE,
            "default_page": limits.DEFAULT_PAGE_SIZE,
            "nodes": limits.MAX_NODES,
            "body": size(limits.MAX_BODY_BYTES),
            "cost": limits.MAX_COST,
            "mutation_cost": limits.MUTATION_COST,
            "upsert_rows": limits.MAX_UPSERT_ROWS,
            "rate_points": number(rate_limit_points) if rate_limit_points else "",
            "rate_seconds": limits.WINDOW_SECONDS,
        },
    }


async def api_page(request: Request) -> Response:
    actor = await current_actor(request)
    settings = request.app.state.settings
    context = _context(settings.base_url.rstrip("/"), settings.rate_limit_points)
    return render(request, "api_docs.html", context, actor=actor)
