"""One tenancy rule for every admin form: a row only ever refers to rows of its own Account.

An operator types raw ids in the Django admin, and a Northwind flow given a Contoso team would carry its
enhancements (and its edit rights) into the other tenant. `AccountConsistentForm` refuses that with a form
error on the field, for every foreign key and many-to-many field of the form whose model has an `account`:
fields added later are covered without a line here. When the row's own account is changed, every related
choice must follow: those in the form, the ones the form does not show, and the rows that refer to this one.
And nothing is newly assigned to a deactivated user (an escalation, a session's engineer).
"""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import FieldDoesNotExist

from resolutionflow.models import Account


def has_account(model) -> bool:
    """Whether `model`'s rows belong to an Account (a foreign key named `account` to it)."""
    if model is None:
        return False
    try:
        field = model._meta.get_field("account")
    except FieldDoesNotExist:
        return False
    return field.is_relation and field.related_model is Account


def may_refer_to(account_id, related) -> bool:
    """A row of `account_id` may refer to `related` when both belong to the same account. A related row without
    an account is platform-level: a built-in (a shared script template) may be referred to from anywhere, but a
    user without an account is a platform operator, never part of an account's data."""
    if related.account_id is None:
        return related._meta.label != settings.AUTH_USER_MODEL
    return related.account_id == account_id


def is_deactivated_user(row) -> bool:
    """Nothing is newly given to a deactivated user (history keeps pointing at them: only changes are checked)."""
    return row is not None and row._meta.label == settings.AUTH_USER_MODEL and not row.is_active


def _account_name(account_id) -> str:
    return Account.objects.filter(pk=account_id).values_list("name", flat=True).first() or "no account"


def foreign_row_message(related, account_id) -> str:
    here = _account_name(account_id)
    return f"“{related}” belongs to {_account_name(related.account_id)}, not to {here}: choose one of {here}."


class AccountConsistentMixin:
    """Form mixin (a ModelForm's) that refuses related rows of another account; see the module docstring.
    A model without an account of its own names the foreign key its account comes through (`account_through`,
    e.g. a session step's "session"); a saved row never moves to a parent of another account."""

    account_through = None

    def clean(self):
        cleaned_data = super().clean()
        owned = has_account(self._meta.model)
        if not owned and self.account_through is None:
            return cleaned_data
        account_id = self._edited_account_id()
        for name, field in list(self.fields.items()):
            if name == "account" or name not in cleaned_data:
                continue
            if not isinstance(field, forms.ModelChoiceField):
                continue
            if not has_account(field.queryset.model):
                continue
            value = cleaned_data[name]
            chosen = list(value) if isinstance(field, forms.ModelMultipleChoiceField) else [value]
            foreign = [row for row in chosen if row is not None and not may_refer_to(account_id, row)]
            if foreign:
                self.add_error(name, foreign_row_message(foreign[0], account_id))
            elif name in self.changed_data and (departed := [row for row in chosen if is_deactivated_user(row)]):
                self.add_error(name, f"{departed[0]} is deactivated: choose someone active.")
        if owned and not self.instance._state.adding and account_id != self.instance.account_id:
            self._check_account_move(account_id)
        return cleaned_data

    def _edited_account_id(self):
        if self.account_through is not None:  # a saved row keeps its parent's account; a new one takes it
            source = self.instance if not self.instance._state.adding else None
            parent = getattr(source, self.account_through) if source else self.cleaned_data.get(self.account_through)
            return parent.account_id if parent is not None else None
        if "account" in self.fields:
            account = self.cleaned_data.get("account")
            return account.pk if account is not None else None
        return self.instance.account_id

    def _check_account_move(self, account_id) -> None:
        """The row moves to another account: what it refers to outside the form, and every row that refers to
        it, must already be in that account (an operator moves or reassigns those first)."""
        instance = self.instance
        for field in instance._meta.get_fields(include_hidden=True):
            if field.name == "account" or field.name in self.fields or not has_account(field.related_model):
                continue
            if field.concrete and (field.many_to_one or field.one_to_one):
                related = getattr(instance, field.name)
                if related is not None and not may_refer_to(account_id, related):
                    self.add_error("account", f"{field.verbose_name}: {foreign_row_message(related, account_id)}")
            elif field.concrete and field.many_to_many:
                for related in getattr(instance, field.name).all():
                    if not may_refer_to(account_id, related):
                        self.add_error("account", f"{field.verbose_name}: {foreign_row_message(related, account_id)}")
                        break
            elif field.auto_created and not field.concrete:
                referring = field.related_model._default_manager.filter(**{field.field.name: instance})
                if referring.exclude(account_id=account_id).exists():
                    self.add_error(
                        "account",
                        f"{field.related_model._meta.verbose_name_plural} of another account refer to “{instance}”: "
                        "move or reassign them first.",
                    )


class AccountConsistentForm(AccountConsistentMixin, forms.ModelForm):
    """The form of every account-scoped admin (`AccountScopedAdmin.form`)."""


class AccountConsistentUserChangeForm(AccountConsistentMixin, UserChangeForm):
    pass


class AccountConsistentUserCreationForm(AccountConsistentMixin, AdminUserCreationForm):
    pass
