"""Property-based API testing: schemathesis generates requests from /api/schema/; the API must answer every one
without a server error and exactly as the schema says (status code, content type, response body).

Every operation in the schema is exercised with valid (positive) and invalid (negative) data by a superuser with a
write-enabled token, against the WSGI app in-process. Generation is derandomised, so a failure reproduces exactly;
the number of examples is bounded (ESTATE_SCHEMATHESIS_EXAMPLES per mode, per operation) so CI stays quick.
When this finds a server error or a schema violation, fix the serializer/filter/view or the schema: do not exclude
the operation.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from estate.services import token_create
from estate.wsgi import application
from tests import factories


def _load_schema():
    """The schema as /api/schema/ serves it, generated in-process: the endpoint needs a login, and there is no
    database (hence no user or token) while tests are being collected."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(document)
    schema.app = application
    schema.location = "/api/schema/"
    return schema


SCHEMA = _load_schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
# Per generation mode; ~95 operations × 2 modes keeps the run well under a minute.
EXAMPLES_PER_OPERATION = int(os.environ.get("ESTATE_SCHEMATHESIS_EXAMPLES", 12))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    """Calling the WSGI app directly fires request_finished, whose close_old_connections() closes the connection
    holding the test's transaction on PostgreSQL ("the connection is closed" on the next query). Django's test
    Client disconnects that handler while it calls the app; schemathesis' WSGI client does not, so do it here."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_headers(db):
    """A superuser's write-enabled token, plus a little data so that ids 1, 2... resolve and filters match."""
    user = factories.UserFactory(username="fuzzer", is_superuser=True, is_staff=True)
    _, key = token_create(user=user, write_enabled=True)
    device = factories.DeviceFactory()
    factories.LocationFactory(site=device.site)
    factories.HardwareModelFactory()
    factories.PlatformFactory()
    factories.TagFactory()
    factories.InterfaceFactory(device=device)
    factories.IPAddressFactory(device=device)
    factories.InstalledSoftwareFactory(device=device)
    factories.ApplicationFactory()
    factories.DependencyFactory(source_device=device)
    # A pending run (not started yet) with a host that did not answer: the nulls and blanks the schema must allow.
    from discovery.choices import HostResultActionChoices
    from discovery.models import HostResult

    run = factories.DiscoveryRunFactory(site=device.site)
    HostResult.objects.create(run=run, address="127.77.0.9", action=HostResultActionChoices.UNREACHABLE)
    HostResult.objects.create(run=run, address="127.77.0.10", action=HostResultActionChoices.UPDATED, device=device,
                              method="snmp", credential=factories.CredentialFactory())
    factories.ScopeFactory(site=device.site)
    return {"Authorization": f"Token {key}", "X-Request-ID": "schemathesis"}


def test_schema_has_operations():
    assert len(OPERATIONS) > 50, [op.label for op in OPERATIONS]


@pytest.mark.slow
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_server_errors(operation, api_headers):
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=2 * EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        response = case.call(headers=api_headers)
        case.validate_response(response, checks=CHECKS)

    check()
