"""Processes of a deployment started from Python (web servers, workers, cron loops), watched and stopped.

Each `Service` runs in its own process group, so stopping it (SIGTERM, then SIGKILL after a grace period)
reaches its children too (gunicorn's workers, qcluster's). Output goes to a log file under the run's folder.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(url: str, timeout: float = 5.0) -> int | None:
    """The status code of GET `url`, or None when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return None


def wait_until(condition, seconds: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def base_environment(**overrides: str) -> dict:
    """A plain environment for a child process: nothing of the caller's Django or test settings leaks in."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ") if key in os.environ}
    env.update({"PYTHONUNBUFFERED": "1", **overrides})
    return env


class Service:
    """One long-running process of the deployment, in its own process group, logging to `log` (None: to
    this process's own output)."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path | None = None):
        self.name, self.args, self.env, self.log = name, args, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Service":
        if self.log is None:
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, start_new_session=True)
            return self
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                self.args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group at once: a crash, not a stop."""
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, grace: float = 30.0) -> int | None:
        """SIGTERM the main process, wait up to `grace` seconds, then SIGKILL the group. Returns the exit code.

        Only the main process is signalled, as systemd's KillMode=mixed does: it stops its own children (a
        django-q2 cluster whose processes all get TERM at once can hang), and whatever is left is killed."""
        if self.process is None:
            return None
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # leftovers of the group, if any
        self.process.wait()
        return self.process.returncode

    def tail(self, chars: int = 3000) -> str:
        if self.log is None:
            return ""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


def manage(*args: str, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `manage.py <args>` to completion; raises with its output when it fails."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for a child process reaching the database a Django connection uses (socket or TCP)."""
    user, name, host, port = (settings_dict[key] for key in ("USER", "NAME", "HOST", "PORT"))
    if host.startswith("/"):
        return f"postgres://{user}@/{name}?host={host}&port={port}"
    return f"postgres://{user}@{host}:{port}/{name}"
