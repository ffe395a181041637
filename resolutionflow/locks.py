"""One way to serialise a check-then-write across processes: a PostgreSQL advisory lock held until the
transaction ends (for when there is no row to lock yet, e.g. before the first of its kind is inserted)."""

from django.db import connection


def hold_until_commit(key: str) -> None:
    """Wait for, then hold, the lock named `key` until the current transaction ends. Call it inside
    `transaction.atomic()`: in autocommit the lock ends with its own statement."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
