"""Routes that FastAPI analyses at their first use rather than at declaration.

Declaring a path operation makes FastAPI read the endpoint's signature and build a pydantic
field for each parameter, the body and the response: most of the CPU a route costs, and about
a sixth of the server's start (docs/architecture.md, Start-up). A `DeferredRoute` takes at
declaration only what matching a request needs (its path pattern, methods and name) and runs
FastAPI's own `APIRoute.__init__` the first time anything else is read: when it handles a
request, when an OpenAPI document is built, when a test walks the route table. What that
builds is what an `APIRoute` would have built at declaration (tests/core/test_routes.py).
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import compile_path, get_name

__all__ = ["DeferredRoute", "analyse", "is_analysed", "redeclare"]

_ANALYSING = threading.RLock()


class DeferredRoute(APIRoute):
    """An `APIRoute` whose endpoint is analysed at its first use (module docstring)."""

    def __init__(self, path: str, endpoint: Any, **options: Any) -> None:  # APIRoute's later
        self.declaration = (path, endpoint, options)  # what APIRoute.__init__ is given
        self._pending = True
        self.path = path
        self.endpoint = endpoint
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        self.methods = {method.upper() for method in options.get("methods") or ("GET",)}
        name = options.get("name")
        self.name = get_name(endpoint) if name is None else name
        self.include_in_schema = options.get("include_in_schema", True)

    def __getattr__(self, attribute: str) -> Any:
        # Only called for what this object does not hold yet: everything FastAPI's analysis
        # sets. Python's own probes (copy, pickle) are not a use. The pattern is kept, as a
        # router may have widened it since declaration (vendors/rackspace/routing.py lets a
        # trailing slash match).
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        with _ANALYSING:  # one thread analyses; another asking meanwhile waits for it
            if self.__dict__.pop("_pending", False):
                path, endpoint, options = self.declaration
                pattern = self.path_regex
                try:
                    APIRoute.__init__(self, path, endpoint, **options)
                except BaseException:
                    self._pending = True
                    raise
                self.path_regex = pattern
        return object.__getattribute__(self, attribute)


def is_analysed(route: APIRoute) -> bool:
    """Whether FastAPI has analysed this route's endpoint yet."""
    return not route.__dict__.get("_pending", False)


def analyse(route: APIRoute) -> None:
    """Have FastAPI analyse a route now, if it has not yet."""
    if not is_analysed(route):
        route.dependant  # noqa: B018 (reading any analysed attribute analyses)


# What a router passes its route class that `APIRouter.add_api_route` takes from the router
# itself rather than as an argument.
_ROUTER_OWN = ("dependency_overrides_provider",)


def redeclare(router: APIRouter, route: DeferredRoute) -> None:
    """Declare a route again on `router`, as FastAPI's include once did: the router's prefix
    before its path, its tags, dependencies and responses before the route's."""
    path, endpoint, options = route.declaration
    router.add_api_route(path, endpoint,
                         **{k: v for k, v in options.items() if k not in _ROUTER_OWN})
