"""The review inbox over the API: proposed changes, accepted or rejected one at a time, a selection, or a run's."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from estate.api.permissions import ModelPermissions
from inventory import services
from inventory.filtersets import ProposedChangeFilterSet
from inventory.models import ProposedChange

_DECIDE = ["inventory.change_proposedchange", "inventory.change_device"]


class ProposedChangeSerializer(serializers.ModelSerializer):
    display = serializers.CharField(source="__str__", read_only=True)
    device_name = serializers.CharField(source="device.name", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ProposedChange
        fields = ["id", "display", "device", "device_name", "field", "current_value", "current_source",
                  "proposed_value", "proposed_source", "proposed_manufacturer", "strength", "detail", "status", "job",
                  "created", "last_proposed", "decided_by", "decided_at"]
        read_only_fields = fields


class DecideSerializer(serializers.Serializer):
    """Which open proposals to decide: ids, or every open one of a run (its job id)."""

    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False,
                                max_length=10_000)
    job = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    accept = serializers.BooleanField()

    def validate(self, attrs):
        if not attrs.get("ids") and not attrs.get("job"):
            raise serializers.ValidationError("Give the proposals' ids, or the job id of a run.")
        return attrs


class ProposedChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read the inbox; POST …/{id}/accept/, …/{id}/reject/, or …/decide/ for many (all or nothing)."""

    queryset = ProposedChange.objects.select_related("device", "decided_by")
    serializer_class = ProposedChangeSerializer
    filterset_class = ProposedChangeFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["last_proposed", "created", "field", "id"]
    extra_permissions = {"accept": _DECIDE, "reject": _DECIDE, "decide": _DECIDE}

    def _decide(self, accept: bool):
        change = self.get_object()
        try:
            if accept:
                services.proposed_change_accept(change=change, user=self.request.user)
            else:
                services.proposed_change_reject(change=change, user=self.request.user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"status": exc.messages}) from exc
        change.refresh_from_db()
        return Response(self.get_serializer(change).data)

    @extend_schema(request=None, responses=ProposedChangeSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Take discovery's value: the device's field and its provenance are updated, the person's lock lifted."""
        return self._decide(True)

    @extend_schema(request=None, responses=ProposedChangeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Keep the person's value; the same value is not proposed again."""
        return self._decide(False)

    @extend_schema(request=DecideSerializer,
                   responses=inline_serializer("DecideResult", {"decided": serializers.IntegerField()}))
    @action(detail=False, methods=["post"])
    def decide(self, request):
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        queryset = ProposedChange.objects.all()
        if body.validated_data.get("ids"):
            queryset = queryset.filter(pk__in=body.validated_data["ids"])
        if body.validated_data.get("job"):
            queryset = queryset.filter(job_id=body.validated_data["job"])
        count = services.proposed_changes_decide(queryset=queryset, accept=body.validated_data["accept"],
                                                 user=request.user)
        return Response({"decided": count}, status=status.HTTP_200_OK)
