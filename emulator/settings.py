"""The emulator's configuration: one pydantic-settings class, every field an EMULATOR_* variable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from emulator.core.clock import check_in_range
from emulator.core.journal import MAX_BODY_BYTES, MAX_CAPACITY
from emulator.core.numbers import Int64

DEFAULT_DB = "backup-emulator.db"
DEFAULT_SEED = 20150101


class Settings(BaseSettings):
    """Server, storage, clock and simulation settings; the CLI flags override these."""

    model_config = SettingsConfigDict(env_prefix="EMULATOR_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    db: str = Field(
        default=DEFAULT_DB,
        description="A SQLite file path, ':memory:', or a SQLAlchemy URL (sqlite://, postgresql://)",
    )
    seed: Int64 = Field(default=DEFAULT_SEED, description="Seed of the default world")
    speed: float = Field(default=1.0, gt=0, description="Virtual seconds per real second")
    freeze: bool = Field(default=False, description="Start with the virtual clock frozen")
    now: datetime | None = Field(
        default=None, description="Virtual time of a newly built default world (default: real now)"
    )
    tick_seconds: float = Field(
        default=0.1,
        ge=0,
        description="How often the background engine applies due transitions; 0 turns it off",
    )
    journal_size: int = Field(
        default=10_000, ge=0, le=MAX_CAPACITY,
        description="How many vendor requests the journal keeps (the newest); 0 keeps none",
    )
    journal_body_bytes: int = Field(
        default=2048, ge=0, le=MAX_BODY_BYTES,
        description="How many bytes of each request and response body the journal keeps",
    )
    snapshot: str | None = Field(
        default=None,
        description="A snapshot file to start from: it replaces the stored state at each start "
        "(a sandbox snapshot replaces that sandbox) and is kept under its name for restores",
    )
    clone_worlds: bool = Field(
        default=True,
        description="Make sandboxes and resets by copying a template world of the same seed "
        "(fixtures.templates) instead of building each; 0 builds every world")
    response_cache: bool = Field(
        default=True,
        description="Answer a repeated vendor GET from memory while the store says it is fresh "
        "(core.response_cache); 0 turns it off")
    response_cache_mb: float = Field(
        default=32, gt=0, le=2**14,
        description="Memory the response cache may hold, in MiB (least recently used goes first)")
    workers: int = Field(
        default=1, ge=1, le=64,
        description="Server processes sharing the listening socket and the store (uvicorn's "
        "workers); more than one needs a database file or URL, not ':memory:'")
    log_level: str = "info"
    base_url: str | None = Field(
        default=None,
        description="Public base URL the emulator advertises to clients, e.g. in the Rackspace "
        "Identity service catalog (default: the base URL of each request)",
    )

    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the server answers to besides localhost, 127.0.0.1, [::1], "
        "its bind address and the host of base_url (comma-separated; `*` answers any Host, "
        "which lets DNS rebinding in)")
    control_token: str | None = Field(
        default=None, min_length=1,
        description="If set, every /_emulator call but health and the OpenAPI documents must "
        "send it in the X-Emulator-Token header")
    max_body_bytes: int = Field(
        default=4 * 2**20, ge=1024, le=2**30,
        description="Largest request body accepted; a larger one is a 413 in the vendor's format")
    header_timeout: float = Field(
        default=10.0, gt=0, le=3600,
        description="Seconds a connection may take to send a request's headers (idle "
        "keep-alive time included); then it is closed")
    body_timeout: float = Field(
        default=30.0, gt=0, le=3600,
        description="Seconds a request may take to send its body; then a 408")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @field_validator("now", mode="before")
    @classmethod
    def _now_is_iso(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise ValueError("expected an ISO 8601 date and time, e.g. "
                                 f"2026-01-05T09:00:00Z, not {value!r}") from None
        return value

    @field_validator("now")
    @classmethod
    def _now_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else check_in_range("now", value)
