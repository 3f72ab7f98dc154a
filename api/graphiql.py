"""GraphiQL, where it is enabled: Strawberry's page, sending our CSRF header (the page's token,
from a meta tag) instead of Django's cookie, with a CSP that lets its CDN scripts and its own
inline scripts (by hash) run."""

from __future__ import annotations

import base64
import hashlib
import re

from strawberry.http.ides import get_graphql_ide_html


def graphiql_page(csrf_header: str) -> tuple[str, str]:
    """The page, with `__CSRF_TOKEN__` where the session's token goes, and its CSP."""
    page = get_graphql_ide_html("graphiql")
    page = page.replace(
        'Cookies.get("csrftoken")',
        'document.querySelector("meta[name=csrf-token]")?.content',
    ).replace('defaultHeaders["x-csrftoken"]', f'defaultHeaders["{csrf_header}"]')
    meta = '<meta name="csrf-token" content="__CSRF_TOKEN__">'
    page = page.replace("<head>", f"<head>\n    {meta}", 1)
    inline = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    )
    csp = (
        f"default-src 'self'; script-src 'self' https://unpkg.com {hashes}; "
        "style-src 'self' https://unpkg.com 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data: https://unpkg.com; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'; form-action 'self'"
    )
    return page, csp
