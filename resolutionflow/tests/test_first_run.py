"""`make run` says what it does: the demo's steps with their progress, the demo kept on a second run, the
logins by role, and how the embedded database is stopped (ops/run.py)."""

from io import StringIO

import pytest
from django.core.management import call_command

from ops import run
from resolutionflow.demo import USERS
from resolutionflow.models import Account


@pytest.fixture
def accounts_only(monkeypatch):
    """Only the accounts step of the demo (the apps' steps are tested in their apps)."""
    monkeypatch.setattr("resolutionflow.demo.DEMO_STEPS", [])


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", quiet_logins=True, stdout=out, **options)
    return out.getvalue()


def test_seeding_reports_each_step_with_its_place_in_the_whole(db, accounts_only):
    output = seed()

    assert "[1/1] 2 accounts, 6 demo users" in output
    assert "Demo data ready" in output


def test_a_second_run_keeps_the_demo_as_it_is(db, accounts_only):
    seed()
    Account.objects.filter(slug="northwind").update(name="Renamed by a user")

    output = seed(unless_seeded=True)

    assert "Demo data already loaded" in output
    assert Account.objects.get(slug="northwind").name == "Renamed by a user"


def test_an_unseeded_database_is_seeded_even_with_unless_seeded(db, accounts_only):
    output = seed(unless_seeded=True)

    assert "Demo data ready" in output
    assert Account.objects.filter(is_demo=True).count() == 2


def test_the_logins_are_listed_by_role_engineers_first():
    lines = run.logins_by_role().splitlines()[1:]

    assert [line.split()[0] for line in lines] == ["Engineer"] * 3 + ["Team", "Owner", "Owner"]
    assert len(lines) == len(USERS)


def test_stopping_a_database_that_is_not_running_says_so(tmp_path, capsys):
    assert run.stop_database(tmp_path) == 0

    assert "is not running" in capsys.readouterr().out


def test_make_run_goes_on_without_demo_data_beside_someone_elses_accounts(db, accounts_only, capsys):
    Account.objects.create(name="Real Customer MSP", slug="real-customer")

    run.seed_demo()

    assert "No demo data: This database holds data that is not the demo's" in capsys.readouterr().out
    assert not Account.objects.filter(slug="northwind").exists()
