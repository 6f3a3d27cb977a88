"""The console's routes (built on its first request; see emulator.console.mount).

Pages render a world's state on the server; /console/stream then pushes fresh fragments of
the same templates as Server-Sent Events while the page is open. Steering happens in the
browser, which calls the /_emulator control plane itself.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles

from emulator.console import reference, stream, views
from emulator.console.templating import HERE, render
from emulator.console.worlds import VENDORS, WorldInfo, all_worlds, world_info
from emulator.core.errors import NotFound
from emulator.core.runtime import Emulator
from emulator.core.world import DEFAULT_WORLD_ID

__all__ = ["build"]

PAGES = (("/", "Overview"), ("/console/worlds", "Worlds"), ("/console/live", "Live"),
         ("/console/traffic", "Traffic"), ("/console/pictures", "Pictures"),
         ("/console/reference", "API reference"))
VENDOR_PARTS = ("cleverfox", "rackspace", "backuprun", "code42")


def _emulator(request: Request) -> Emulator:
    emu: Emulator = request.app.state.emulator
    return emu


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _page(request: Request, template: str, *, world: str | None = None, **context: Any
          ) -> Response:
    """A full page about one world (?world=, default: the default world)."""
    emu = _emulator(request)
    world_id = world or request.query_params.get("world") or DEFAULT_WORLD_ID
    with emu.db.session() as session:
        try:
            info = world_info(emu, session, world_id, _root(request))
        except NotFound:
            return HTMLResponse(render("missing.html", pages=PAGES, path=request.url.path,
                                       world_id=world_id, worlds=[], world=None), 404)
        worlds = all_worlds(emu, session, _root(request))
        extra = context.pop("build", None)
        if extra is not None:
            context.update(extra(emu, session, info))
    return HTMLResponse(render(template, pages=PAGES, path=request.url.path, world=info,
                               worlds=worlds, vendors=VENDORS, **context))


def _parts(emu: Emulator, session: Any, info: WorldInfo) -> dict[str, Any]:
    return stream.render_parts(emu, session, info, ("clock", *VENDOR_PARTS))


async def landing(request: Request) -> Response:
    return _page(request, "landing.html", surfaces=VENDORS)


async def worlds_page(request: Request) -> Response:
    return _page(request, "worlds.html", created=request.query_params.get("created"))


async def live(request: Request) -> Response:
    def build(emu: Emulator, session: Any, info: WorldInfo) -> dict[str, Any]:
        ctx = emu.ctx(session, info.id)
        session.commit()
        return {"parts": _parts(emu, session, info),
                "choices": {"cleverfox": views.cleverfox(ctx)["devices"].rows,
                            "rackspace": views.rackspace(ctx)["agents"].rows,
                            "backuprun": views.backuprun(ctx)["services"].rows,
                            "code42": views.code42(ctx)["devices"].rows}}

    return _page(request, "live.html", build=build, stream_parts=("clock", *VENDOR_PARTS))


async def traffic(request: Request) -> Response:
    filters = stream.traffic_filters(request.query_params)

    def build(emu: Emulator, session: Any, info: WorldInfo) -> dict[str, Any]:
        rows, last = stream.traffic_rows(emu, info.id, filters, after=0)
        return {"rows": rows, "last_id": last}

    return _page(request, "traffic.html", build=build, filters=filters,
                 statuses=stream.STATUS_CHOICES)


async def pictures(request: Request) -> Response:
    def build(emu: Emulator, session: Any, info: WorldInfo) -> dict[str, Any]:
        return {"parts": stream.render_parts(emu, session, info, ("clock", "pictures"))}

    return _page(request, "pictures.html", build=build)


async def reference_index(request: Request) -> Response:
    return _page(request, "reference.html", documents=reference.DOCUMENTS)


def build() -> Router:
    """The console as one ASGI router (mounted at /, /docs and /console by mount())."""
    return Router(routes=[
        Route("/", landing, methods=["GET", "HEAD"]),
        Route("/docs", reference.everything, methods=["GET", "HEAD"]),
        Route("/worlds", worlds_page, methods=["GET", "HEAD"]),
        Route("/live", live, methods=["GET", "HEAD"]),
        Route("/traffic", traffic, methods=["GET", "HEAD"]),
        Route("/pictures", pictures, methods=["GET", "HEAD"]),
        Route("/reference", reference_index, methods=["GET", "HEAD"]),
        Route("/reference/{name}", reference.swagger_ui, methods=["GET", "HEAD"]),
        Route("/stream", stream.events, methods=["GET"]),
        Mount("/static/swagger", StaticFiles(directory=reference.SWAGGER_ASSETS)),
        Mount("/static", StaticFiles(directory=HERE / "static")),
    ])
