"""Scope strings of the identity platform (spec §15.9): OIDC scopes, Graph permissions in
short (`Calendars.Read`) or full (`https://graph.microsoft.com/Calendars.Read`) form, and
`/.default`."""

from __future__ import annotations

from dataclasses import dataclass

from msgraph_emulator.identity.errors import IdentityError

OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
GRAPH_RESOURCE_PREFIXES = (
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000/",
)
KNOWN_GRAPH_PERMISSIONS = (
    "Calendars.Read",
    "Calendars.ReadBasic",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
    "Contacts.Read",
    "Contacts.ReadWrite",
    "Contacts.Read.Shared",
    "Contacts.ReadWrite.Shared",
    "MailboxSettings.Read",
    "MailboxSettings.ReadWrite",
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
)
_CANONICAL = {name.casefold(): name for name in KNOWN_GRAPH_PERMISSIONS}
DEFAULT_SCOPE = ".default"


@dataclass(frozen=True)
class ScopeRequest:
    graph: tuple[str, ...]  # canonical permission names, in request order
    oidc: frozenset[str]
    default: bool  # `.default` asked for

    @property
    def offline_access(self) -> bool:
        return "offline_access" in self.oidc


def invalid_scope(scope: str) -> IdentityError:
    return IdentityError(
        "invalid_scope",
        70011,
        f"The provided value for the input parameter 'scope' is not valid. "
        f"The scope '{scope}' does not exist.",
    )


def parse_scopes(text: str) -> ScopeRequest:
    graph: list[str] = []
    oidc: set[str] = set()
    default = False
    for item in text.split():
        if item.casefold() in OIDC_SCOPES:
            oidc.add(item.casefold())
            continue
        name = _graph_permission(item)
        if name == DEFAULT_SCOPE:
            default = True
        elif name not in graph:
            graph.append(name)
    if default and graph:
        raise IdentityError(
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' is not valid. "
            "'.default' cannot be combined with other resource scopes.",
        )
    return ScopeRequest(graph=tuple(graph), oidc=frozenset(oidc), default=default)


def _graph_permission(item: str) -> str:
    bare = item
    for prefix in GRAPH_RESOURCE_PREFIXES:
        if item.casefold().startswith(prefix):
            bare = item[len(prefix) :]
            break
    else:
        if "/" in item:  # another resource: the emulator serves Graph only
            raise invalid_scope(item)
    if bare.casefold() == DEFAULT_SCOPE:
        return DEFAULT_SCOPE
    canonical = _CANONICAL.get(bare.casefold())
    if canonical is None:
        raise invalid_scope(item)
    return canonical


def answer_scope(graph: tuple[str, ...], oidc: frozenset[str]) -> str:
    """G34: the Graph scopes in short form plus the OIDC scopes except `offline_access`."""
    shown_oidc = [name for name in ("profile", "openid", "email") if name in oidc]
    return " ".join([*graph, *shown_oidc])
