"""API root, status, the change log and the caller's own API tokens."""

from __future__ import annotations

import django
import django_filters
from auditlog.models import LogEntry
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response
from rest_framework.reverse import reverse

from estate import services
from estate.api.permissions import IsAuthenticatedWritableToken, ModelPermissions
from estate.api.serializers import LogEntrySerializer
from estate.filters import BoundedIsoDateTimeFilter
from estate.models import Token


@extend_schema(responses=inline_serializer("ApiRoot", {"inventory": serializers.URLField()}))
@api_view(["GET"])
@permission_classes([IsAuthenticatedWritableToken])
def api_root(request, format=None):  # noqa: A002 - DRF's signature
    return Response({
        "core": reverse("api-status", request=request).replace("status/", "core/"),
        "inventory": request.build_absolute_uri("/api/inventory/"),
        "discovery": request.build_absolute_uri("/api/discovery/"),
        "lifecycle": request.build_absolute_uri("/api/lifecycle/"),
        "migration-plans": request.build_absolute_uri("/api/migration-plans/"),
        "jobs": request.build_absolute_uri("/api/jobs/"),
        "schema": request.build_absolute_uri("/api/schema/"),
    })


@extend_schema(
    responses=inline_serializer("ApiStatus", {"django": serializers.CharField(), "user": serializers.CharField()})
)
@api_view(["GET"])
@permission_classes([IsAuthenticatedWritableToken])
def status_view(request):
    return Response({"django": django.get_version(), "user": request.user.get_username()})


class LogEntryFilterSet(django_filters.FilterSet):
    model = django_filters.CharFilter(method="filter_model", help_text="app_label.model, e.g. inventory.device")
    object_id = django_filters.NumberFilter(min_value=0, max_value=2**63 - 1)  # beyond that the query overflows
    request_id = django_filters.CharFilter(field_name="cid")
    actor = django_filters.CharFilter(field_name="actor__username")
    action = django_filters.ChoiceFilter(choices=LogEntry.Action.choices)
    since = BoundedIsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")

    class Meta:
        model = LogEntry
        fields = ["object_id", "action"]

    def filter_model(self, queryset, name, value):
        app_label, _, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model.lower())


class LogEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Every create, update and delete, with actor, time, before/after values and request id."""

    queryset = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    serializer_class = LogEntrySerializer
    filterset_class = LogEntryFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["timestamp"]


class TokenSerializer(serializers.ModelSerializer):
    key = serializers.SerializerMethodField(help_text="Only in the response to the create call")

    class Meta:
        model = Token
        fields = ["id", "prefix", "key", "description", "write_enabled", "expires", "created", "last_used"]
        read_only_fields = ["prefix", "created", "last_used"]

    def get_key(self, obj) -> str | None:
        return getattr(obj, "_plain_key", None)


class TokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                   mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens. The key is returned once, by the create call; only its hash is stored."""

    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticatedWritableToken]
    filterset_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no real user
            return Token.objects.none()
        return Token.objects.filter(user=self.request.user)

    def perform_create(self, serializer):
        token, key = services.token_create(
            user=self.request.user,
            description=serializer.validated_data.get("description", ""),
            write_enabled=serializer.validated_data.get("write_enabled", False),
            expires=serializer.validated_data.get("expires"),
            parent=self.request.auth if isinstance(self.request.auth, Token) else None,
        )
        token._plain_key = key
        serializer.instance = token

    def perform_destroy(self, instance):
        services.object_delete(instance=instance)
