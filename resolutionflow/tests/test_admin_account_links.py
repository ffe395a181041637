"""No admin form links a row to another Account's row: walked over every registered admin of a model with an
account, and every foreign key / many-to-many field of its change form to a model with an account. A model or
field added later is walked too (and a model without a row builder here fails loudly)."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse

from flowpilot.models import AISessionStep, TicketLink
from flowpilot.psa.tests.factories import PsaConnectionFactory, PsaUserIdentityFactory
from flowpilot.tests.factories import AISessionFactory
from knowledge import services as knowledge_services
from knowledge.models import GeneralisationTerm
from knowledge.tests.factories import ProposalFactory, TreeFactory
from resolutionflow.admin_forms import has_account
from resolutionflow.models import Role
from resolutionflow.tests.factories import LLMCallFactory, TeamFactory, UserFactory
from scripts.tests.factories import ScriptGenerationFactory, ScriptTemplateFactory


def rows_of(account, prefix):
    """One row of every admin-registered model with an account (or an account through a parent), all in
    `account`, linked to each other."""
    team = TeamFactory(account=account, name=f"{prefix} desk")
    user = UserFactory(email=f"tech@{prefix}.test", account=account, team=team, role=Role.TEAM_ADMIN)
    flow = TreeFactory(account=account, team=team, created_by=user)
    session = AISessionFactory(engineer=user, matched_flow=flow, escalated_to_user=user, escalated_to_team=team)
    template = ScriptTemplateFactory(account=account, team=team, created_by=user)
    generation = ScriptGenerationFactory(user=user, account=account, template=template, ai_session=session)
    step = AISessionStep.objects.create(
        session=session,
        order=1,
        step_type="question",
        content={"text": "Locked?"},
        flow=flow,
        script_generation=generation,
    )
    built = [
        team,
        user,
        flow,
        session,
        template,
        LLMCallFactory(account=account),
        knowledge_services.start_draft(user, flow.envelope(), target_flow=flow),
        ProposalFactory(engineer=user, source_session=session),
        generation,
        step,
        PsaConnectionFactory(account=account, updated_by=user),
        PsaUserIdentityFactory(user=user, member_id="42"),
        TicketLink.objects.create(account=account, session=session, provider="connectwise", number="1", linked_by=user),
        GeneralisationTerm.objects.create(account=account, term=f"{prefix} site"),
    ]
    return {type(row): row for row in built}


class FormFields(HTMLParser):
    """The name/value pairs a browser submits for the admin change form (`<form id="..._form">`)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, {}
        self.select, self.select_values, self.textarea = None, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or attrs.get("disabled") is not None:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            checkable = attrs.get("type") in ("checkbox", "radio")
            if checkable and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value", "on" if checkable else ""))
        elif tag == "select" and name:
            self.select, self.select_values, self.first_option = name, [], None
            self.multiple = "multiple" in attrs
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = attrs.get("value", "")
            if "selected" in attrs:
                self.select_values.append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            default = [] if self.multiple or self.first_option is None else [self.first_option]
            values = self.select_values or default
            self.data[self.select] = values
            self.select = None
        elif tag == "textarea":
            if self.textarea and self.data[self.textarea][0].startswith("\n"):
                self.data[self.textarea][0] = self.data[self.textarea][0][1:]
            self.textarea = None


def submitted(response, model):
    parser = FormFields(f"{model._meta.model_name}_form")
    parser.feed(response.content.decode())
    return parser.data


def change_url(row):
    return reverse(f"admin:{row._meta.app_label}_{row._meta.model_name}_change", args=[row.pk])


def linked_fields(form):
    """The form's fields whose choices are rows of a model with an account."""
    return {
        name: field.queryset.model
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField) and has_account(field.queryset.model)
    }


def stored(row, name):
    row.refresh_from_db()
    field = row._meta.get_field(name)
    if field.many_to_many:
        return sorted(str(pk) for pk in getattr(row, name).values_list("pk", flat=True))
    return getattr(row, field.attname)


@pytest.fixture
def operator(db, django_user_model):
    return django_user_model.objects.create_superuser(email="ops@platform.test", password="x")


# Rows that refer to nothing and that nothing refers to: an operator may move one to another account.
UNLINKED = {GeneralisationTerm}


@pytest.fixture
def account_models(rf, operator):
    """Every admin-registered model with an account (or one through a parent) whose rows an operator may change."""
    request = rf.get("/")
    request.user = operator
    return [
        model
        for model, model_admin in admin.site._registry.items()
        if (has_account(model) or getattr(model_admin.form, "account_through", None))
        and model_admin.has_change_permission(request)
    ]


def test_every_admin_field_refuses_a_row_of_another_account(client, operator, northwind, contoso, account_models):
    """Each row built here is linked to others of its account, so moving the row itself is refused too."""
    home, foreign = rows_of(northwind, "northwind"), rows_of(contoso, "contoso")
    assert set(account_models) <= set(home), f"add a row builder for {set(account_models) - set(home)}"
    client.force_login(operator)
    walked = set()

    for model in account_models:
        row = home[model]
        page = client.get(change_url(row))
        assert page.status_code == 200, model
        unchanged = submitted(page, model)
        form = page.context["adminform"].form
        moves = {"account": contoso.pk} if "account" in form.fields and model not in UNLINKED else {}
        choices = {name: foreign[related_model].pk for name, related_model in linked_fields(form).items()}
        for name, foreign_pk in {**moves, **choices}.items():
            before = stored(row, name)
            data = {**unchanged, name: [str(foreign_pk)]}

            response = client.post(change_url(row), data)

            label = f"{model._meta.label}.{name}"
            assert response.status_code == 200, f"{label}: saved with a row of another account"
            errors = response.context["adminform"].form.errors
            assert name in errors, label
            assert stored(row, name) == before, label
            walked.add(label)
        response = client.post(change_url(row), unchanged)
        assert response.status_code == 302, f"{model}: the unchanged form saves: {response.context['errors']}"

    assert {
        "knowledge.Tree.team",
        "resolutionflow.User.team",
        "resolutionflow.User.account",
        "knowledge.FlowProposal.team",
        "flowpilot.AISession.team",
        "flowpilot.AISession.engineer",
        "flowpilot.AISession.matched_flow",
        "flowpilot.AISession.escalated_to_user",
        "flowpilot.AISession.escalated_to_team",
        "flowpilot.AISession.account",
        "scripts.ScriptTemplate.team",
        "flowpilot.AISessionStep.session",
        "flowpilot.AISessionStep.flow",
        "flowpilot.AISessionStep.script_generation",
        "scripts.ScriptTemplate.account",
    } <= walked


def test_moving_a_flow_to_another_accounts_team_leaves_its_enhancements(client, operator, northwind, contoso):
    home, foreign = rows_of(northwind, "northwind"), rows_of(contoso, "contoso")
    flow = next(row for row in home.values() if row._meta.model_name == "tree")
    client.force_login(operator)
    data = submitted(client.get(change_url(flow)), type(flow))
    data["team"] = [str(foreign[type(flow.team)].pk)]

    response = client.post(change_url(flow), data)

    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors
    flow.refresh_from_db()
    assert flow.team.account_id == northwind.pk


def test_a_new_user_of_one_account_cannot_join_another_accounts_team(client, operator, northwind, contoso):
    contoso_team = TeamFactory(account=contoso, name="Contoso desk")
    client.force_login(operator)

    response = client.post(
        reverse("admin:resolutionflow_user_add"),
        {
            "email": "new@northwind.test",
            "account": str(northwind.pk),
            "team": str(contoso_team.pk),
            "role": Role.ENGINEER,
            "usable_password": "true",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )

    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors
    assert not type(operator).objects.filter(email="new@northwind.test").exists()


def test_a_team_with_members_cannot_move_to_another_account(client, operator, northwind, contoso):
    home = rows_of(northwind, "northwind")
    team = next(r for r in home.values() if r._meta.model_name == "team")
    client.force_login(operator)
    data = submitted(client.get(change_url(team)), type(team))
    data["account"] = [str(contoso.pk)]

    response = client.post(change_url(team), data)

    assert response.status_code == 200
    assert "account" in response.context["adminform"].form.errors
    team.refresh_from_db()
    assert team.account_id == northwind.pk


def test_an_empty_team_moves_to_another_account(client, operator, northwind, contoso):
    team = TeamFactory(account=northwind, name="Spare")
    client.force_login(operator)
    data = submitted(client.get(change_url(team)), type(team))
    data["account"] = [str(contoso.pk)]

    assert client.post(change_url(team), data).status_code == 302
    team.refresh_from_db()
    assert team.account_id == contoso.pk


def session_change(client, operator, northwind):
    home = rows_of(northwind, "northwind")
    session = next(row for row in home.values() if row._meta.model_name == "aisession")
    client.force_login(operator)
    return session, submitted(client.get(change_url(session)), type(session))


def test_a_session_cannot_be_newly_escalated_to_a_deactivated_user(client, operator, northwind):
    session, data = session_change(client, operator, northwind)
    departed = UserFactory(email="gone@northwind.test", account=northwind, is_active=False)
    data["escalated_to_user"] = [str(departed.pk)]

    response = client.post(change_url(session), data)

    assert response.status_code == 200
    assert "deactivated" in str(response.context["adminform"].form.errors["escalated_to_user"])
    session.refresh_from_db()
    assert session.escalated_to_user_id != departed.pk


def test_a_session_of_a_since_deactivated_engineer_still_saves(client, operator, northwind):
    session, data = session_change(client, operator, northwind)
    type(operator).objects.filter(pk=session.engineer_id).update(is_active=False)
    data["problem_summary"] = ["Printer offline, floor 3"]

    assert client.post(change_url(session), data).status_code == 302
    session.refresh_from_db()
    assert session.problem_summary == "Printer offline, floor 3"
