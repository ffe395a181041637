"""Wait until the bench cluster is quiet: a checkpoint, then no autovacuum worker running.

`run_all.py` runs it before each bench, so one bench's writes (10,000 proposals, 100,000 sessions) are
not flushed or vacuumed inside the next bench's timings. It measures nothing and changes no data.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup_django import setup

WAIT_SECONDS = 120


def main() -> None:
    setup("postgres", migrate=False)
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        while time.monotonic() - started < WAIT_SECONDS:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(1)
    print(f"  (database quiet after {time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
