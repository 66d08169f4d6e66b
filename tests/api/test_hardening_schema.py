"""The OpenAPI schema says exactly what the API answers (issue 15, item 8): the quick, exact checks; the
schemathesis run (tests/api/test_schemathesis.py) tries every operation against it."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _allows_null(schema: dict, prop: dict) -> bool:
    if prop.get("nullable"):
        return True
    return any(_resolve(schema, option).get("nullable") or option.get("type") == "null"
               for option in prop.get("oneOf", []) + prop.get("anyOf", []))


def test_nullable_fields_are_nullable(schema):
    components = schema["components"]["schemas"]
    for component, field in [("DiscoveryRun", "started"), ("DiscoveryRun", "finished"),
                             ("HostResult", "credential_name"), ("HostResult", "device_name")]:
        assert _allows_null(schema, components[component]["properties"][field]), (component, field)


def test_host_result_method_may_be_empty(schema):
    prop = schema["components"]["schemas"]["HostResult"]["properties"]["method"]
    values = set()
    for option in [prop, *prop.get("oneOf", []), *prop.get("allOf", [])]:
        values.update(_resolve(schema, option).get("enum", []))
    assert "" in values and "snmp" in values, prop


def test_limit_and_offset_are_bounded(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/inventory/devices/"]["get"]["parameters"]}
    assert parameters["limit"]["minimum"] == 1
    assert parameters["offset"]["minimum"] == 0 and parameters["offset"]["maximum"] == 2**63 - 1


def test_every_operation_documents_its_errors(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            documented = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= documented, (method, path, documented)
            if method in ("post", "put", "patch"):
                assert "413" in documented, (method, path)
    assert schema["paths"]["/api/lifecycle/evaluate/"]["post"]["responses"].get("202")


def test_limit_and_offset_out_of_range_are_a_400(db):
    from django.test import Client

    from estate.services import token_create
    from tests.factories import UserFactory

    _, key = token_create(user=UserFactory(is_superuser=True))
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    for query in ({"limit": "0"}, {"limit": "-5"}, {"limit": "x"}, {"offset": "-1"}, {"offset": str(2**64)}):
        response = client.get("/api/inventory/devices/", query)
        assert response.status_code == 400, (query, response.status_code)
    assert len(client.get("/api/inventory/devices/", {"limit": "5000"}).json()["results"]) == 0
