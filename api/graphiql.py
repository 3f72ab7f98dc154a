"""GraphiQL, where it is enabled: Strawberry's page, sending our CSRF header (the page's token,
from a meta tag) instead of Django's cookie, with its scripts and styles served from our own
static files (vendored, web/static/VENDORED.md) instead of a CDN: it works offline, and the CSP
allows no other origin. The page's integrity attributes stay, so the browser checks that our
copies are the published files."""

from __future__ import annotations

import base64
import hashlib
import re

from strawberry.http.ides import get_graphql_ide_html

# Each CDN address in Strawberry's page, and our copy of the same file.
VENDORED = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js":
        "/static/graphiql/react-18.2.0.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js":
        "/static/graphiql/react-dom-18.2.0.production.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css":
        "/static/graphiql/graphiql-3.8.3.min.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css":
        "/static/graphiql/plugin-explorer-1.0.2.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js":
        "/static/graphiql/graphiql-3.8.3.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js":
        "/static/graphiql/plugin-explorer-1.0.2.umd.js",
}  # fmt: skip
# Read the CSRF token from a cookie: the page reads ours from a meta tag instead.
_JS_COOKIE = re.compile(
    r"<script\s+crossorigin\s+src=\"https://unpkg\.com/js-cookie@[^\"]+\"[^>]*>\s*</script>"
)


class UnknownIdeAsset(RuntimeError):
    """Strawberry's page names a file from elsewhere that we have no copy of."""


def graphiql_page(csrf_header: str) -> tuple[str, str]:
    """The page, with `__CSRF_TOKEN__` where the session's token goes, and its CSP."""
    page = get_graphql_ide_html("graphiql")
    page = page.replace(
        'Cookies.get("csrftoken")',
        'document.querySelector("meta[name=csrf-token]")?.content',
    ).replace('defaultHeaders["x-csrftoken"]', f'defaultHeaders["{csrf_header}"]')
    page = _JS_COOKIE.sub("", page)
    for remote, ours in VENDORED.items():
        page = page.replace(f'"{remote}"', f'"{ours}"')
    if (left := re.search(r"https://unpkg\.com/[^\"]+", page)) is not None:
        raise UnknownIdeAsset(f"no vendored copy of {left.group(0)} (a newer Strawberry?)")
    meta = '<meta name="csrf-token" content="__CSRF_TOKEN__">'
    page = page.replace("<head>", f"<head>\n    {meta}", 1)
    inline = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    )
    csp = (
        f"default-src 'self'; script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'; form-action 'self'"
    )
    return page, csp
