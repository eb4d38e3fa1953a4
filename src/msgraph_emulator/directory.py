"""The emulator's tenant: users (with passwords), registered apps, the signing key and the
grants the identity platform issued. `to_json`/`from_json` feed the state file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from msgraph_emulator.identity.grants import GrantStore
from msgraph_emulator.identity.jwt import SigningKey

DEFAULT_TENANT_ID = "84bd8158-6d4d-4958-8b9f-9d6445542f95"
DEFAULT_TENANT_DOMAIN = "emulator.onmicrosoft.com"
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
MULTI_TENANT_ALIASES = frozenset({"common", "organizations", "consumers"})  # G32

# Permissions a `.default` request gets: the emulator has no consent registry per app.
DEFAULT_DELEGATED_PERMISSIONS = (
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Contacts.ReadWrite",
    "User.Read",
)
DEFAULT_APPLICATION_PERMISSIONS = ("Calendars.ReadWrite", "Contacts.ReadWrite", "User.Read.All")


@dataclass
class User:
    id: str
    user_principal_name: str
    display_name: str
    mail: str | None
    password: str | None
    time_zone: str = "UTC"
    given_name: str | None = None
    surname: str | None = None
    refuse_consent: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> User:
        return cls(**document)


@dataclass
class App:
    client_id: str
    client_secret: str | None  # None: a public client
    redirect_uris: list[str] = field(default_factory=list)
    delegated_permissions: tuple[str, ...] = DEFAULT_DELEGATED_PERMISSIONS
    application_permissions: tuple[str, ...] = DEFAULT_APPLICATION_PERMISSIONS

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": list(self.redirect_uris),
            "delegated_permissions": list(self.delegated_permissions),
            "application_permissions": list(self.application_permissions),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> App:
        return cls(
            client_id=document["client_id"],
            client_secret=document.get("client_secret"),
            redirect_uris=list(document.get("redirect_uris", [])),
            delegated_permissions=tuple(
                document.get("delegated_permissions", DEFAULT_DELEGATED_PERMISSIONS)
            ),
            application_permissions=tuple(
                document.get("application_permissions", DEFAULT_APPLICATION_PERMISSIONS)
            ),
        )


class DuplicateUserError(ValueError):
    pass


class Directory:
    def __init__(
        self,
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        tenant_domain: str = DEFAULT_TENANT_DOMAIN,
        signing_key: SigningKey | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.tenant_domain = tenant_domain
        self.signing_key = signing_key or SigningKey.generate()
        self.users: dict[str, User] = {}
        self.apps: dict[str, App] = {}
        self.grants = GrantStore()

    def add_user(self, user: User) -> User:
        """Store `user`; UPNs are unique case-insensitively (`Emulator.create_user` builds
        users and their mailboxes)."""
        if self.user_by_id_or_upn(user.user_principal_name) is not None:
            raise DuplicateUserError(f"user {user.user_principal_name} exists")
        self.users[user.id] = user
        return user

    def add_app(self, app: App) -> App:
        self.apps[app.client_id] = app
        return app

    def app(self, client_id: str) -> App | None:
        return self.apps.get(client_id)

    def user_by_id_or_upn(self, key: str) -> User | None:
        """Ids are GUIDs (case-insensitive); UPNs compare case-insensitively too."""
        folded = key.casefold()
        for user in self.users.values():
            if user.id.casefold() == folded or user.user_principal_name.casefold() == folded:
                return user
        return None

    def knows_tenant(self, tenant: str) -> bool:
        """G32: the seed tenant (id or domain) and the multi-tenant aliases."""
        folded = tenant.casefold()
        return folded in MULTI_TENANT_ALIASES or folded in {
            self.tenant_id.casefold(),
            self.tenant_domain.casefold(),
            CONSUMERS_TENANT_ID,
        }

    def clear(self) -> None:
        """Forget users, apps and grants; the tenant and signing key stay."""
        self.users.clear()
        self.apps.clear()
        self.grants = GrantStore()

    def to_json(self) -> dict[str, Any]:
        return {
            "tenantId": self.tenant_id,
            "tenantDomain": self.tenant_domain,
            "signingKey": self.signing_key.to_pem(),
            "users": [user.to_json() for user in self.users.values()],
            "apps": [app.to_json() for app in self.apps.values()],
            "grants": self.grants.to_json(),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Directory:
        directory = cls(
            tenant_id=document["tenantId"],
            tenant_domain=document["tenantDomain"],
            signing_key=SigningKey.from_pem(document["signingKey"]),
        )
        for user in document.get("users", []):
            loaded = User.from_json(user)
            directory.users[loaded.id] = loaded
        for app in document.get("apps", []):
            directory.add_app(App.from_json(app))
        directory.grants = GrantStore.from_json(document.get("grants", {}))
        return directory
