"""What the API promises its clients, in one place: its limits, the codes of its top-level
errors and its response media type.

A leaf: it imports no schema, type or execution module, so the checks that enforce these numbers
and the /api page that documents them read the same values without loading the schema.
"""

from __future__ import annotations

from prao import pagination
from prao.services import pupil_upsert

# Query size, checked while the document is validated (api.query_rules, Strawberry's limiter).
MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000

# Query cost (api.cost): a connection costs its page size times its nodes; a mutation field ten.
MAX_COST = 1000
MUTATION_COST = 10

# The domain's own limits, published here with the rest.
MAX_PAGE_SIZE = pagination.MAX_PAGE_SIZE
DEFAULT_PAGE_SIZE = pagination.DEFAULT_PAGE_SIZE
MAX_UPSERT_ROWS = pupil_upsert.MAX_ROWS

# Lists a caller may send or get at once.
MAX_NODES = 100  # nodes(ids:)
MAX_SLOT_IDS = 100  # submitWishes' slotIds
MAX_SCHOOLS = 100  # a slot's schoolIds
MAX_UNPLACED = 100  # periodOverview's unplacedPupils

# Request size (api.app). Far above MAX_TOKENS worth of query text; upsertPupils' rows fit.
MAX_BODY_BYTES = 1024 * 1024
# GET is for queries: MAX_TOKENS of query text and small variables fit.
MAX_QUERY_STRING_BYTES = 64 * 1024

# The per-caller budget of cost points is a setting (rate_limit_points), counted per window.
WINDOW_SECONDS = 60

# Codes of the errors in the response's top-level `errors`, in extensions.code.
BAD_USER_INPUT = "BAD_USER_INPUT"  # Apollo's code for a bad argument: the caller's mistake
TOO_COSTLY = "QUERY_TOO_COSTLY"
RATE_LIMITED = "RATE_LIMITED"
INTERNAL = "INTERNAL_SERVER_ERROR"

GRAPHQL_RESPONSE = "application/graphql-response+json"
