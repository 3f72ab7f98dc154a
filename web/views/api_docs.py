"""/api: the GraphQL API's documentation for school systems, public and in Swedish.

Limits, error codes and permissions are read from the code, so the page follows it; the example
GraphQL documents live in EXAMPLES, where a test validates each one against the schema.
"""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from api.app import GRAPHQL_RESPONSE, MAX_BODY_BYTES
from api.connections import BAD_USER_INPUT
from api.cost import MAX_COST, MUTATION_COST, TOO_COSTLY
from api.errors import INTERNAL
from api.queries import MAX_NODES
from api.rate_limit import RATE_LIMITED, WINDOW_SECONDS
from api.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, schema
from prao.auth import REVOKED, UNKNOWN, TokenRefusal
from prao.errors import MESSAGES, ErrorCode
from prao.models import Permission
from prao.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from prao.services.pupil_upsert import MAX_ROWS
from web.access import current_actor
from web.templating import render

PERMISSIONS: dict[Permission, str] = {
    Permission.READ: "läsa platser, bokningar, elever, perioder och fördelningar i sitt område",
    Permission.WRITE: "boka och avboka åt elever och föra in elever (mutationer som ändrar data)",
    Permission.ALLOCATE: "starta och tillämpa fördelningar (startAllocationRun m.fl.)",
}

# Errors outside the payloads: in the top-level `errors` list, with extensions.code.
TOP_LEVEL_CODES: list[tuple[str, str]] = [
    (BAD_USER_INPUT["code"], "Felaktigt argument, t.ex. first över 100 eller en okänd cursor."),
    (TOO_COSTLY, f"Frågan kostar mer än {MAX_COST} poäng (cost, maximumCost) och kördes inte."),
    (RATE_LIMITED, "Poängen för minuten är slut (HTTP 429); cost, limit, remaining, resetAt."),
    (INTERNAL, "Fel hos oss. Ange requestId (även i rubriken X-Request-Id) när du hör av dig."),
]

EXAMPLES: dict[str, str] = {
    "slots": textwrap.dedent(
        """\
        query Slots($after: String) {
          slots(first: 20, after: $after) {
            totalCount
            edges {
              cursor
              node { id title placesLeft startDate endDate employer { name } }
            }
            pageInfo { hasNextPage endCursor }
          }
        }
        """
    ),
    "backward": textwrap.dedent(
        """\
        query LatestBookings($before: String) {
          bookings(last: 10, before: $before) {
            nodes { id status createdAt }
            pageInfo { hasPreviousPage startCursor }
          }
        }
        """
    ),
    "sync_bookings": textwrap.dedent(
        """\
        query SyncBookings($since: DateTime!, $after: String) {
          bookings(first: 100, updatedSince: $since, after: $after) {
            nodes {
              id
              status
              updatedAt
              pupil { id externalId }
              slot { id title startDate endDate }
            }
            pageInfo { hasNextPage endCursor }
            syncedUntil
          }
        }
        """
    ),
    "sync_pupils": textwrap.dedent(
        """\
        query SyncPupils($since: DateTime!, $after: String) {
          pupils(first: 100, updatedSince: $since, after: $after) {
            nodes { id externalId firstName lastName className yearGroup updatedAt }
            pageInfo { hasNextPage endCursor }
            syncedUntil
          }
        }
        """
    ),
    "nodes": textwrap.dedent(
        """\
        query Several($ids: [ID!]!) {
          nodes(ids: $ids) {
            id
            ... on Booking { status updatedAt }
            ... on Pupil { externalId }
          }
        }
        """
    ),
    "book": textwrap.dedent(
        """\
        mutation Book($slotId: ID!, $pupilId: ID!) {
          bookSlot(input: {slotId: $slotId, pupilId: $pupilId}) {
            booking { id status }
            errors { code field message }
          }
        }
        """
    ),
    "cancel": textwrap.dedent(
        """\
        mutation Cancel($bookingId: ID!) {
          cancelBooking(input: {bookingId: $bookingId, reason: "Eleven har flyttat"}) {
            booking { id status }
            errors { code field message }
          }
        }
        """
    ),
    "upsert_pupils": textwrap.dedent(
        """\
        mutation Pupils($schoolId: ID!, $pupils: [PupilInput!]!) {
          upsertPupils(input: {schoolId: $schoolId, pupils: $pupils}) {
            created
            updated
            unchanged
            pupils { id externalId }
            errors { index field code message }
          }
        }
        """
    ),
    "rate_limit": textwrap.dedent(
        """\
        query Budget {
          rateLimit { limit cost remaining used resetAt }
        }
        """
    ),
    "allocate": textwrap.dedent(
        """\
        mutation Allocate($periodId: ID!) {
          startAllocationRun(input: {periodId: $periodId, dryRun: true}) {
            run { id status progress }
            errors { code field message }
          }
        }
        """
    ),
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
        "graphql_response": GRAPHQL_RESPONSE,
        "upsert_variables": UPSERT_VARIABLES,
        "limits": {
            "depth": MAX_DEPTH,
            "aliases": MAX_ALIASES,
            "tokens": MAX_TOKENS,
            "page": MAX_PAGE_SIZE,
            "default_page": DEFAULT_PAGE_SIZE,
            "nodes": MAX_NODES,
            "body": size(MAX_BODY_BYTES),
            "cost": MAX_COST,
            "mutation_cost": MUTATION_COST,
            "upsert_rows": MAX_ROWS,
            "rate_points": number(rate_limit_points) if rate_limit_points else "",
            "rate_seconds": WINDOW_SECONDS,
        },
    }


async def api_page(request: Request) -> Response:
    actor = await current_actor(request)
    settings = request.app.state.settings
    context = _context(settings.base_url.rstrip("/"), settings.rate_limit_points)
    return render(request, "api_docs.html", context, actor=actor)


async def schema_file(request: Request) -> Response:
    """The SDL a client generates its types from; the same text as schema.graphql."""
    return PlainTextResponse(schema.as_str() + "\n")
