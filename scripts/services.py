"""Writes of the scripts app: generating a script, saving and copying templates."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify

from scripts import selectors, template_engine
from scripts.errors import InvalidParameters, NotUsable
from scripts.models import ScriptGeneration, ScriptTemplate
from scripts.permissions import require_template_editor


def generate(user, template: ScriptTemplate, *, params: dict, ai_session=None) -> tuple[ScriptGeneration, str]:
    """Generate `template`'s script for `params`: the one service the page, the API and sessions call.

    Returns the stored generation (secrets redacted) and the full script, which is shown once and never
    stored. Raises InvalidParameters (per-field messages) and NotUsable (a template the user may not
    use, or an AI session of another account). Counts the use on the template atomically.
    """
    if ai_session is not None and ai_session.account_id != user.account_id:
        raise NotUsable()
    with transaction.atomic():
        # The use is counted first, by the statement that also checks the user may use the template (one
        # round trip); invalid values then roll the count back. A template of another account is 404
        # before its values are looked at, so its parameter names never leak.
        usable = selectors.usable_templates(user).filter(pk=template.pk)
        if not usable.update(usage_count=F("usage_count") + 1):
            raise NotUsable()
        rendered = template_engine.render(template.body, template.parameters_schema, params or {})
        generation = ScriptGeneration.objects.create(
            account_id=user.account_id,
            user=user,
            template=template,
            template_name=template.name,
            template_version=template.version,
            parameters=rendered.stored_parameters,
            script=rendered.redacted_script,
            ai_session=ai_session,
        )
    return generation, rendered.script


def generate_again(user, template: ScriptTemplate, *, params: dict, generation_id, ai_session=None) -> str | None:
    """The full script of a generation just made, for a download right after Generate: nothing is recorded.

    A download is the same use as the Generate before it, so it must not add a second generation to the
    history. `generation_id` must name a generation of `user`, made from this template at its current
    version, for `ai_session` (None: outside a session), with these same values (secrets compare as
    redacted, as they were stored), from a template the user may still use. Returns None otherwise (a
    missing or foreign id, other values, invalid values): the caller then records a generation as Generate
    does, which also reports invalid values and an unusable template.
    """
    generation = selectors.own_generation(user, generation_id)
    if (
        generation is None
        or generation.template_id != template.pk
        or generation.template_version != template.version
        or generation.ai_session_id != (ai_session.pk if ai_session is not None else None)
        or not selectors.usable_templates(user).filter(pk=template.pk).exists()
    ):
        return None
    try:
        rendered = template_engine.render(template.body, template.parameters_schema, params or {})
    except InvalidParameters:
        return None
    return rendered.script if rendered.stored_parameters == generation.parameters else None


def save_template(
    user,
    *,
    template: ScriptTemplate | None = None,
    name: str,
    body: str,
    parameters_schema: dict,
    category,
    team=None,
    slug: str = "",
    description: str = "",
    requires_elevation: bool = False,
    is_active: bool = True,
) -> ScriptTemplate:
    """Create an account template (template=None) or change one; raises ValidationError by field.

    The body must pass the engine's check. A change to the body or the schema is a new version.
    """
    require_template_editor(user, template)
    team_id = team.pk if team is not None else None
    if team is not None and team.account_id != user.account_id or not user.can_administer_team(team_id):
        raise PermissionDenied("You cannot put templates in that team.")
    body = body.replace("\r\n", "\n")
    if template is None:
        template = ScriptTemplate(account_id=user.account_id, created_by=user)
    elif template.body != body or template.parameters_schema != parameters_schema:
        template.version += 1
    template.name = name
    template.slug = slug or template.slug or _free_slug(user.account_id, name)
    template.description = description
    template.category = category
    template.team = team
    template.body = body
    template.parameters_schema = parameters_schema
    template.requires_elevation = requires_elevation
    template.is_active = is_active
    taken = ScriptTemplate.objects.filter(account_id=user.account_id, slug=template.slug).exclude(pk=template.pk)
    if taken.exists():
        raise ValidationError({"slug": ["Another template of your account has this slug."]})
    template.full_clean(exclude=["created_by", "copied_from"], validate_constraints=False)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ValidationError({"slug": ["Another template of your account has this slug."]}) from None
    return template


def copy_template(user, source: ScriptTemplate) -> ScriptTemplate:
    """Copy a template the user can see (typically a built-in) into their account, account-wide.

    The copy keeps the slug when it is free, so flows that name the slug use the account's copy.
    """
    require_template_editor(user)
    slug = source.slug
    if ScriptTemplate.objects.filter(account_id=user.account_id, slug=slug).exists():
        slug = _free_slug(user.account_id, f"{source.slug}-copy")
    copy = ScriptTemplate(
        account_id=user.account_id,
        name=source.name if source.is_builtin else f"{source.name} (copy)",
        slug=slug,
        description=source.description,
        category=source.category,
        body=source.body,
        parameters_schema=source.parameters_schema,
        requires_elevation=source.requires_elevation,
        copied_from=source,
        created_by=user,
    )
    copy.full_clean(exclude=["created_by", "copied_from"], validate_constraints=False)
    copy.save()
    return copy


def _free_slug(account_id, text: str) -> str:
    base = slugify(text)[:70] or "script"
    taken = set(
        ScriptTemplate.objects.filter(account_id=account_id, slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
