"""The OpenAPI schema is valid and generates without a single warning."""

from __future__ import annotations

from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning (untyped path parameter, unguessable field type...) into a
    # failure, so a new serializer or view that documents itself badly is caught here.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "openapi: 3" in text
    assert "/api/inventory/devices/" in text
