"""/_emulator/faults: create, list and delete fault rules (see core.faults for how they fire)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from emulator.core.deps import EmulatorDep, SandboxFilterDep, require_world
from emulator.core.errors import NotFound
from emulator.core.faults import NO_CONTENT
from emulator.core.numbers import BigIdText, Int64
from emulator.core.render import json_response
from emulator.core.routes import DeferredRoute
from emulator.core.timeutil import UTC
from emulator.core.world import DEFAULT_WORLD_ID

__all__ = ["FaultSpec", "router"]

_MEDIA_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+"
                         r"([ \t]*;[ \t]*[\x21-\x7e]+(=[\x20-\x7e]*)?)*", re.ASCII)

router = APIRouter(prefix="/faults", tags=["faults"], route_class=DeferredRoute)

VENDORS = ("cleverfox", "rackspace", "backuprun", "code42")
MAX_LATENCY_MS = 60_000.0
MAX_FOR_SECONDS = 10 * 366 * 86_400.0

Latency = Annotated[float, Field(ge=0, le=MAX_LATENCY_MS, allow_inf_nan=False)]
# A [min, max] pair, documented as a two-item array (a tuple's own schema is not OpenAPI 3.0).
LatencyRange = Annotated[tuple[Latency, Latency], WithJsonSchema({
    "type": "array", "minItems": 2, "maxItems": 2,
    "items": {"type": "number", "minimum": 0, "maximum": MAX_LATENCY_MS}})]


class FaultSpec(BaseModel):
    """POST /_emulator/faults: which requests, how often, and what goes wrong."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["error", "throttle", "latency", "drop", "truncate"] = Field(
        description="error: a status with the vendor's error body (or `body`); throttle: 429 or "
        "503 with Retry-After; latency: a delay, then the real answer; drop: close the "
        "connection without an answer; truncate: an answer cut short, then the connection "
        "closes")
    vendor: Literal["cleverfox", "rackspace", "backuprun", "code42"] | None = None
    method: str | None = Field(default=None, pattern=r"^[A-Za-z]{1,16}$")
    path: str | None = Field(default=None, min_length=1, max_length=500,
                             description="glob over the path (fnmatch: * also matches /)")
    api_call: str | None = Field(default=None, min_length=1, max_length=100,
                                 description="BackupRun's apiCALL")
    sandbox: str | None = Field(default=None, max_length=40,
                                description="only requests whose credentials are this "
                                "sandbox's (or 'default': the default world's)")
    probability: float = Field(default=1.0, gt=0, le=1)
    times: int | None = Field(default=None, ge=1, le=1_000_000,
                              description="fire for the next N matching requests only")
    seed: Int64 | None = Field(default=None, description="seed of the rule's own generator")
    status: int | None = Field(default=None, ge=200, le=599)
    body: str | None = Field(default=None, max_length=1_048_576)
    content_type: str | None = Field(default=None, max_length=200)
    retry_after: int | None = Field(default=None, ge=0, le=86_400,
                                    description="seconds, sent as Retry-After")
    latency_ms: Latency | LatencyRange | None = Field(
        default=None, description="a delay before the answer: ms, or [min, max] drawn uniformly")
    truncate_at: int | None = Field(default=None, ge=0, le=2**31 - 1,
                                    description="bytes of the answer sent (default half)")
    for_seconds: float | None = Field(
        default=None, gt=0, le=MAX_FOR_SECONDS, allow_inf_nan=False,
        description="fire only for this many seconds of virtual time, on the clock of the "
        "rule's sandbox (else the default world's): an outage that advancing the clock ends")

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return None if value is None else value.upper()

    @field_validator("content_type")
    @classmethod
    def _media_type(cls, value: str | None) -> str | None:
        # Sent as a header on every matching answer: checked here, not when it is sent.
        if value is not None and not _MEDIA_TYPE.fullmatch(value):
            raise ValueError("must be a media type such as application/json or "
                             "text/xml; charset=utf-8 (printable ASCII, no line breaks)")
        return value

    @field_validator("path")
    @classmethod
    def _rooted(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("/", "*")):
            raise ValueError("must start with / (or a * glob)")
        return value

    @model_validator(mode="after")
    def _fits_action(self) -> Self:
        _check_action(self)
        return self


def _check_action(spec: FaultSpec) -> None:
    action, status = spec.action, spec.status
    allowed = {"error": {"status", "body", "content_type", "retry_after"},
               "throttle": {"status", "retry_after"},
               "latency": set(),
               "drop": set(),
               "truncate": {"status", "body", "content_type", "truncate_at"}}[action]
    for name in ("status", "body", "content_type", "retry_after", "truncate_at"):
        if getattr(spec, name) is not None and name not in allowed:
            raise ValueError(f"{name} does not apply to action {action!r}")
    if action == "latency" and spec.latency_ms is None:
        raise ValueError("action 'latency' needs latency_ms")
    if action in ("error", "truncate") and status in NO_CONTENT:
        # Accepted, such a rule's answer broke the connection it was sent on.
        raise ValueError(f"status {status} answers carry no content (HTTP), so an {action!r} "
                         "rule cannot answer with it; choose another status")
    if action == "error" and status is not None and status < 400 and spec.body is None:
        raise ValueError("status of an error without a body must be 400-599")
    if action == "throttle" and status not in (None, 429, 503):
        raise ValueError("status of a throttle must be 429 or 503")
    if spec.content_type is not None and spec.body is None:
        raise ValueError("content_type needs a body")
    if isinstance(spec.latency_ms, tuple) and spec.latency_ms[0] > spec.latency_ms[1]:
        raise ValueError("latency_ms [min, max] needs min <= max")
    if spec.api_call is not None and spec.vendor not in (None, "backuprun"):
        raise ValueError("api_call applies to vendor 'backuprun' only")


class FaultView(FaultSpec):
    """A rule as stored: its spec, id and how often it fired."""

    model_config = ConfigDict(extra="allow")

    id: int
    fired: int
    remaining: int | None
    created_at: str


@router.post("", status_code=201, response_model=FaultView, summary="Add a fault rule")
async def add_fault(emu: EmulatorDep, spec: FaultSpec) -> Response:
    if spec.sandbox is not None:
        require_world(emu, spec.sandbox)
    fields: dict[str, Any] = spec.model_dump()
    for_seconds = fields.pop("for_seconds")
    if for_seconds is not None:
        clock = emu.clock(spec.sandbox or DEFAULT_WORLD_ID)
        fields.update(until=clock.now() + timedelta(seconds=for_seconds))
    rule = emu.faults.add(datetime.now(UTC), **fields)
    return json_response(rule.view(), 201)


@router.get("", response_model=list[FaultView], summary="Every fault rule, oldest first")
async def list_faults(emu: EmulatorDep, sandbox: SandboxFilterDep) -> Response:
    return json_response([r.view() for r in emu.faults.rules(sandbox)])


@router.delete("", status_code=204, summary="Remove every rule (or a sandbox's)")
async def clear_faults(emu: EmulatorDep, sandbox: SandboxFilterDep) -> Response:
    emu.faults.clear(sandbox)
    return Response(status_code=204)


@router.get("/{rule_id}", response_model=FaultView, summary="One fault rule")
async def get_fault(emu: EmulatorDep, rule_id: BigIdText) -> Response:
    rule = emu.faults.get(rule_id)
    if rule is None:
        raise NotFound(f"no fault rule {rule_id}")
    return json_response(rule.view())


@router.delete("/{rule_id}", status_code=204, summary="Remove a fault rule")
async def remove_fault(emu: EmulatorDep, rule_id: BigIdText) -> Response:
    if not emu.faults.remove(rule_id):
        raise NotFound(f"no fault rule {rule_id}")
    return Response(status_code=204)
