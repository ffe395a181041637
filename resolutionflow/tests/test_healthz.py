def test_healthz_reports_database_and_pgvector_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["pgvector"] == "ok"


def test_healthz_answers_503_when_pgvector_is_missing(client, db, django_db_blocker):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION vector")
    try:
        response = client.get("/healthz")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION vector")

    assert response.status_code == 503
    assert response.json()["pgvector"] == "missing"
