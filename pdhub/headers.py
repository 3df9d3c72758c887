"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

#: No other site may show a PD Hub response in a frame (clickjacking).
FRAME_ANCESTORS = "frame-ancestors 'none'"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline script anywhere
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self' https://www.linkedin.com",
        FRAME_ANCESTORS,
    ]
)


def init_app(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        policy = headers.get("Content-Security-Policy")
        if policy is None:
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        elif "frame-ancestors" not in policy:
            # A response with its own policy (a sandboxed evidence file, a badge's
            # SVG) still may not be framed by another site.
            headers["Content-Security-Policy"] = (
                f"{policy.rstrip('; ')}; {FRAME_ANCESTORS}"
            )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.is_secure or app.config["PDHUB_PRODUCTION"]:
            headers.setdefault(
                "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
            )
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
