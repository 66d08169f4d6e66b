from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` as DRF's, with the primary key added as the last sort key.

    Rows that tie on the requested ordering (``?ordering=kind``) may come back in any order, and each limit/offset
    page is a query of its own, so without a tie-breaker a page could repeat a row the previous page gave and skip
    another (PostgreSQL does, under parallel or changing plans).
    """

    def filter_queryset(self, request, queryset, view):
        queryset = super().filter_queryset(request, queryset, view)
        if not hasattr(queryset, "query"):
            return queryset
        query = queryset.query
        ordering = list(query.order_by or (queryset.model._meta.ordering if query.default_ordering else ()))
        names = {term.lstrip("-+") for term in ordering if isinstance(term, str)}
        if names & {"pk", queryset.model._meta.pk.name}:
            return queryset
        return queryset.order_by(*ordering, "pk")
