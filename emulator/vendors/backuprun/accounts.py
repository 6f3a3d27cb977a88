"""Account data with a session: addContact, updateContactData, removeContact, updateUserData."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlmodel import col

from emulator.vendors.backuprun.auth import new_user
from emulator.vendors.backuprun.call import Call, api_call, in_world, users_by_email
from emulator.vendors.backuprun.errors import AccessDenied, EmailTaken, UnknownObject
from emulator.vendors.backuprun.models import ROLE_MAIN, BrService, BrSession, BrUser
from emulator.vendors.backuprun.params import Params
from emulator.vendors.backuprun.serializer import element, ok_document

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["contact_of"]

CONTACT_ROLES = ("4", "2", "1")  # subuser; billing and technic are deprecated but accepted


def _main_only(call: Call, action: str) -> None:
    if call.me.role != ROLE_MAIN:
        raise AccessDenied(f"only the main user of the account can {action}")


def contact_of(call: Call, name: str = "contact_id") -> BrUser:
    """The contact of the caller's account named by parameter `name`."""
    contact_id = call.params.ident(name)
    contact = in_world(call.session, BrUser, call.c.world_id, contact_id)
    if contact is None or contact.account_id != call.me.owner_id:
        shown = contact_id if contact_id is not None else call.params.require(name).strip()
        raise UnknownObject(f"unknown {name} {shown}")
    return contact


def _check_email_free(call: Call, email: str, user: BrUser) -> None:
    others = [u for u in users_by_email(call.session, email, call.c.world_id) if u.id != user.id]
    if others:
        raise EmailTaken(email)


def _apply_phones(params: Params, user: BrUser, names: dict[str, str]) -> None:
    for wire, attr in names.items():
        value = params.values.get(wire)
        if value is not None:
            setattr(user, attr, value)


@api_call("addContact")
def add_contact(call: Call) -> etree._Element:
    """Add a contact (role 4: a subuser who sees only the services assigned to it)."""
    _main_only(call, "add contacts")
    params = call.params
    email = params.email("email")
    name = params.require("name")
    password = params.require("password")
    role = params.choice("role", CONTACT_ROLES)
    assert email is not None and role is not None
    contact = new_user(call.c, email=email, name=name, password=password, role=int(role),
                       account_id=call.me.owner_id, fixed_phone=params.values.get("FixedPhone", ""),
                       mobile=params.values.get("telephone", ""),
                       mobile2=params.values.get("Mobile2", ""), notify_email=email.lower())
    root = ok_document()
    element("contact", {"id": contact.id}, root)
    return root


@api_call("updateContactData")
def update_contact_data(call: Call) -> etree._Element:
    """Change a contact's email, name, password or phones."""
    _main_only(call, "update contacts")
    contact = contact_of(call)
    params = call.params
    email = params.email("email", required=False)
    if email is not None:
        _check_email_free(call, email, contact)
        contact.email = email.lower()
    if params.get("name") is not None:
        contact.name = params.require("name")
    if params.get("password") is not None:
        contact.password = params.require("password")
    _apply_phones(params, contact, {"FixedPhone": "fixed_phone", "telephone": "mobile",
                                    "Mobile2": "mobile2"})
    call.session.add(contact)
    return ok_document()


@api_call("removeContact")
def remove_contact(call: Call) -> etree._Element:
    """Remove a contact: its sessions end and its services become unassigned."""
    _main_only(call, "remove contacts")
    contact = contact_of(call)
    call.session.execute(update(BrService)
                         .where(col(BrService.world_id) == call.c.world_id,
                                col(BrService.assigned_to) == contact.id)
                         .values(assigned_to=0))
    call.session.execute(delete(BrSession).where(col(BrSession.world_id) == call.c.world_id,
                                                 col(BrSession.user_id) == contact.id))
    call.session.delete(contact)
    return ok_document()


@api_call("updateUserData")
def update_user_data(call: Call) -> etree._Element:
    """Change the caller's own contact details, notification settings or password."""
    user = call.me
    params = call.params
    email = params.email("email", required=False)
    notify = params.flag("notify", user.notify)
    notify_email = params.email("notify_email", required=False)
    if email is not None:
        _check_email_free(call, email, user)
        user.email = email.lower()
    if params.get("name") is not None:
        user.name = params.require("name")
    if params.get("password") is not None:
        user.password = params.require("password")
    if notify_email is not None:
        user.notify_email = notify_email.lower()
    user.notify = notify
    _apply_phones(params, user, {"fixed-phone": "fixed_phone", "mobile": "mobile",
                                 "mobile2": "mobile2"})
    call.session.add(user)
    return ok_document()
