"""`/me/contacts` CRUD with `$filter`, `$orderby` and paging (G03)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.listing import collection, entity
from msgraph_emulator.graph.problems import wrong_type
from msgraph_emulator.graph.queryable import CONTACT_FIELDS
from msgraph_emulator.graph.shapes import (
    CONTACT_ADDRESSES,
    CONTACT_LISTS,
    CONTACT_PROPERTIES,
    CONTACT_STRINGS,
    render_contact,
)


def _email(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise wrong_type(value, "microsoft.graph.emailAddress")
    return {"name": value.get("name") or value.get("address"), "address": value.get("address")}


def read_contact(body: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name in CONTACT_STRINGS:
        if name in body:
            if body[name] is not None and not isinstance(body[name], str):
                raise wrong_type(body[name], "Edm.String")
            props[name] = body[name]
    for name in CONTACT_LISTS:
        if name in body:
            items = body[name] or []
            if not isinstance(items, list):
                raise wrong_type(items, "Collection(Edm.String)")
            props[name] = [_email(i) for i in items] if name == "emailAddresses" else items
    for name in CONTACT_ADDRESSES:
        if name in body:
            if body[name] is not None and not isinstance(body[name], dict):
                raise wrong_type(body[name], "microsoft.graph.physicalAddress")
            props[name] = body[name] or {}
    return props


def _display_name(props: dict[str, Any]) -> str:
    parts = [props.get("givenName"), props.get("middleName"), props.get("surname")]
    return " ".join(p for p in parts if p)


async def list_contacts(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False, resource="contact")
    contacts = list(ctx.mailbox.contacts.values())
    return collection(
        ctx, contacts, fields=CONTACT_FIELDS, render=render_contact, tail="contacts", kind="contact"
    )


async def get_contact(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False, resource="contact")
    contact = ctx.contact(str(request.path_params["contact"]))
    return entity(ctx, render_contact(contact), tail="contacts", kind="contact")


async def create_contact(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True, resource="contact")
    props = read_contact(await ctx.body(names=CONTACT_PROPERTIES))
    if not props.get("displayName"):
        props["displayName"] = _display_name(props)
    props.setdefault("fileAs", "")
    contact = ctx.mailbox.create_contact(props)
    return entity(ctx, render_contact(contact), tail="contacts", kind="contact", status=201)


async def update_contact(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True, resource="contact")
    contact = ctx.contact(str(request.path_params["contact"]))
    ctx.check_if_match(contact.change_key)
    ctx.mailbox.update_contact(contact, read_contact(await ctx.body(names=CONTACT_PROPERTIES)))
    return entity(ctx, render_contact(contact), tail="contacts", kind="contact")


async def delete_contact(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True, resource="contact")
    contact = ctx.contact(str(request.path_params["contact"]))
    ctx.check_if_match(contact.change_key)
    ctx.mailbox.delete_contact(contact)
    return ctx.empty(204)
