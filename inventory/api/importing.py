"""POST /api/inventory/import/: the spreadsheet import for automation, with the same preview as the page."""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiTypes, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from estate.api.permissions import IsAuthenticatedWritableToken
from inventory.importing import MAX_BYTES, TARGETS
from inventory.services_import import MODELS, import_apply, import_perms, import_preview


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv or .xlsx file")
    model = serializers.ChoiceField(choices=list(MODELS), default="devices")
    dry_run = serializers.BooleanField(default=True, help_text="Preview only (the default); false to apply")
    on_existing = serializers.ChoiceField(choices=["update", "skip"], default="update")
    create_missing_sites = serializers.BooleanField(default=False)
    mapping = serializers.CharField(
        required=False, allow_blank=True,
        help_text='Column overrides: JSON {"Header": "field"} or lines "Header=field"; an empty field ignores '
                  "the column",
    )

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError(f"The file is too large: the limit is {MAX_BYTES // (1024 * 1024)} MB.")
        return upload

    def validate_mapping(self, value: str) -> dict[str, str]:
        value = (value or "").strip()
        if not value:
            return {}
        if value.startswith("{"):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as exc:
                raise serializers.ValidationError(f"Not valid JSON: {exc.msg}.") from exc
            if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
                raise serializers.ValidationError('Give an object of {"Header": "field"}.')
            return parsed
        return parse_mapping_lines(value.splitlines())


def parse_mapping_lines(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        if not line.strip():
            continue
        header, sep, target = line.partition("=")
        if not sep:
            raise serializers.ValidationError(f"“{line}” is not Header=field.")
        out[header.strip()] = target.strip()
    return out


class ImportView(APIView):
    """Preview (dry_run, the default) or apply a spreadsheet import. All or nothing: any row error saves nothing."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticatedWritableToken]

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT,
                   400: inline_serializer("ImportError", {"error": serializers.DictField()})},
        description="Returns the preview: columns and their fields, counts, will_create, errors "
                    "(“Row 7, purchase_date: …”) and one entry per row with its action. "
                    f"Fields per model: {json.dumps({k: list(v) for k, v in TARGETS.items()})}",
    )
    def post(self, request):
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not request.user.has_perms(import_perms(data["model"])):
            raise PermissionDenied()
        upload = data["file"]
        kwargs = {"data": upload.read(), "filename": upload.name or "", "model": data["model"],
                  "mapping": data.get("mapping") or None, "on_existing": data["on_existing"],
                  "create_missing_sites": data["create_missing_sites"]}
        if data["dry_run"]:
            return Response(import_preview(**kwargs).as_dict())
        result = import_apply(user=request.user, **kwargs)
        body = result.as_dict()
        if not result.applied:
            message = result.errors[0] if result.errors else "Nothing was imported."
            return Response({"error": {"status": 400, "code": "invalid", "message": message, "detail": body}},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED)
