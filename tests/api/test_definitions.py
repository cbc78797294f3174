from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

NIGHTLY: dict[str, Any] = {
    "name": "nightly CRM export",
    "description": "from the CRM, every night",
    "format": "csv",
    "delimiter": ";",
    "encoding": "utf-8",
    "encryption": {"password_ref": "/etc/profile-import/crm.pass"},
    "options": {"force_update": True, "max_errors": 10},
}


async def test_definition_is_created_read_listed_replaced_and_deleted(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/definitions", json=NIGHTLY)
    assert created.status_code == 201
    definition = created.json()
    definition_id = definition["id"]
    assert definition["encryption"] == {
        "password_ref": "/etc/profile-import/crm.pass",
        "iterations": 10_000,
    }
    assert definition["options"]["testing"] is False

    read = await client.get(f"/definitions/{definition_id}")
    assert read.json() == definition
    listed = await client.get("/definitions")
    assert [d["id"] for d in listed.json()] == [definition_id]

    replaced = await client.put(
        f"/definitions/{definition_id}", json={"name": "weekly", "format": "jsonl"}
    )
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "weekly"
    assert replaced.json()["encryption"] is None
    assert replaced.json()["created_at"] == definition["created_at"]
    assert replaced.json()["updated_at"] >= definition["updated_at"]

    deleted = await client.delete(f"/definitions/{definition_id}")
    assert deleted.status_code == 204
    assert (await client.get(f"/definitions/{definition_id}")).status_code == 404


async def test_definitions_are_listed_by_name(client: httpx.AsyncClient) -> None:
    for name in ("b", "c", "a"):
        await client.post("/definitions", json={"name": name})
    listed = await client.get("/definitions")
    assert [d["name"] for d in listed.json()] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PUT", {"name": "x"}), ("DELETE", None)]
)
async def test_unknown_definition_is_not_found(
    client: httpx.AsyncClient, method: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, "/definitions/nope", json=body)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x", "format": "xml"},
        {"name": "x", "encoding": "klingon-8"},
        {"name": "x", "encryption": {"password": "s3cret"}},
        {"name": "x", "options": {"max_errors": -1}},
    ],
)
async def test_invalid_definition_is_refused(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    created = await client.post("/definitions", json=body)
    assert created.status_code == 422
    valid = await client.post("/definitions", json={"name": "valid"})
    replaced = await client.put(f"/definitions/{valid.json()['id']}", json=body)
    assert replaced.status_code == 422


async def test_openapi_describes_every_route_with_a_summary(
    client: httpx.AsyncClient,
) -> None:
    description = (await client.get("/openapi.json")).json()
    assert description["info"]["title"] == "profile-import Management API"
    assert description["info"]["version"]
    operations = [
        (path, method, operation)
        for path, methods in description["paths"].items()
        for method, operation in methods.items()
    ]
    assert {(path, method) for path, method, _ in operations} >= {
        ("/definitions", "get"),
        ("/definitions", "post"),
        ("/definitions/{definition_id}", "put"),
        ("/definitions/{definition_id}/jobs", "post"),
        ("/jobs", "get"),
        ("/jobs/{job_id}/cancel", "post"),
        ("/jobs/{job_id}/logs/export", "get"),
    }
    assert all(operation.get("summary") for _, _, operation in operations)
    start = description["paths"]["/definitions/{definition_id}/jobs"]["post"]
    assert set(start["requestBody"]["content"]) == {
        "multipart/form-data",
        "application/json",
    }
