import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from flowpilot.models import AISession, AISessionStep

pytestmark = pytest.mark.serial  # a bulk load (COPY batches, index rebuilds)


@pytest.mark.django_db(transaction=True)  # COPY batches commit; indexes are rebuilt after them
def test_generate_scale_data_loads_consistent_sessions_and_keeps_the_indexes(capsys):
    call_command("generate_scale_data", "--sessions", "300", "--accounts", "2", "--days", "60")

    assert AISession.objects.count() == 300
    steps = AISessionStep.objects.select_related("session", "flow")
    assert steps.count() > 300
    walked = steps.exclude(flow_node_id="").first()
    assert walked.flow.account_id == walked.session.account_id
    from knowledge.tree_format import find_node

    assert find_node(walked.flow.tree_structure, walked.flow_node_id) is not None
    assert AISession.objects.filter(status="resolved").count() > 150
    assert AISession.objects.exclude(intake_embedding=None).count() == 300
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'flowpilot_aisession'")
        assert cursor.fetchone()[0] >= 6
    assert "300 sessions" in capsys.readouterr().out


def test_it_refuses_a_database_with_real_accounts(northwind):
    with pytest.raises(CommandError, match="throwaway"):
        call_command("generate_scale_data", "--sessions", "10")
