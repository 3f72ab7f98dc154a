"""Static files with caching that fits how they are named: a page asks for each file by a name
or query that changes whenever its bytes do, so such a request may be cached for a year and never
revalidated; a bare request (an old bookmark, a hand-typed URL) is revalidated each time."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from web import STATIC_DIR

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Vendored files carry their version in their name (htmx-2.0.11.min.js).
NAMED_BY_VERSION = re.compile(r"-\d+\.\d+\.\d+[.-]")


def _version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# Read once: the files ship with the code and change only with a deployment (a restart).
VERSIONS = {
    p.relative_to(STATIC_DIR).as_posix(): _version(p) for p in STATIC_DIR.rglob("*") if p.is_file()
}


def static_url(name: str) -> str:
    """The URL a page uses for a static file: its content's hash in the query."""
    if NAMED_BY_VERSION.search(name):
        return f"/static/{name}"
    return f"/static/{name}?v={VERSIONS[name]}"


class VersionedStaticFiles(StaticFiles):
    """Starlette's static files, with Cache-Control by whether the request names the version."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            query = scope.get("query_string", b"").decode("latin-1")
            version = VERSIONS.get(path)
            current = version is not None and query == f"v={version}"
            named = NAMED_BY_VERSION.search(path) is not None and path in VERSIONS
            response.headers["cache-control"] = IMMUTABLE if current or named else REVALIDATE
        return response
