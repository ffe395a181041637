from resolutionflow.navigation import entries_for
from resolutionflow.tenancy import account_of


def navigation(request):
    user = getattr(request, "user", None)
    if account_of(user) is None:
        return {"nav_entries": []}
    return {"nav_entries": entries_for(request)}
