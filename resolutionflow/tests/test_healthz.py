def test_healthz_reports_database_and_pgvector_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["pgvector"] == "ok"


def test_healthz_answers_503_when_pgvector_is_missing(client, db):
    from django.db import connection

    # The test's transaction is rolled back afterwards, extension and vector columns included.
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION vector CASCADE")
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["pgvector"] == "missing"
