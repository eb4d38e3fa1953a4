"""Instance routes (spec §6.6): `/instances…`, id-less twins, `/elements/{keyOrId}/instances…`.

Routes that reach the identity platform (create, and update with a new code) run provisioning
before opening their transaction (D18: no network call inside one); the rest use the
request's unit of work.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from openelements.container import Container, ContainerDep, ReadSession, WriteSession
from openelements.elements.base import Element
from openelements.instances.models import ElementInstance
from openelements.instances.provisioning import (
    changes_for_update,
    draft_for_create,
    oauth_app,
    provision,
)
from openelements.instances.repository import InstanceFilter
from openelements.instances.schemas import ConfigurationValue, InstanceBody
from openelements.instances.service import InstanceService, InstancesRuntime
from openelements.kit.errors import BadRequest, NotFound
from openelements.kit.ids import parse_object_id
from openelements.platform.auth import UserAndOrganization, UserOrganizationAndElement
from openelements.platform.caller import Caller
from openelements.platform.repository import PlatformRepository

__all__ = ["router"]

router = APIRouter(tags=["instances"])
DEFAULT_PAGE_SIZE = 200  # D24
MAX_PAGE_SIZE = 1000
NEXT_PAGE_HEADER = "Elements-Next-Page-Token"


def instances_runtime(container: ContainerDep) -> InstancesRuntime:
    return container.instances.runtime


RuntimeDep = Annotated[InstancesRuntime, Depends(instances_runtime)]
InstanceJson = dict[str, Any]


def _instance_id(text: str) -> int:
    return parse_object_id(text, kind="element instance")


def _element(runtime: InstancesRuntime, key_or_id: str | None) -> Element | None:
    return None if key_or_id is None else runtime.elements.get(key_or_id)


# --- create ----------------------------------------------------------------------------


async def _create(
    body: InstanceBody, caller: Caller, container: Container, *, key_or_id: str | None = None
) -> InstanceJson:
    runtime = container.instances.runtime
    draft = draft_for_create(
        body, elements=runtime.elements, path_element=_element(runtime, key_or_id)
    )
    provisioned = await provision(
        draft.element,
        oauth_app(draft.configuration),
        code=draft.code,
        refresh_token=draft.external_refresh_token,
    )
    async with container.database.transaction() as session:
        service = InstanceService(session, runtime)
        instance = await service.create(caller, draft, provisioned)
        return await service.render(instance)


@router.post("/instances")
async def create_instance(
    body: InstanceBody, caller: UserAndOrganization, container: ContainerDep
) -> InstanceJson:
    return await _create(body, caller, container)


@router.post("/elements/{keyOrId}/instances")
async def create_element_instance(
    keyOrId: str, body: InstanceBody, caller: UserAndOrganization, container: ContainerDep
) -> InstanceJson:
    return await _create(body, caller, container, key_or_id=keyOrId)


# --- list and count ---------------------------------------------------------------------


def _offset_of(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BadRequest("Invalid nextPage token") from None
    if not isinstance(offset, int) or offset < 0:
        raise BadRequest("Invalid nextPage token")
    return offset


def _token_for(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


async def _list(
    session: ReadSession,
    runtime: InstancesRuntime,
    caller: Caller,
    response: Response,
    *,
    key_or_id: str | None,
    tags: list[str],
    search_text: str | None,
    page_size: int,
    next_page: str | None,
) -> list[InstanceJson]:
    element = _element(runtime, key_or_id)
    scope = InstanceFilter(
        account_id=caller.account_id,
        element_key=element.key if element else None,
        tags=tuple(tags),
        search_text=search_text or None,
    )
    offset = _offset_of(next_page)
    service = InstanceService(session, runtime)
    found = await service.listing(caller, scope=scope, offset=offset, limit=page_size + 1)
    if not found and (scope.tags or scope.search_text):
        raise NotFound("No element instances match the filter")  # D24
    if len(found) > page_size:
        response.headers[NEXT_PAGE_HEADER] = _token_for(offset + page_size)
    page = found[:page_size]
    response.headers["Elements-Returned-Count"] = str(len(page))
    return await service.render_many(page)


TagsQuery = Annotated[list[str], Query(alias="tags[]")]
SearchQuery = Annotated[str | None, Query(alias="searchText")]
PageSizeQuery = Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE)]
NextPageQuery = Annotated[str | None, Query(alias="nextPage")]


@router.get("/instances")
async def list_instances(
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    response: Response,
    tags: TagsQuery = [],  # noqa: B006 - FastAPI copies defaults
    search_text: SearchQuery = None,
    page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    next_page: NextPageQuery = None,
) -> list[InstanceJson]:
    return await _list(
        session,
        runtime,
        caller,
        response,
        key_or_id=None,
        tags=tags,
        search_text=search_text,
        page_size=page_size,
        next_page=next_page,
    )


@router.get("/elements/{keyOrId}/instances")
async def list_element_instances(
    keyOrId: str,
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    response: Response,
    tags: TagsQuery = [],  # noqa: B006 - FastAPI copies defaults
    search_text: SearchQuery = None,
    page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    next_page: NextPageQuery = None,
) -> list[InstanceJson]:
    return await _list(
        session,
        runtime,
        caller,
        response,
        key_or_id=keyOrId,
        tags=tags,
        search_text=search_text,
        page_size=page_size,
        next_page=next_page,
    )


@router.get("/accounts/instances")
async def list_own_account_instances(
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    response: Response,
    page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    next_page: NextPageQuery = None,
) -> list[InstanceJson]:
    return await _list(
        session,
        runtime,
        caller,
        response,
        key_or_id=None,
        tags=[],
        search_text=None,
        page_size=page_size,
        next_page=next_page,
    )


@router.get("/accounts/{accountId}/instances")
async def list_account_instances(
    accountId: str,
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    response: Response,
    page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    next_page: NextPageQuery = None,
) -> list[InstanceJson]:
    """Instances of one account: the caller's own, or any of the organization for its
    administrator (D07); other accounts look missing."""
    account_id = parse_object_id(accountId, kind="account")
    account = await PlatformRepository(session).account(caller.organization_id, account_id)
    if account is None or not (caller.is_org_admin or caller.account_id == account_id):
        raise NotFound(f"No account with id {account_id}")
    return await _list(
        session,
        runtime,
        replace(caller, account_id=account_id),
        response,
        key_or_id=None,
        tags=[],
        search_text=None,
        page_size=page_size,
        next_page=next_page,
    )


@router.get("/instances/count")
async def count_instances(
    session: ReadSession, runtime: RuntimeDep, caller: UserAndOrganization
) -> dict[str, Any]:
    return await InstanceService(session, runtime).count(caller)


# --- id-less twins: the Element credential names the instance ---------------------------


@router.get("/instances/configuration")
async def get_own_configuration(
    session: ReadSession, runtime: RuntimeDep, caller: UserOrganizationAndElement
) -> list[dict[str, Any]]:
    service = InstanceService(session, runtime)
    return await service.configuration_entries(await service.by_element_token(caller))


@router.get("/instances/configuration/{configId}")
async def get_own_configuration_entry(
    configId: str, session: ReadSession, runtime: RuntimeDep, caller: UserOrganizationAndElement
) -> dict[str, Any]:
    service = InstanceService(session, runtime)
    instance = await service.by_element_token(caller)
    return await service.configuration_entry(instance, _entry_id(configId))


@router.patch("/instances/configuration/{configId}")
async def patch_own_configuration_entry(
    configId: str,
    body: ConfigurationValue,
    session: WriteSession,
    runtime: RuntimeDep,
    caller: UserOrganizationAndElement,
) -> dict[str, Any]:
    service = InstanceService(session, runtime)
    instance = await service.by_element_token(caller)
    return await service.patch_configuration_entry(
        instance, _entry_id(configId), body.property_value
    )


@router.put("/instances/enabled")
async def enable_own_instance(
    session: WriteSession, runtime: RuntimeDep, caller: UserOrganizationAndElement
) -> InstanceJson:
    service = InstanceService(session, runtime)
    instance = await service.by_element_token(caller)
    return await service.render(await service.set_enabled(instance, enabled=True))


@router.delete("/instances/enabled")
async def disable_own_instance(
    session: WriteSession, runtime: RuntimeDep, caller: UserOrganizationAndElement
) -> InstanceJson:
    service = InstanceService(session, runtime)
    instance = await service.by_element_token(caller)
    return await service.render(await service.set_enabled(instance, enabled=False))


# --- one instance -----------------------------------------------------------------------


def _entry_id(text: str) -> int:
    return parse_object_id(text, kind="configuration entry")


async def _read_one(
    session: ReadSession,
    runtime: InstancesRuntime,
    caller: Caller,
    instance_id: str,
    key_or_id: str | None = None,
) -> InstanceJson:
    service = InstanceService(session, runtime)
    instance = await service.accessible(
        caller, _instance_id(instance_id), element=_element(runtime, key_or_id)
    )
    return await service.render(instance)


@router.get("/instances/{instanceId}")
async def get_instance(
    instanceId: str, session: ReadSession, runtime: RuntimeDep, caller: UserAndOrganization
) -> InstanceJson:
    return await _read_one(session, runtime, caller, instanceId)


@router.get("/elements/{keyOrId}/instances/{instanceId}")
async def get_element_instance(
    keyOrId: str,
    instanceId: str,
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
) -> InstanceJson:
    return await _read_one(session, runtime, caller, instanceId, keyOrId)


async def _update(
    body: InstanceBody,
    caller: Caller,
    container: Container,
    *,
    instance_id: str,
    key_or_id: str | None,
    replace: bool,
) -> InstanceJson:
    runtime = container.instances.runtime
    identifier = _instance_id(instance_id)
    path_element = _element(runtime, key_or_id)
    async with container.database.read_session() as session:
        service = InstanceService(session, runtime)
        current = await service.accessible(caller, identifier, element=path_element)
        element = runtime.elements.get(current.element_key)
        changes = changes_for_update(body, element=element, replace=replace)
        values = {**await service.configuration_values(current), **changes.configuration}
    provisioned = None
    if changes.code is not None:  # D25: a new code re-provisions, outside any transaction
        provisioned = await provision(
            element, oauth_app(values), code=changes.code, refresh_token=None
        )
    async with container.database.transaction() as session:
        service = InstanceService(session, runtime)
        instance = await service.accessible(caller, identifier, element=path_element)
        return await service.render(await service.update(instance, changes, provisioned))


@router.put("/instances/{instanceId}")
async def replace_instance(
    instanceId: str, body: InstanceBody, caller: UserAndOrganization, container: ContainerDep
) -> InstanceJson:
    return await _update(
        body, caller, container, instance_id=instanceId, key_or_id=None, replace=True
    )


@router.patch("/instances/{instanceId}")
async def patch_instance(
    instanceId: str, body: InstanceBody, caller: UserAndOrganization, container: ContainerDep
) -> InstanceJson:
    return await _update(
        body, caller, container, instance_id=instanceId, key_or_id=None, replace=False
    )


@router.put("/elements/{keyOrId}/instances/{instanceId}")
async def replace_element_instance(
    keyOrId: str,
    instanceId: str,
    body: InstanceBody,
    caller: UserAndOrganization,
    container: ContainerDep,
) -> InstanceJson:
    return await _update(
        body, caller, container, instance_id=instanceId, key_or_id=keyOrId, replace=True
    )


@router.patch("/elements/{keyOrId}/instances/{instanceId}")
async def patch_element_instance(
    keyOrId: str,
    instanceId: str,
    body: InstanceBody,
    caller: UserAndOrganization,
    container: ContainerDep,
) -> InstanceJson:
    return await _update(
        body, caller, container, instance_id=instanceId, key_or_id=keyOrId, replace=False
    )


async def _delete(
    session: WriteSession,
    runtime: InstancesRuntime,
    caller: Caller,
    instance_id: str,
    key_or_id: str | None = None,
) -> Response:
    service = InstanceService(session, runtime)
    instance = await service.accessible(
        caller, _instance_id(instance_id), element=_element(runtime, key_or_id)
    )
    await service.delete(instance)
    return Response(status_code=200)  # D26: 200 with an empty body


@router.delete("/instances/{instanceId}")
async def delete_instance(
    instanceId: str, session: WriteSession, runtime: RuntimeDep, caller: UserAndOrganization
) -> Response:
    return await _delete(session, runtime, caller, instanceId)


@router.delete("/elements/{keyOrId}/instances/{instanceId}")
async def delete_element_instance(
    keyOrId: str,
    instanceId: str,
    session: WriteSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
) -> Response:
    return await _delete(session, runtime, caller, instanceId, keyOrId)


async def _set_enabled(
    session: WriteSession,
    runtime: InstancesRuntime,
    caller: Caller,
    instance_id: str,
    *,
    enabled: bool,
) -> InstanceJson:
    service = InstanceService(session, runtime)
    instance = await service.accessible(caller, _instance_id(instance_id))
    return await service.render(await service.set_enabled(instance, enabled=enabled))


@router.put("/instances/{instanceId}/enabled")
async def enable_instance(
    instanceId: str, session: WriteSession, runtime: RuntimeDep, caller: UserAndOrganization
) -> InstanceJson:
    return await _set_enabled(session, runtime, caller, instanceId, enabled=True)


@router.delete("/instances/{instanceId}/enabled")
async def disable_instance(
    instanceId: str, session: WriteSession, runtime: RuntimeDep, caller: UserAndOrganization
) -> InstanceJson:
    return await _set_enabled(session, runtime, caller, instanceId, enabled=False)


async def _accessible(
    session: ReadSession | WriteSession,
    runtime: InstancesRuntime,
    caller: Caller,
    instance_id: str,
) -> tuple[InstanceService, ElementInstance]:
    service = InstanceService(session, runtime)
    return service, await service.accessible(caller, _instance_id(instance_id))


@router.get("/instances/{instanceId}/configuration")
async def get_configuration(
    instanceId: str, session: ReadSession, runtime: RuntimeDep, caller: UserAndOrganization
) -> list[dict[str, Any]]:
    service, instance = await _accessible(session, runtime, caller, instanceId)
    return await service.configuration_entries(instance)


@router.get("/instances/{instanceId}/configuration/{configId}")
async def get_configuration_entry(
    instanceId: str,
    configId: str,
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
) -> dict[str, Any]:
    service, instance = await _accessible(session, runtime, caller, instanceId)
    return await service.configuration_entry(instance, _entry_id(configId))


@router.patch("/instances/{instanceId}/configuration/{configId}")
async def patch_configuration_entry(
    instanceId: str,
    configId: str,
    body: ConfigurationValue,
    session: WriteSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
) -> dict[str, Any]:
    service, instance = await _accessible(session, runtime, caller, instanceId)
    return await service.patch_configuration_entry(
        instance, _entry_id(configId), body.property_value
    )
