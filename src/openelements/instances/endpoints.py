"""Instance routes (spec §6.6): `/instances…`, id-less twins, `/elements/{keyOrId}/instances…`.

Routes that reach the identity platform (create, and update with a new code) run provisioning
before opening their transaction (D18: no network call inside one); the rest use the
request's unit of work.
"""

from __future__ import annotations

import base64
import binascii
import functools
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from openelements.container import ContainerDep, ReadSession, WriteSession
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
MAX_OFFSET = 2**53  # page tokens are client-held; larger offsets overflow SQL integers


def instances_runtime(container: ContainerDep) -> InstancesRuntime:
    return container.instances.runtime


RuntimeDep = Annotated[InstancesRuntime, Depends(instances_runtime)]
InstanceJson = dict[str, Any]


def _instance_id(text: str) -> int:
    return parse_object_id(text, kind="element instance")


def _element(runtime: InstancesRuntime, key_or_id: str | None) -> Element | None:
    return None if key_or_id is None else runtime.elements.get(key_or_id)


Handler = Callable[..., Awaitable[Any]]
ELEMENT_PARAMETER = "key_or_id"
ELEMENT_PATH_PARAMETER = "keyOrId"


def _route(method: str, path: str, *, name: str, **bound: Any) -> Callable[[Handler], Handler]:
    """Register `handler` at `path` with the parameters in `bound` fixed, so one handler
    serves routes that differ only in a constant (enable/disable, replace/patch)."""

    def register(handler: Handler) -> Handler:
        router.add_api_route(path, _served(handler, bound=bound), methods=[method], name=name)
        return handler

    return register


def _with_element_twin(
    method: str, path: str, *, name: str, element_name: str, **bound: Any
) -> Callable[[Handler], Handler]:
    """Register one handler at `path` and at `/elements/{keyOrId}{path}` (spec §6.6 twins).

    The handler takes `key_or_id: str | None`: None on the plain route, the path's `keyOrId`
    on the element-scoped one. `name`s keep every route's OpenAPI operation id and summary.
    """

    def register(handler: Handler) -> Handler:
        plain = _served(handler, bound={ELEMENT_PARAMETER: None, **bound})
        router.add_api_route(path, plain, methods=[method], name=name)
        twin = _served(handler, bound=bound, from_path=ELEMENT_PATH_PARAMETER)
        element_path = f"/elements/{{{ELEMENT_PATH_PARAMETER}}}{path}"
        router.add_api_route(element_path, twin, methods=[method], name=element_name)
        return handler

    return register


def _served(handler: Handler, *, bound: Mapping[str, Any], from_path: str | None = None) -> Handler:
    """`handler` as a route: the `bound` parameters fixed and left out of its signature (so
    FastAPI neither reads nor documents them); `key_or_id` read from the path parameter
    `from_path` when one is named."""

    @functools.wraps(handler)
    async def route(**arguments: Any) -> Any:
        if from_path is not None:
            arguments[ELEMENT_PARAMETER] = arguments.pop(from_path)
        return await handler(**arguments, **bound)

    signature = inspect.signature(handler)
    hidden = {*bound, ELEMENT_PARAMETER}
    kept = [p for p in signature.parameters.values() if p.name not in hidden]
    if from_path is not None:
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        kept.insert(0, inspect.Parameter(from_path, kind, annotation=str))
    route.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    return route


# --- create ----------------------------------------------------------------------------


@_with_element_twin(
    "POST", "/instances", name="create_instance", element_name="create_element_instance"
)
async def create_instance(
    key_or_id: str | None, body: InstanceBody, caller: UserAndOrganization, container: ContainerDep
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


# --- list and count ---------------------------------------------------------------------


def _offset_of(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BadRequest("Invalid nextPage token") from None
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise BadRequest("Invalid nextPage token")
    return offset


def _token_for(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class PageRequest:
    size: int
    next_page: str | None


TagsQuery = Annotated[list[str], Query(alias="tags[]")]
SearchQuery = Annotated[str | None, Query(alias="searchText")]
PageSizeQuery = Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE)]
NextPageQuery = Annotated[str | None, Query(alias="nextPage")]


async def page_request(
    page_size: PageSizeQuery = DEFAULT_PAGE_SIZE, next_page: NextPageQuery = None
) -> PageRequest:
    return PageRequest(size=page_size, next_page=next_page)


PageDep = Annotated[PageRequest, Depends(page_request)]


async def _list(
    service: InstanceService,
    caller: Caller,
    response: Response,
    page: PageRequest,
    *,
    element: Element | None = None,
    tags: list[str] | None = None,
    search_text: str | None = None,
) -> list[InstanceJson]:
    if any("\x00" in text for text in (*(tags or ()), search_text or "")):
        raise BadRequest("Invalid filter: NUL characters are not allowed")
    scope = InstanceFilter(
        account_id=caller.account_id,
        element_key=element.key if element else None,
        tags=tuple(tags or ()),
        search_text=search_text or None,
    )
    offset = _offset_of(page.next_page)
    found = await service.listing(caller, scope=scope, offset=offset, limit=page.size + 1)
    if not found and (scope.tags or scope.search_text):
        raise NotFound("No element instances match the filter")  # D24
    if len(found) > page.size:
        response.headers[NEXT_PAGE_HEADER] = _token_for(offset + page.size)
    shown = found[: page.size]
    response.headers["Elements-Returned-Count"] = str(len(shown))
    return await service.render_many(shown)


@_with_element_twin(
    "GET", "/instances", name="list_instances", element_name="list_element_instances"
)
async def list_instances(
    key_or_id: str | None,
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    response: Response,
    page: PageDep,
    tags: TagsQuery = [],  # noqa: B006 - FastAPI copies defaults
    search_text: SearchQuery = None,
) -> list[InstanceJson]:
    service = InstanceService(session, runtime)
    element = _element(runtime, key_or_id)
    return await _list(
        service, caller, response, page, element=element, tags=tags, search_text=search_text
    )


@router.get("/accounts/instances")
async def list_own_account_instances(
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    response: Response,
    page: PageDep,
) -> list[InstanceJson]:
    return await _list(InstanceService(session, runtime), caller, response, page)


@router.get("/accounts/{accountId}/instances")
async def list_account_instances(
    accountId: str,
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    response: Response,
    page: PageDep,
) -> list[InstanceJson]:
    """Instances of one account: the caller's own, or any of the organization for its
    administrator (D07); other accounts look missing."""
    account_id = parse_object_id(accountId, kind="account")
    account = await PlatformRepository(session).account(caller.organization_id, account_id)
    if account is None or not (caller.is_org_admin or caller.account_id == account_id):
        raise NotFound(f"No account with id {account_id}")
    service = InstanceService(session, runtime)
    return await _list(service, replace(caller, account_id=account_id), response, page)


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


@_route("DELETE", "/instances/enabled", name="disable_own_instance", enabled=False)
@_route("PUT", "/instances/enabled", name="enable_own_instance", enabled=True)
async def set_own_instance_enabled(
    session: WriteSession, runtime: RuntimeDep, caller: UserOrganizationAndElement, *, enabled: bool
) -> InstanceJson:
    service = InstanceService(session, runtime)
    instance = await service.by_element_token(caller)
    return await service.render(await service.set_enabled(instance, enabled=enabled))


# --- one instance -----------------------------------------------------------------------


def _entry_id(text: str) -> int:
    return parse_object_id(text, kind="configuration entry")


@_with_element_twin(
    "GET", "/instances/{instanceId}", name="get_instance", element_name="get_element_instance"
)
async def get_instance(
    key_or_id: str | None,
    instanceId: str,
    session: ReadSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
) -> InstanceJson:
    service = InstanceService(session, runtime)
    instance = await service.accessible(
        caller, _instance_id(instanceId), element=_element(runtime, key_or_id)
    )
    return await service.render(instance)


@_with_element_twin(
    "PATCH",
    "/instances/{instanceId}",
    name="patch_instance",
    element_name="patch_element_instance",
    replace=False,
)
@_with_element_twin(
    "PUT",
    "/instances/{instanceId}",
    name="replace_instance",
    element_name="replace_element_instance",
    replace=True,
)
async def update_instance(
    key_or_id: str | None,
    instanceId: str,
    body: InstanceBody,
    caller: UserAndOrganization,
    container: ContainerDep,
    *,
    replace: bool,
) -> InstanceJson:
    # PUT replaces, PATCH merges. A new code re-provisions between two short database
    # sessions, so no network call runs inside a transaction (D25, D18).
    runtime = container.instances.runtime
    identifier = _instance_id(instanceId)
    path_element = _element(runtime, key_or_id)
    async with container.database.read_session() as session:
        service = InstanceService(session, runtime)
        current = await service.accessible(caller, identifier, element=path_element)
        element = runtime.elements.get(current.element_key)
        changes = changes_for_update(body, element=element, replace=replace)
        values = {**await service.configuration_values(current), **changes.configuration}
    provisioned = None
    if changes.code is not None:
        provisioned = await provision(
            element, oauth_app(values), code=changes.code, refresh_token=None
        )
    async with container.database.transaction() as session:
        service = InstanceService(session, runtime)
        instance = await service.accessible(caller, identifier, element=path_element)
        return await service.render(await service.update(instance, changes, provisioned))


@_with_element_twin(
    "DELETE",
    "/instances/{instanceId}",
    name="delete_instance",
    element_name="delete_element_instance",
)
async def delete_instance(
    key_or_id: str | None,
    instanceId: str,
    session: WriteSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
) -> Response:
    service = InstanceService(session, runtime)
    instance = await service.accessible(
        caller, _instance_id(instanceId), element=_element(runtime, key_or_id)
    )
    await service.delete(instance)
    return Response(status_code=200)  # D26: 200 with an empty body


@_route("DELETE", "/instances/{instanceId}/enabled", name="disable_instance", enabled=False)
@_route("PUT", "/instances/{instanceId}/enabled", name="enable_instance", enabled=True)
async def set_instance_enabled(
    instanceId: str,
    session: WriteSession,
    runtime: RuntimeDep,
    caller: UserAndOrganization,
    *,
    enabled: bool,
) -> InstanceJson:
    service = InstanceService(session, runtime)
    instance = await service.accessible(caller, _instance_id(instanceId))
    return await service.render(await service.set_enabled(instance, enabled=enabled))


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
