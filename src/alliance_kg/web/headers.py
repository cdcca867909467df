"""Security headers: what a browser may load, frame and sniff on this service's pages.

Every HTML page (the query page at ``/``, the resource pages ``/doc/…``, pyLODE's ontology page,
any page added later) gets one policy: scripts, styles, images, fonts and requests from this
service only, no framing by other sites, no MIME sniffing, and only the origin as the referrer
on links to other sites. Every response, HTML or not, carries ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from flask import Flask, Response

#: Nothing but this service. 'unsafe-inline' styles: YASGUI sets inline styles, and the resource
#: pages and pyLODE's ontology page carry a <style> element. No page runs an inline script
#: (pyLODE's one <script> is JSON-LD data, which a browser does not run). data: images and fonts:
#: the favicons of the query page and pyLODE's page, and YASGUI's CSS.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)
#: The headers of every HTML page. X-Frame-Options says what frame-ancestors says, for browsers
#: without CSP 2. The referrer: the full URL to this service (same origin), only the origin elsewhere.
HTML_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def secure(response: Response) -> Response:
    """Add the security headers: ``nosniff`` to every response, :data:`HTML_HEADERS` to HTML.

    >>> html = secure(Response("<p>hi</p>", mimetype="text/html"))
    >>> html.headers["X-Frame-Options"], html.headers["X-Content-Type-Options"]
    ('SAMEORIGIN', 'nosniff')
    >>> data = secure(Response("{}", mimetype="application/json"))
    >>> "Content-Security-Policy" in data.headers, data.headers["X-Content-Type-Options"]
    (False, 'nosniff')
    """
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        response.headers.update(HTML_HEADERS)
    return response


def register(app: Flask) -> None:
    """Add the security headers to every response of ``app``, error responses included."""
    app.after_request(secure)
