"""BackupRun's OpenAPI document: each apiCALL as an operation of its own, with its fields.

The wire has one endpoint, POST /api.php, with the call named by the form field apiCALL.
OpenAPI keys operations by path and method, so each call is documented at `/api.php#<call>`:
the fragment only tells the operations apart (a client never sends it), and the apiCALL
field, fixed to the call's name, is in each call's form. Swagger UI then lists every call
with its own parameters and "Try it out" posts the right form to /api.php.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.core.openapi import secure
from emulator.vendors.backuprun.call import CALLS, COOKIE
from emulator.vendors.backuprun.schemas import ACTIVATION_HINTS, LOCATIONS, SERVICE_TYPES

__all__ = ["FIELDS", "PATH", "SCHEMES", "Field", "reshape"]

PATH = "/api.php"
SCHEMES = {"session": {
    "type": "apiKey", "in": "cookie", "name": COOKIE,
    "description": "Set by apiCALL=login (a browser keeps and sends it by itself).",
}}


@dataclass(frozen=True)
class Field:
    """One form field of a call."""

    name: str
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    secret: bool = False


_FLAG = ("0", "1")
_HINTS = tuple(sorted(ACTIVATION_HINTS))
_LOCATIONS = tuple(str(i) for i in LOCATIONS)
_AGENT = (Field("agent", "the agent's host name or IP address"),
          Field("agent_port", "the agent's port, 1 to 65535"),
          Field("location", "storage location id", choices=_LOCATIONS),
          Field("name", "the service's name"),
          Field("encrypt", "1: encrypt backups (then password is required)", choices=_FLAG),
          Field("password", "encryption password", secret=True))


def _required(fields: tuple[Field, ...], *names: str) -> tuple[Field, ...]:
    return tuple(Field(f.name, f.description, True, f.choices, f.secret) if f.name in names
                 else f for f in fields)


# apiCALL -> (summary, form fields besides apiCALL)
FIELDS: dict[str, tuple[str, tuple[Field, ...]]] = {
    "registerNewUser": ("Create an account (its main user)", (
        Field("email", "login email", True), Field("name", "full name", True),
        Field("password", "password", True, secret=True))),
    "login": ("Log in: sets the session cookie", (
        Field("email", "login email", True), Field("password", "password", True, secret=True),
        Field("remember", "1: a persistent cookie for 30 days", choices=_FLAG))),
    "logout": ("End the session", ()),
    "recoverPassword": ("Mail a password recovery code", (
        Field("email", "login email", True),)),
    "resetPassword": ("Set a new password with a recovery code, and log in", (
        Field("recoverycode", "the code from the recovery mail", True),
        Field("password", "the new password", True, secret=True),
        Field("remember", "1: a persistent cookie for 30 days", choices=_FLAG))),
    "addContact": ("Add a contact (subuser) to the account", (
        Field("email", "the contact's login email", True),
        Field("name", "full name", True), Field("password", "password", True, secret=True),
        Field("role", "4 subuser (2 billing and 1 technical are accepted)", True,
              choices=("4", "2", "1")),
        Field("FixedPhone", "fixed phone"), Field("telephone", "mobile phone"),
        Field("Mobile2", "second mobile phone"))),
    "updateContactData": ("Change a contact's details", (
        Field("contact_id", "the contact's id", True), Field("email", "new login email"),
        Field("name", "new name"), Field("password", "new password", secret=True),
        Field("FixedPhone", "fixed phone"), Field("telephone", "mobile phone"),
        Field("Mobile2", "second mobile phone"))),
    "removeContact": ("Remove a contact", (Field("contact_id", "the contact's id", True),)),
    "updateUserData": ("Change the logged-in user's own details", (
        Field("email", "new login email"), Field("name", "new name"),
        Field("password", "new password", secret=True),
        Field("notify", "1: send notifications", choices=_FLAG),
        Field("notify_email", "where notifications go"), Field("fixed-phone", "fixed phone"),
        Field("mobile", "mobile phone"), Field("mobile2", "second mobile phone"))),
    "addService": ("Create a backup service", (
        Field("type", "VDS or SERVER", True, choices=tuple(SERVICE_TYPES)),
        *_required(_AGENT, "agent", "agent_port", "location", "name"))),
    "activateAgent": ("Change a service's agent settings", (
        Field("agent-id", "the service's numeric id", True), *_AGENT)),
    "setActivationHint": ("Say how the agent will be installed", (
        Field("service_id", "the service id (V... or S...)", True),
        Field("activation_hint", "installation method", True, choices=_HINTS))),
    "setServiceConfigured": ("Mark a service configured", (
        Field("service_id", "the service id (V... or S...)", True),
        Field("activation_hint", "installation method", True, choices=_HINTS))),
    "editService": ("Terminate a service or assign it to a subuser", (
        Field("sc_id", "the service's numeric id", True),
        Field("service_action", "what to do", True, choices=("terminate", "set_subuser")),
        Field("service_type", "custom", choices=("custom",)),
        Field("subuser_id", "the contact to assign it to (set_subuser)"))),
    "runPolicy": ("Start the first backup of a created service", (
        Field("service_id", "the service id (V... or S...)", True),
        Field("activation_hint", "installation method", choices=_HINTS))),
    "getStatus": ("The account with every service visible to the user", ()),
    "getBackupStatus": ("One service's state and its latest task", (
        Field("service_id", "the service id (V... or S...)", True),
        Field("timezoneOffset", "minutes east of UTC for the times shown, -900 to 900"))),
    "getTaskDetailById": ("One backup task's messages", (
        Field("taskExecutionContextId", "the task's taskExecutionContextId", True),
        Field("timezoneOffset", "minutes east of UTC for the times shown, -900 to 900"))),
}


def _schema(call: str, fields: tuple[Field, ...]) -> dict[str, Any]:
    properties: dict[str, Any] = {"apiCALL": {"type": "string", "enum": [call],
                                              "default": call}}
    for f in fields:
        prop: dict[str, Any] = {"type": "string", "description": f.description}
        if f.choices:
            prop["enum"] = list(f.choices)
        if f.secret:
            prop["format"] = "password"
        if not f.required and not f.choices:
            prop["example"] = ""  # Swagger UI would otherwise send "string" (empty is absent)
        properties[f.name] = prop
    return {"type": "object", "properties": properties,
            "required": ["apiCALL", *(f.name for f in fields if f.required)]}


def reshape(document: dict[str, Any]) -> dict[str, Any]:
    """The one generated POST /api.php becomes one operation per apiCALL."""
    generic = document["paths"].pop(PATH)["post"]
    for call, (summary, fields) in FIELDS.items():
        form = _schema(call, fields)
        document["paths"][f"{PATH}#{call}"] = {"post": {
            "tags": generic.get("tags", ["backuprun"]),
            "summary": summary,
            "description": f"`POST {PATH}` with `apiCALL={call}`; fields as form data "
                           "(urlencoded or multipart). Errors are XML too, with HTTP 200.",
            "operationId": call,
            "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "multipart/form-data": {"schema": form}}},
            "responses": generic["responses"],
        }}
    public = {f"{PATH}#{name}" for name, (_, needs_session) in CALLS.items()
              if not needs_session}
    return secure(document, SCHEMES, public=public)
