"""Property-based API testing: schemathesis generates requests from /api/schema/ and none may get a 5xx.

Every operation in the schema is exercised with valid (positive) and invalid (negative) data by a superuser with a
write-enabled token, against the WSGI app in-process. Generation is derandomised, so a failure reproduces exactly.
When this finds a server error, fix the serializer/filter/view: do not exclude the operation.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

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
EXAMPLES_PER_OPERATION = 12  # per generation mode; ~95 operations × 2 modes keeps the run well under a minute


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
        case.validate_response(response, checks=[not_a_server_error])

    check()
