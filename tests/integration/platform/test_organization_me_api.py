from fastapi.testclient import TestClient
from platform_harness import API, Tenant


def test_organization_me_is_the_callers_organization_without_secret(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.get(f"{API}/organizations/me", headers=tenant.headers())
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": tenant.organization_id,
        "name": "Acme Platform",
        "active": True,
        "createdDate": "2025-01-10",
    }
    assert tenant.organization_secret not in response.text
