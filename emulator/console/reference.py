"""API reference offline: Swagger UI per vendor (and /docs for everything), no CDN.

Swagger UI's own files come from the fastapi-offline package, served from the console's
static path; the documents are the control plane's /_emulator/openapi/{name}.json, so "Try it
out" calls the emulator itself.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

__all__ = ["DOCUMENTS", "SWAGGER_ASSETS", "everything", "swagger_ui"]

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"

DOCUMENTS = {
    "cleverfox": "CleverFox Backup",
    "rackspace": "Rackspace Cloud Backup v1.0 and Identity v2.0",
    "backuprun": "BackupRun",
    "code42": "Code42",
    "control": "Control plane (/_emulator)",
}

PARAMETERS = {
    "validatorUrl": None,  # Swagger UI would ask an online validator about the document
    "tryItOutEnabled": True,
    "persistAuthorization": True,
    "displayRequestDuration": True,
    "docExpansion": "list",
    "defaultModelsExpandDepth": 0,
}


_BAR = ('<nav aria-label="API references" style="font: 15px system-ui, sans-serif; '
        'padding: 10px 20px; background: #14324f;">'
        '<a style="color: #fff; font-weight: 700; margin-right: 18px" href="/">'
        '&larr; backup-emulator console</a>{links}</nav>')
_LINK = '<a style="color: #fff; margin-right: 14px" href="/console/reference/{name}">{title}</a>'


def _page(openapi_url: str, title: str) -> HTMLResponse:
    base = "/console/static/swagger"
    links = "".join(_LINK.format(name=n, title=t.split(" (")[0].split(" v1.0")[0])
                    for n, t in DOCUMENTS.items())
    page = get_swagger_ui_html(
        openapi_url=openapi_url, title=title,
        swagger_js_url=f"{base}/swagger-ui-bundle.js",
        swagger_css_url=f"{base}/swagger-ui.css",
        swagger_favicon_url=f"{base}/favicon.png",
        swagger_ui_parameters=PARAMETERS,
    )
    html = bytes(page.body).decode().replace("<body>", "<body>" + _BAR.format(links=links), 1)
    return HTMLResponse(html)


async def swagger_ui(request: Request) -> Response:
    """GET /console/reference/{name}: one vendor's (or the control plane's) Swagger UI."""
    name = request.path_params["name"]
    if name not in DOCUMENTS:
        return HTMLResponse(f"<p>No API reference {name!r}; have "
                            f"{', '.join(DOCUMENTS)}.</p>", 404)
    return _page(f"/_emulator/openapi/{name}.json", f"{DOCUMENTS[name]} - API reference")


async def everything(_request: Request) -> Response:
    """GET /docs: every surface in one Swagger UI (the app's combined document)."""
    return _page("/_emulator/openapi.json", "backup-emulator - Swagger UI")
