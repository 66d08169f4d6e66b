from rest_framework.pagination import LimitOffsetPagination


class EstatePagination(LimitOffsetPagination):
    """?limit=&offset= pages like NetBox; at most 1,000 per page."""

    default_limit = 50
    max_limit = 1000
