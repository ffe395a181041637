from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}` with ?page= and ?page_size= (default 50, at most 500).

    A page or page size that is not a whole number from 1 is a 400 naming the parameter (DRF would answer
    404 for the page and quietly use the default size); a size over 500 is 500, a page past the last 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        checks = (
            (self.page_query_param, "A page", self.last_page_strings),
            (self.page_size_query_param, "A page size", ()),
        )
        errors = {
            name: [f"{label} is a whole number from 1."]
            for name, label, words in checks
            if not _positive_or_absent(request.query_params.get(name), allowed=words)
        }
        if errors:
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)


def _positive_or_absent(value: str | None, *, allowed=()) -> bool:
    if value is None or value in allowed:
        return True
    return value.isascii() and value.isdigit() and int(value) >= 1
