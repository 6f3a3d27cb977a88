"""Secrets: every credential, API key, token, session id and recovery code a world hands out.

The rule, in one place: a seed decides a world's data, never its secrets. Every vendor draws
its secrets here, from a generator keyed by HMAC-SHA256 over

- the world's key (`World.secret_key`): the default world's follows its seed, so a reset to
  the same seed hands the same logins back and `GET /_emulator/credentials` stays put; a
  sandbox's follows the server's *epoch*, a counter stored in the database that only ever
  grows (a reset, a snapshot restore or a wipe never winds it back), so no two sandboxes the
  server ever made share a key, whatever their seeds;
- the world's incarnation (`World.epoch`): 0 while the world is built, so the credentials of
  its fixtures are a function of its key alone, then a fresh epoch whenever it comes to life
  (built, reset, put back by a snapshot), so a session id, token or recovery code issued
  after a reset is never one issued before it;
- the purpose and the caller's keys (a counter, a subject, the virtual time).

HMAC and the counter make it deterministic: the same requests against a fresh server give the
same bytes. They also make it unique: two live worlds never share a key, so a credential
alone tells which world it belongs to, and tables that all worlds share (session ids,
recovery codes, tokens) never see the same value twice.

Nothing here is secret from a reader of this source: the emulator's credentials guard test
data, not anything of value.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import string
import uuid
from typing import Any, Protocol

from sqlmodel import Field, Session, SQLModel

from emulator.core.db import driver_cursor

__all__ = ["SERVER_KEY", "SecretEpoch", "WorldKeys", "default_world_key", "draw", "guid",
           "hex_token", "next_epoch", "sandbox_id", "sandbox_key", "template_key", "text_token"]

SERVER_KEY = b"backup-emulator secrets v1"
_ALNUM = string.ascii_lowercase + string.digits


class WorldKeys(Protocol):
    """What a draw needs of a world (a World row or its detached copy)."""

    @property
    def secret_key(self) -> str: ...

    @property
    def epoch(self) -> int: ...


class SecretEpoch(SQLModel, table=True):
    """The server's epoch counter: one row that resets, wipes and restores leave alone."""

    __tablename__ = "secret_epoch"
    __table_args__ = {"info": {"survives_reset": True}}

    id: int = Field(default=1, primary_key=True)
    value: int = 0


_NEXT_EPOCH = ("INSERT INTO secret_epoch (id, value) VALUES (1, 1) ON CONFLICT (id) "
               "DO UPDATE SET value = secret_epoch.value + 1 RETURNING value")


def next_epoch(session: Session) -> int:
    """The next value of the server's epoch (the caller commits).

    One statement on the session's DBAPI cursor, atomic across processes; the row is never
    loaded into a session, and no answer reads it (core.versions leaves it unversioned)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and (connection.dialect.server_version_info
                                                or (0,)) < (3, 35):
        row = session.get(SecretEpoch, 1) or SecretEpoch(id=1, value=0)  # no RETURNING
        row.value += 1
        session.add(row)
        session.flush()
        return row.value
    with driver_cursor(session) as cursor:
        cursor.execute(_NEXT_EPOCH)
        stored: Any = cursor.fetchone()
    return int(stored[0])


def _mac(key: bytes, *parts: object) -> bytes:
    message = "\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).digest()


def default_world_key(seed: int) -> str:
    """The default world's key: it follows the seed (a reset gives the same logins back)."""
    return _mac(SERVER_KEY, "default-world", seed).hex()


def sandbox_key(session: Session) -> tuple[str, int]:
    """A new sandbox's key and the epoch it was drawn at: never a key any world of this store
    had."""
    epoch = next_epoch(session)
    return _mac(SERVER_KEY, "sandbox", epoch).hex(), epoch


def template_key(template_id: str) -> str:
    """A template world's key (fixtures.templates): never a live world's, as templates serve
    no client and every world copied from one draws its secrets again with its own key."""
    return _mac(SERVER_KEY, "template", template_id).hex()


def sandbox_id(key: str, epoch: int) -> str:
    """The id of the sandbox with world key `key`, drawn at `epoch`: the epoch first (unique,
    and rising, so a new sandbox's rows go at the end of every world-keyed index rather than
    splitting pages in its middle), then a part of the key's MAC."""
    return f"sb-{epoch:06x}{_mac(bytes.fromhex(key), 'id').hex()[:6]}"


def draw(world: WorldKeys, purpose: str, *keys: object) -> random.Random:
    """A generator for one secret of `world`: same world, incarnation, purpose and keys,
    same values; anything else, other values."""
    seed = _mac(bytes.fromhex(world.secret_key), world.epoch, purpose, *keys)
    return random.Random(int.from_bytes(seed, "big"))


def hex_token(world: WorldKeys, purpose: str, *keys: object, bits: int = 128) -> str:
    """A lower-case hex secret of `bits` bits."""
    return f"{draw(world, purpose, *keys).getrandbits(bits):0{bits // 4}x}"


def guid(world: WorldKeys, purpose: str, *keys: object) -> str:
    """A version-4 GUID secret, lower case (callers upper-case it where the vendor does)."""
    return str(uuid.UUID(int=draw(world, purpose, *keys).getrandbits(128), version=4))


def text_token(world: WorldKeys, purpose: str, *keys: object, length: int = 16,
               alphabet: str = _ALNUM) -> str:
    """A secret of `length` characters from `alphabet` (passwords, session ids, codes)."""
    rng = draw(world, purpose, *keys)
    return "".join(rng.choice(alphabet) for _ in range(length))
