"""`openelements admin create-organization` (D09): the real Typer command on a real database."""

import base64
import json
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from openelements import migrations
from openelements.app import create_app
from openelements.cli import app as cli
from openelements.kit.crypto import generate_key
from openelements.settings import API_BASE_PATH, Settings

USER_SECRET_LENGTH = 44


def _environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "OPENELEMENTS_DATABASE_URL": database_url,
        "OPENELEMENTS_ENCRYPTION_KEYS": f"k1:{generate_key()}",
        "OPENELEMENTS_HMAC_PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
        "OPENELEMENTS_KEY_FILE": str(tmp_path / "keys"),
        "OPENELEMENTS_LOG_FORMAT": "console",
        "OPENELEMENTS_LOG_LEVEL": "WARNING",
    }


def _create(env: dict[str, str], *, email: str, password: str = "s3cret-pass") -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "admin",
            "create-organization",
            "--name",
            "Acme Platform",
            "--email",
            email,
            "--password",
            password,
        ],
        env=env,
    )
    return result.exit_code, result.output


@pytest.mark.slow  # production argon2id cost: the command offers no cheaper one
def test_prints_one_json_object_whose_secrets_work(database_url: str, tmp_path: Path) -> None:
    env = _environment(database_url, tmp_path)
    migrations.upgrade(database_url)
    code, output = _create(env, email="admin@acme.example")
    assert code == 0, output
    printed = json.loads(output)
    assert set(printed) == {"organization", "user"}
    assert set(printed["organization"]) == {"id", "name", "secret"}
    assert set(printed["user"]) == {"id", "email", "secret"}
    assert printed["organization"]["name"] == "Acme Platform"
    assert len(printed["organization"]["secret"]) == 32
    assert len(printed["user"]["secret"]) == USER_SECRET_LENGTH
    assert printed["user"]["email"] == "admin@acme.example"

    settings = Settings(
        database_url=database_url,
        encryption_keys=env["OPENELEMENTS_ENCRYPTION_KEYS"],
        hmac_pepper=env["OPENELEMENTS_HMAC_PEPPER"],
    )
    auth = {
        "Authorization": f"Organization {printed['organization']['secret']},"
        f" User {printed['user']['secret']}"
    }
    with TestClient(create_app(settings, start_worker=False)) as client:
        me = client.get(f"{API_BASE_PATH}/organizations/me", headers=auth)
        accounts = client.get(f"{API_BASE_PATH}/accounts", headers=auth)
        roles = client.get(f"{API_BASE_PATH}/users/{printed['user']['id']}/roles", headers=auth)
    assert me.json()["id"] == printed["organization"]["id"]
    [default] = accounts.json()
    assert (default["defaultAccount"], default["type"]) == (True, "Default")
    assert [role["key"] for role in roles.json()] == ["org-admin"]


@pytest.mark.slow
def test_refuses_a_taken_email_and_bad_input(database_url: str, tmp_path: Path) -> None:
    env = _environment(database_url, tmp_path)
    migrations.upgrade(database_url)
    assert _create(env, email="admin@acme.example")[0] == 0
    code, output = _create(env, email="ADMIN@acme.example")
    assert code == 1
    assert "already exists" in output
    code, output = _create(env, email="not-an-email")
    assert (code, "--email" in output) == (1, True)
    code, output = _create(env, email="x@acme.example", password="")
    assert (code, "--password" in output) == (1, True)


def test_says_to_migrate_an_empty_database(database_url: str, tmp_path: Path) -> None:
    code, output = _create(_environment(database_url, tmp_path), email="admin@acme.example")
    assert code == 1
    assert "openelements db upgrade" in output
