"""Who may change script templates: team admins their team's and account-wide ones, owners all of the
account's (PRODUCT.md). Built-ins are read-only for everyone; an admin copies one to the account."""

from django.core.exceptions import PermissionDenied


def can_manage_templates(user) -> bool:
    """May `user` create templates (and copy built-ins to the account)?"""
    return user.is_authenticated and user.is_admin


def can_edit_template(user, template) -> bool:
    if not can_manage_templates(user) or template.is_builtin or template.account_id != user.account_id:
        return False
    return user.can_administer_team(template.team_id)


def require_template_editor(user, template=None) -> None:
    allowed = can_manage_templates(user) if template is None else can_edit_template(user, template)
    if not allowed:
        raise PermissionDenied("Team admins and owners edit their account's templates; built-ins are read-only.")
