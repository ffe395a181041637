"""Reads of script templates and generations, always through the user's account (and team).

A user may use the built-in templates, their account's account-wide ones and their team's; owners,
who administer every team, also every team's. Anything else answers 404.
"""

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from resolutionflow.tenancy import access, account_of, scoped
from scripts.models import ScriptCategory, ScriptGeneration, ScriptTemplate


def _visible(user) -> Q | None:
    account = account_of(user)
    if account is None:
        return None
    visible = Q(account__isnull=True) | Q(account=account, team__isnull=True)
    if user.is_owner:
        visible |= Q(account=account)
    elif user.team_id:
        visible |= Q(account=account, team_id=user.team_id)
    return visible


def usable_templates(user, *, include_inactive: bool = False) -> QuerySet:
    """The templates `user` may generate from (and, with include_inactive, see in the library)."""
    visible = _visible(user)
    if visible is None:
        return ScriptTemplate.objects.none()
    queryset = ScriptTemplate.objects.filter(visible).select_related("category", "team")
    return queryset if include_inactive else queryset.filter(is_active=True)


def team_templates(account_id, team_id) -> list[tuple[str, str]]:
    """(slug, name) of the active templates a team may use, by slug: the built-ins, its account's account-wide
    ones and the team's own (no team: the first two). For work done without a user (the flywheel)."""
    visible = Q(account__isnull=True) | Q(account_id=account_id, team__isnull=True)
    if team_id is not None:
        visible |= Q(account_id=account_id, team_id=team_id)
    rows = ScriptTemplate.objects.filter(visible, is_active=True).order_by(specificity(), "slug")
    chosen: dict[str, str] = {}
    for slug, name in rows.values_list("slug", "name"):
        chosen.setdefault(slug, name)  # the most specific one of a slug
    return sorted(chosen.items())


def specificity():
    """An ordering expression: the team's templates first, then the account's, then the built-ins."""
    return Case(
        When(team_id__isnull=False, then=Value(0)),
        When(account__isnull=False, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def library(user, *, q: str = "", category: str = "") -> QuerySet:
    """The library page's list: usable templates, plus inactive ones of the account for admins."""
    queryset = usable_templates(user, include_inactive=user.is_admin)
    if user.is_admin:
        queryset = queryset.filter(Q(is_active=True) | Q(account__isnull=False))
    if category:
        queryset = queryset.filter(category__slug=category)
    if q.strip():
        words = q.split()
        for word in words[:8]:
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(description__icontains=word) | Q(slug__icontains=word)
            )
    return queryset.order_by("category__position", "name")


def categories(user) -> list[ScriptCategory]:
    """Every category with `template_count`: how many library templates `user` sees in it."""
    visible = library(user)
    counts = dict(visible.order_by().values_list("category_id").annotate(n=Count("id")))
    rows = list(ScriptCategory.objects.all())
    for row in rows:
        row.template_count = counts.get(row.pk, 0)
    return rows


def template(user, pk, *, include_inactive: bool = False) -> ScriptTemplate:
    """The template `pk` if `user` may use it; Http404 otherwise (or if `pk` is malformed)."""
    try:
        return usable_templates(user, include_inactive=include_inactive).get(pk=pk)
    except (ScriptTemplate.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("Not found.") from None


def template_for_page(user, pk) -> ScriptTemplate:
    """The configure page: admins also open their account's inactive templates (to edit them)."""
    found = template(user, pk, include_inactive=user.is_admin)
    if not found.is_active and found.is_builtin:
        raise Http404("Not found.")
    return found


def template_by_slug(user, slug: str) -> ScriptTemplate | None:
    """The most specific usable template with this slug: the team's, else the account's, else built-in."""
    return usable_templates(user).filter(slug=slug).order_by(specificity()).first()


def my_generations(user) -> QuerySet:
    return (
        scoped(ScriptGeneration, user)
        .filter(user=user)
        .select_related("template", "ai_session")
        .order_by("-created_at")
    )


def own_generation(user, pk) -> ScriptGeneration | None:
    """One of the user's own generations, or None (a missing, malformed or someone else's id)."""
    try:
        return scoped(ScriptGeneration, user).filter(user=user, pk=pk).first() if pk else None
    except (ValidationError, ValueError):
        return None


def generation(user, pk) -> ScriptGeneration:
    """A generation of the user's account (knowledge is shared inside an account; secrets are redacted)."""
    return access(ScriptGeneration.objects.select_related("template", "user", "ai_session"), user, pk)
