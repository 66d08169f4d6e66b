from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from estate.pagination import page_records


class EstatePagination(LimitOffsetPagination):
    """?limit=&offset= pages like NetBox; at most 1,000 per page. A deep page is read by its primary keys first
    (estate.pagination), so the database does not join every skipped row."""

    default_limit = 50
    max_limit = 1000
    max_offset = 2**63 - 1  # beyond what any database can skip

    def get_limit(self, request):
        """A whole number from 1; above max_limit it means max_limit. Anything else is a 400, not ignored."""
        value = request.query_params.get(self.limit_query_param)
        if value is None:
            return self.default_limit
        if not (value.isascii() and value.isdigit() and int(value) >= 1):
            raise ValidationError({self.limit_query_param: ["Give a whole number from 1."]})
        return min(int(value), self.max_limit)

    def get_offset(self, request):
        value = request.query_params.get(self.offset_query_param)
        if value is None:
            return 0
        if not (value.isascii() and value.isdigit() and int(value) <= self.max_offset):
            raise ValidationError({self.offset_query_param: ["Give a whole number from 0."]})
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update({"minimum": 1})
                parameter["description"] = f"Rows per page: 1 to {self.max_limit} (more means {self.max_limit})."
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update({"minimum": 0, "maximum": self.max_offset})
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.count = self.get_count(queryset)
        self.offset = self.get_offset(request)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        if not hasattr(queryset, "query"):
            return list(queryset[self.offset:self.offset + self.limit])
        return page_records(queryset, self.offset, self.offset + self.limit)
