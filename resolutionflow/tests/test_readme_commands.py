"""Every command the README shows works pasted as written, in the checkout `make run` prepared.

The commands are read from the README itself (code blocks and inline code), so a command added there is
tried here too. They run in a plain environment: no DEBUG, no SECRET_KEY, only what a shell has, plus
DATABASE_URL pointing at this test's database (the README's embedded server would be a second cluster).
"""

import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from knowledge.models import Tree
from resolutionflow.models import User

pytestmark = pytest.mark.serial  # real commands: runserver takes the README's fixed port, qcluster its own processes
BASE_DIR = Path(settings.BASE_DIR)
README = BASE_DIR / "README.md"
COMMAND_START = re.compile(r"^(\.venv/bin/python |python )?manage\.py |^make\b|^\.venv/bin/")
# Values for the placeholders the README writes in angle brackets or capitals.
PLACEHOLDERS = {"<account-slug>": "northwind", "N": "3"}
# Commands that serve until stopped: each must come up, then stop cleanly on SIGTERM.
LONG_RUNNING = {"qcluster": b"running", "runserver": b"Quit the server"}


def readme_commands() -> list[str]:
    """Each shell command the README shows, in order, once."""
    text = README.read_text()
    found = []
    for block in re.findall(r"```(?:bash|sh|shell|console)?\n(.*?)```", text, re.S):
        found += [line.split(" #")[0].strip() for line in block.splitlines()]
    found += re.findall(r"`([^`\n]+)`", text)
    return list(dict.fromkeys(c for c in found if COMMAND_START.match(c)))


def as_written(command: str) -> list[str]:
    """The command's argv with optional `[...]` parts left out and placeholders filled in."""
    command = re.sub(r"\s*\[[^\]]*\]", "", command)
    return [PLACEHOLDERS.get(word, word) for word in shlex.split(command)]


def manage_argv(command: str) -> list[str]:
    argv = as_written(command)
    while argv[0] != "manage.py":
        argv.pop(0)
    return [str(BASE_DIR / ".venv/bin/python"), *argv]


def plain_environment() -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}"
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", "DATABASE_URL": url}


def run_in_terminal(argv: list[str], answers: list[tuple[bytes, bytes]], timeout: float = 120) -> tuple[int, bytes]:
    """Run a command on a pseudo-terminal, answering its prompts in order, as a person at a shell would."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the command
        try:
            os.chdir(BASE_DIR)
            os.execve(argv[0], argv, plain_environment())
        finally:
            os._exit(127)
    output, answered, deadline = b"", 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the terminal closed: the command ended
                    break
                if not chunk:
                    break
                output += chunk
            if answered < len(answers) and answers[answered][0] in output.rsplit(b"\n", 1)[-1]:
                os.write(fd, answers[answered][1] + b"\n")
                answered += 1
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


def run_until_up(argv: list[str], ready: bytes, timeout: float = 60) -> tuple[int | None, bytes]:
    """Start a serving command, wait for its ready line, stop it with SIGTERM; returns (exit code, output)."""
    process = subprocess.Popen(
        argv, cwd=BASE_DIR, env=plain_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, deadline = b"", time.monotonic() + timeout
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline and ready not in output and process.poll() is None:
        time.sleep(0.2)
        output += process.stdout.read() or b""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    os.set_blocking(process.stdout.fileno(), True)
    output += process.stdout.read() or b""
    return (process.returncode if ready in output else None), output


@pytest.fixture(scope="module")
def local_checkout():
    """The checkout as `make run` leaves it: its `.env` written by the same make target."""
    subprocess.run(["make", "-s", ".env"], cwd=BASE_DIR, check=True, env={"PATH": os.environ["PATH"]})
    assert "DEBUG=1" in (BASE_DIR / ".env").read_text()


def test_the_readme_shows_the_commands_this_test_tries():
    commands = readme_commands()
    assert any("createsuperuser" in c for c in commands)
    assert any("analyze_pending" in c for c in commands)
    assert any("makemigrations --check" in c for c in commands)
    assert "make run" in commands and "make test" in commands


@pytest.mark.parametrize("command", [c for c in readme_commands() if c.startswith("make")])
def test_each_make_command_in_the_readme_is_a_target(command):
    result = subprocess.run(
        ["make", "-n", *as_written(command)[1:]], cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("command", [c for c in readme_commands() if "manage.py" in c])
def test_each_manage_py_command_in_the_readme_works_as_written(command, local_checkout, northwind, contoso):
    """The demo's two accounts exist, as after `make run`."""
    argv = manage_argv(command)
    name = argv[2]
    if name in LONG_RUNNING:
        code, output = run_until_up(argv, LONG_RUNNING[name])
        assert code is not None, output.decode(errors="replace")[-3000:]
        return
    if name == "createsuperuser":
        password = b"cobalt-harbour-7391"
        answers = [(b"mail address:", b"operator@example.test"), (b"Password:", password), (b"again", password)]
        code, output = run_in_terminal(argv, answers)
        assert code == 0, output.decode(errors="replace")[-3000:]
        assert User.objects.get(email="operator@example.test").is_superuser
        return
    code, output = run_in_terminal(argv, [(b"Type 'yes'", b"yes")])
    assert code == 0, output.decode(errors="replace")[-3000:]
    assert b"ImproperlyConfigured" not in output
    if name == "import_starter_flows":
        assert Tree.objects.filter(account__slug=argv[-1]).count() > 0


def test_a_deployment_without_a_secret_key_still_refuses_to_start(tmp_path):
    """The .env is the local checkout's; with DEBUG off and no key, settings refuse as before."""
    env = {"PATH": os.environ["PATH"], "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "resolutionflow.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
