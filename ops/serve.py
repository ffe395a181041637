"""`make serve`: ResolutionFlow as it runs in production — gunicorn (ops/gunicorn.conf.py, whitenoise serving
the static files) and the django-q2 worker beside it, DEBUG off, the production settings.

    .venv/bin/python -m ops.serve [--host 127.0.0.1] [--port 8000]

It migrates and collects the static files first, then runs both until Ctrl-C or SIGTERM (which stops both:
gunicorn lets requests in flight finish, the worker its task in hand); if either dies, the other is stopped
and it exits non-zero. Settings come from the environment and .env as always (DEBUG is forced off). Only what
plain HTTP on this machine needs is filled in when missing, and each is printed:
  - SECRET_KEY unset: one is generated once under .data/serve-secret-key;
  - bound to a loopback address: ALLOWED_HOSTS 127.0.0.1 and localhost, no redirect to HTTPS and cookies
    not marked Secure (there is no TLS on loopback);
  - PSA_ENCRYPTION_KEYS unset and `make run` generated one: that key (the demo's PSA connection needs it).
A deployment sets these itself (README: Production serving); its systemd units run gunicorn and the worker
directly (docs/deploy/).
"""

import argparse
import ipaddress
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from ops.processes import PYTHON, ROOT, Service, manage

DATA_DIR = ROOT / ".data"


def _configured(name: str, env: dict) -> bool:
    """Whether `name` is set in the environment or in the checkout's .env (which settings.py also reads)."""
    if env.get(name):
        return True
    dotenv = ROOT / ".env"
    if not dotenv.exists():
        return False
    return any(
        line.split("=", 1)[0].strip() == name and line.split("=", 1)[1].strip()
        for line in dotenv.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_header_name(host: str) -> str:
    """The host as a browser's Host header names it (and ALLOWED_HOSTS must): an IPv6 address in brackets."""
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare


def _generated_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def production_environment(host: str, base: dict | None = None) -> tuple[dict, list[str]]:
    """The environment gunicorn and the worker run with, and a line for each setting filled in locally."""
    env = dict(os.environ if base is None else base)
    env["DEBUG"] = "0"  # wins over the checkout's .env (DEBUG=1 for `make run`)
    env.setdefault("DJANGO_SETTINGS_MODULE", "resolutionflow.settings")
    notes = []
    if not _configured("SECRET_KEY", env):
        env["SECRET_KEY"] = _generated_key(DATA_DIR / "serve-secret-key")
        notes.append("SECRET_KEY is unset: using one generated for this checkout (.data/serve-secret-key).")
    if _is_loopback(host):
        names = ",".join(dict.fromkeys(["127.0.0.1", "localhost", _host_header_name(host)]))
        local = {"ALLOWED_HOSTS": names, "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0"}
        filled = [name for name in local if not _configured(name, env)]
        for name in filled:
            env[name] = local[name]
        if filled:
            notes.append(
                f"Plain HTTP on loopback ({host}): " + ", ".join(f"{name}={local[name]}" for name in filled) + "."
            )
    demo_key = DATA_DIR / "dev-psa-encryption-key"
    if not _configured("PSA_ENCRYPTION_KEYS", env) and demo_key.exists():
        env["PSA_ENCRYPTION_KEYS"] = demo_key.read_text().strip()
        notes.append("PSA_ENCRYPTION_KEYS is unset: using the key `make run` generated (.data/).")
    return env, notes


def services(env: dict, host: str, port: int, log_dir: Path | None = None) -> list[Service]:
    """gunicorn and the worker, as `make serve` runs them (logs to `log_dir` when given, else to the terminal)."""
    web = Service(
        "web",
        [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "ops" / "gunicorn.conf.py")],
        {**env, "BIND": f"{host}:{port}"},
        None if log_dir is None else log_dir / "web.log",
    )
    worker = Service(
        "worker", [PYTHON, "manage.py", "qcluster"], env, None if log_dir is None else log_dir / "worker.log"
    )
    return [web, worker]


def prepare(env: dict) -> None:
    """Migrate and collect the static files (whitenoise serves the collected, hashed and compressed copies)."""
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", "-v", "0", env=env)


def run(running: list[Service]) -> int:
    """Wait until a signal or one process ends; stop the rest. 0 after a signal, 1 if a process died."""
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))
    try:
        while not stopping:
            dead = [service for service in running if not service.running()]
            if dead:
                print(f"{dead[0].name} exited ({dead[0].process.returncode}); stopping the others.", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        for service in running:
            service.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Serve ResolutionFlow as in production: gunicorn and the worker.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)
    env, notes = production_environment(args.host)
    for note in notes:
        print(note)
    prepare(env)
    running = [service.start() for service in services(env, args.host, args.port)]
    print(
        f"ResolutionFlow (DEBUG off) at http://{args.host}:{args.port}/ — gunicorn pid {running[0].pid}, "
        f"worker pid {running[1].pid}. Ctrl-C stops both."
    )
    return run(running)


if __name__ == "__main__":
    raise SystemExit(main())
