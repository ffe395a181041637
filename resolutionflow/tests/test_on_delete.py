"""Every foreign key of the product decides deliberately what a delete does to customer history.

History (sessions, steps, flows and their versions, drafts, proposals, scripts and their generations, users,
teams) is never deleted as a side effect: a delete that would take some with it is refused (RESTRICT, or
PROTECT). RESTRICT rather than PROTECT so that erasing a whole Account, the one deliberate way to remove a
tenant's data, still goes through. The only cascades are listed below, each with its reason; a new
CASCADE, SET_NULL or SET_DEFAULT fails this test until someone decides it here.
"""

from django.apps import apps
from django.db import models

from resolutionflow.models import Account

PRODUCT_APPS = ["resolutionflow", "knowledge", "flowpilot", "scripts", "analytics"]
PROTECTIVE = {models.RESTRICT, models.PROTECT}

# (model label, field) -> why its non-protective on_delete is right.
ALLOWED = {
    ("flowpilot.AISessionStep", "session"): "a step is part of its session, which itself is never deleted alone",
    ("flowpilot.SessionHandoff", "session"): "a hand-off is part of its session, which is never deleted alone",
    ("flowpilot.FlowNodeDay", "flow"): "a derived rollup, rebuilt from the steps; flows are archived, not deleted",
    ("flowpilot.PsaUserIdentity", "user"): "who a user is in the PSA is that user's setting, not history",
    ("flowpilot.TicketLink", "session"): "a ticket link is part of its session, which itself is never deleted alone",
    ("flowpilot.TicketLink", "linked_by"): "who linked the ticket is a courtesy; the link stays without them",
    ("flowpilot.PsaPush", "session"): "a push is part of its session's record, which itself is never deleted alone",
}
ACCOUNT_REASON = "erasing a tenant (Account) removes all its rows; the admin refuses to delete an Account"


def product_foreign_keys():
    for label in PRODUCT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if field.is_relation and field.concrete and (field.many_to_one or field.one_to_one):
                    yield model, field


def why_not_protective(model, field) -> str | None:
    if field.related_model is Account and field.remote_field.on_delete is models.CASCADE:
        return ACCOUNT_REASON
    return ALLOWED.get((model._meta.label, field.name))


def test_no_foreign_key_destroys_history_unless_allowed_with_a_reason():
    offenders = [
        f"{model._meta.label}.{field.name} ({field.remote_field.on_delete.__name__})"
        for model, field in product_foreign_keys()
        if field.remote_field.on_delete not in PROTECTIVE and why_not_protective(model, field) is None
    ]

    assert not offenders, "Decide these foreign keys (RESTRICT, or allow them here with a reason): " + ", ".join(
        offenders
    )


def test_the_allowlist_names_only_foreign_keys_that_exist_and_cascade():
    cascading = {
        (model._meta.label, field.name)
        for model, field in product_foreign_keys()
        if field.remote_field.on_delete not in PROTECTIVE
    }

    assert set(ALLOWED) <= cascading


def test_the_walk_sees_the_history_models():
    walked = {model._meta.label for model, _ in product_foreign_keys()}

    assert {
        "flowpilot.AISession",
        "flowpilot.AISessionStep",
        "knowledge.Tree",
        "knowledge.TreeVersion",
        "knowledge.FlowDraft",
        "knowledge.FlowProposal",
        "scripts.ScriptTemplate",
        "scripts.ScriptGeneration",
        "resolutionflow.User",
    } <= walked
