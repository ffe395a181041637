"""The demo's engineers have a script history, generated through the one service and backdated."""

from resolutionflow.demo import seed_accounts
from scripts import demo
from scripts.models import ScriptGeneration


def test_the_demo_gives_each_engineer_a_script_history_once(db):
    accounts = seed_accounts()
    demo.seed(accounts)

    demo.seed_history(accounts)
    demo.seed_history(accounts)  # idempotent

    generations = ScriptGeneration.objects.filter(account=accounts["northwind"])
    assert generations.values("user").distinct().count() == 3 and generations.count() == 12
    assert not ScriptGeneration.objects.filter(account=accounts["contoso"]).exists()
