"""The shared layout: sidebar, user menu, toasts, sign-in and error pages, and the CSP rules they keep."""

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.template.loader import render_to_string
from django.views.defaults import server_error

from resolutionflow import views
from resolutionflow.models import Role
from resolutionflow.tests.factories import TeamFactory, UserFactory

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def assert_csp_clean(html):
    """Nothing the CSP (script-src 'self'; style-src 'self') would block."""
    assert not INLINE_SCRIPT.findall(html)
    assert not STYLE_ATTRIBUTE.findall(html)
    assert not STYLE_ELEMENT.findall(html)
    assert not EVENT_HANDLER_ATTRIBUTE.findall(html)


def toast_region(html):
    """The live region's server-rendered content (up to the <template> that app.js clones)."""
    start = html.index('id="toasts"')
    return html[start : html.index('id="toast-template"', start)]


def test_home_shows_the_sidebar_with_the_product_name_and_main_navigation(engineer_client):
    html = engineer_client.get("/").content.decode()

    assert 'id="sidebar"' in html
    assert "ResolutionFlow" in html
    assert '<nav aria-label="Main"' in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html  # the skip link


def test_home_shows_the_user_menu_with_name_role_and_account(engineer_client, northwind_engineer):
    html = engineer_client.get("/").content.decode()

    assert northwind_engineer.display_name in html
    assert "Engineer · Northwind IT" in html


def test_the_user_menu_logs_out_with_a_post_form(engineer_client):
    html = engineer_client.get("/").content.decode()

    form = re.search(r'<form method="post" action="/accounts/logout/">(.*?)</form>', html, re.DOTALL)
    assert form, "no POST form to the logout URL"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert "Log out" in form.group(1)


def test_the_admin_link_is_shown_to_staff_only(client, northwind_engineer, northwind_owner):
    client.force_login(northwind_engineer)
    assert 'href="/admin/"' not in client.get("/").content.decode()

    northwind_owner.is_staff = True
    northwind_owner.save()
    client.force_login(northwind_owner)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_home_greets_the_user_by_name(engineer_client, northwind_engineer):
    html = engineer_client.get("/").content.decode()

    assert re.search(rf"Good (morning|afternoon|evening), {re.escape(northwind_engineer.display_name)}</h1>", html)


def test_home_lists_the_accounts_teams_as_links_to_their_pages(engineer_client, service_desk, projects_team):
    html = engineer_client.get("/").content.decode()

    assert f'href="/teams/{service_desk.pk}/"' in html
    assert f'href="/teams/{projects_team.pk}/"' in html
    assert "Your team" in html


def test_home_shows_an_empty_state_when_the_account_has_no_teams(client, contoso_owner):
    client.force_login(contoso_owner)

    html = client.get("/").content.decode()

    assert "No teams yet" in html


def test_home_needs_few_queries_however_many_teams(engineer_client, northwind, django_assert_max_num_queries):
    for number in range(5):
        team = TeamFactory(account=northwind, name=f"Team {number}")
        UserFactory.create_batch(3, account=northwind, team=team)

    with django_assert_max_num_queries(12):  # the engineer's home blocks (resolutionflow/tests/test_home.py)
        engineer_client.get("/")


def test_team_page_lists_members_with_email_and_role_badge(client, northwind_admin, northwind_engineer, service_desk):
    client.force_login(northwind_admin)

    html = client.get(f"/teams/{service_desk.pk}/").content.decode()

    assert re.search(rf"<h1[^>]*>{service_desk.name}</h1>", html)
    assert northwind_engineer.email in html
    assert 'data-kind="engineer"' in html and ">Engineer</span>" in html
    assert 'data-kind="team_admin"' in html and ">Team admin</span>" in html
    assert "(you)" in html


def test_login_page_asks_for_the_email_with_autofocus(client, db):
    response = client.get("/accounts/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username" class="field-label">E-mail</label>' in html
    field = re.search(r'<input type="email" name="username"[^>]*>', html)
    assert field and "autofocus" in field.group(0)
    assert 'id="sidebar"' not in html


def test_login_with_a_wrong_password_shows_the_error_as_an_alert(client, northwind_engineer):
    response = client.post("/accounts/login/", {"username": northwind_engineer.email, "password": "wrong"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "Please enter a correct e-mail address and password" in html
    assert f'value="{northwind_engineer.email}"' in html
    assert 'aria-invalid="true"' in html


def test_a_django_message_is_shown_in_the_toast_region(rf, northwind_engineer):
    request = rf.get("/")
    request.user = northwind_engineer
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    messages.success(request, "Flow published.")

    html = views.home(request).content.decode()

    region = toast_region(html)
    assert 'id="toasts" aria-live="polite"' in html
    assert "Flow published." in region
    assert 'data-level="success"' in region


def test_the_toast_region_is_empty_without_messages(engineer_client):
    html = engineer_client.get("/").content.decode()

    assert "data-toast " not in toast_region(html)
    assert 'id="toast-template"' in html


@pytest.mark.parametrize("url", ["/", "/accounts/login/"])
def test_pages_have_no_inline_script_or_style(client, northwind_engineer, service_desk, url):
    if url == "/":
        client.force_login(northwind_engineer)

    html = client.get(url).content.decode()

    assert_csp_clean(html)


def test_team_page_has_no_inline_script_or_style(engineer_client, service_desk):
    assert_csp_clean(engineer_client.get(f"/teams/{service_desk.pk}/").content.decode())


def test_htmx_is_served_from_this_site_with_a_csp_friendly_config(engineer_client):
    html = engineer_client.get("/").content.decode()

    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in html
    assert '<script src="/static/js/app.js" defer></script>' in html
    assert '"includeIndicatorStyles": false' in html and '"allowEval": false' in html
    assert re.search(r"""<body[^>]*hx-headers='\{"x-csrftoken": "[A-Za-z0-9]+"\}'""", html)


def nav_entry(key, label, url, section, badge=0, active=False):
    return {
        "key": key,
        "label": label,
        "url": url,
        "icon": "chat",
        "section": section,
        "badge": badge,
        "active": active,
    }


def test_sidebar_groups_entries_by_section_and_shows_positive_badges(rf, northwind_admin):
    entries = [
        nav_entry("sessions", "Sessions", "/sessions/", "Work", active=True),
        nav_entry("flows", "Flows", "/flows/", "Work"),
        nav_entry("review_queue", "Review Queue", "/review/", "Knowledge Base", badge=3),
    ]
    context = {"nav_entries": entries, "user": northwind_admin, "request": rf.get("/sessions/")}

    html = render_to_string("components/sidebar.html", context)

    assert html.count('id="nav-work"') == 1 and 'id="nav-knowledge-base"' in html
    assert re.search(r'href="/sessions/" aria-current="page"', html)
    assert not re.search(r'href="/flows/" aria-current', html)
    assert re.search(r">3<span class=\"sr-only\"> pending</span>", html)
    assert html.count('sr-only"> pending') == 1  # zero badges show no pill


@pytest.mark.parametrize(
    ("kind", "colour"),
    [
        ("new_flow", "emerald"),
        ("enhancement", "amber"),
        ("branch_addition", "sky"),
        ("rejected", "red"),
        ("discovery", "violet"),
    ],
)
def test_badge_colours_known_kinds(kind, colour):
    html = render_to_string("components/badge.html", {"kind": kind, "label": "x"})

    assert f"bg-{colour}-50" in html


@pytest.mark.parametrize("kind", ["something_new", "flow", "new", ""])
def test_badge_falls_back_to_neutral_for_unknown_kinds(kind):
    html = render_to_string("components/badge.html", {"kind": kind, "label": "x"})

    assert "bg-zinc-100" in html


def test_badge_without_a_kind_reads_unknown():
    html = render_to_string("components/badge.html", {"kind": None})

    assert ">unknown</span>" in html and "bg-zinc-100" in html


def test_badge_tone_overrides_the_kinds_colour():
    html = render_to_string("components/badge.html", {"kind": "engineer", "tone": "danger", "label": "Engineer"})

    assert "bg-red-50" in html


def test_not_found_page_keeps_the_sidebar_for_signed_in_users(engineer_client):
    response = engineer_client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'id="sidebar"' in html
    assert_csp_clean(html)


def test_not_found_page_for_visitors_has_no_sidebar(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'id="sidebar"' not in response.content.decode()


def test_platform_operators_get_a_403_that_points_to_the_admin(client, db):
    operator = UserFactory(email="ops@resolutionflow.test", account=None, is_staff=True, is_superuser=True)
    client.force_login(operator)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "Platform operators work in the admin" in html
    assert "Platform operator</span>" in html  # the user menu, not a role they don't have
    assert "Go to the Django admin" in html


def test_server_error_page_renders_without_request_context(rf):
    response = server_error(rf.get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "/static/css/app.css" in html
    assert_csp_clean(html)


def test_a_team_admin_sees_their_role_in_the_user_menu(client, northwind_admin):
    assert northwind_admin.role == Role.TEAM_ADMIN
    client.force_login(northwind_admin)

    assert "Team admin · Northwind IT" in client.get("/").content.decode()
