from rest_framework.pagination import LimitOffsetPagination

from estate.pagination import page_records


class EstatePagination(LimitOffsetPagination):
    """?limit=&offset= pages like NetBox; at most 1,000 per page. A deep page is read by its primary keys first
    (estate.pagination), so the database does not join every skipped row."""

    default_limit = 50
    max_limit = 1000

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
