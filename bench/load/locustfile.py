"""The load's simulated people (run by bench/load/run.py; `make load`). Loopback only.

50 engineers each work sessions one request at a time: start one (linked to a PSA ticket), open its page,
answer three steps, generate a script for it, look at their session list, resolve it; then the next. 5 team
admins read the review queue, a proposal, the dashboard and the session list. Every simulated user waits 2-5 s
between tasks. People sign in through the sign-in page and use the API with their session cookie and CSRF
token, as the site's own pages do.

LOAD_USERS names a JSON file written by the runner: {"password", "engineers": [...], "admins": [...],
"tickets": [...], "template_id", "parameters"}, and with --signed-in "sessions": {e-mail: session key}.
What each engineer was answered is written to LOAD_LEDGER on exit ({session id: {"answered": n,
"resolved": bool}}), so the runner can check the database lost nothing.
"""

import itertools
import json
import os
import random
import re
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

with open(os.environ["LOAD_USERS"]) as users_file:
    PEOPLE = json.load(users_file)
ENGINEERS = itertools.cycle(PEOPLE["engineers"])
ADMINS = itertools.cycle(PEOPLE["admins"])
PROBLEMS = [
    "Outlook keeps asking for the password after the mailbox move",
    "Label printer in the warehouse prints garbage characters",
    "VPN drops every few minutes on the home broadband",
    "Shared drive mapping missing after the laptop was reimaged",
    "Teams calls have one-way audio on the conference room PC",
    "Scanner to e-mail stopped working on the reception copier",
    "New starter cannot sign in to the line-of-business app",
    "Backup job reports the NAS target is unreachable",
]
LEDGER: dict[str, dict] = {}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.test_start.add_listener
def check_loopback(environment, **kwargs):
    if urlsplit(environment.host).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("The load runs against this machine only (127.0.0.1).")


@events.quitting.add_listener
def write_ledger(environment, **kwargs):
    with open(os.environ["LOAD_LEDGER"], "w") as ledger:
        json.dump(LEDGER, ledger)


class Person(HttpUser):
    abstract = True
    wait_time = between(2, 5)

    def sign_in(self, email: str) -> None:
        if email in PEOPLE.get("sessions", {}):  # already signed in (the suite's smoke): the home page sets CSRF
            self.client.cookies.set("sessionid", PEOPLE["sessions"][email])
            self.client.get("/", name="home page")
            return
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {"username": email, "password": PEOPLE["password"], "csrfmiddlewaretoken": token},
            name="sign in",
        )

    def api(self, path: str, body: dict, name: str):
        return self.client.post(
            f"/api/v1/{path}", json=body, name=name, headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        )


class Engineer(Person):
    fixed_count = 50

    def on_start(self):
        self.sign_in(next(ENGINEERS))
        self.session_id = None
        self.plan = []

    @task
    def next_thing(self):
        """One request of the session in hand; a new session once the last is resolved."""
        if not self.plan:
            self.begin_session()
            return
        getattr(self, self.plan.pop(0))()

    def begin_session(self):
        problem = f"{random.choice(PROBLEMS)} (user {random.randint(1, 500)})"
        body = {"intake": problem, "ticket_id": random.choice(PEOPLE["tickets"]), "prefer_capture": True}
        response = self.api("ai-sessions", body, "start session")
        if response.status_code == 201:
            self.session_id = response.json()["id"]
            LEDGER[self.session_id] = {"answered": 0, "resolved": False}
            self.plan = ["session_page", "answer", "answer", "answer", "generate_script", "session_list", "resolve"]

    def session_page(self):
        self.client.get(f"/sessions/{self.session_id}/", name="session page")

    def session_list(self):
        self.client.get("/sessions/", name="session list")

    def answer(self):
        n = LEDGER[self.session_id]["answered"] + 1
        body = {"free_text": f"Checked thing {n}", "result": "Found something" if n == 3 else "Looked fine"}
        response = self.api(f"ai-sessions/{self.session_id}/steps", body, "answer step")
        if response.status_code == 200:
            LEDGER[self.session_id]["answered"] = n

    def generate_script(self):
        body = {
            "template_id": PEOPLE["template_id"],
            "parameters": PEOPLE["parameters"],
            "ai_session_id": self.session_id,
        }
        self.api("scripts/generate", body, "generate script")

    def resolve(self):
        body = {"resolution_summary": "Replaced the faulty part and tested", "worked_minutes": 15}
        response = self.api(f"ai-sessions/{self.session_id}/resolve", body, "resolve")
        if response.status_code == 200:
            LEDGER[self.session_id]["resolved"] = True


class TeamAdmin(Person):
    fixed_count = 5

    def on_start(self):
        self.sign_in(next(ADMINS))

    @task(3)
    def review_queue(self):
        page = self.client.get("/review/", name="review queue")
        proposals = re.findall(r'href="/review/([0-9a-f-]{36})/"', page.text)
        if proposals:
            self.client.get(f"/review/{random.choice(proposals)}/", name="proposal page")

    @task(2)
    def dashboard(self):
        self.client.get("/analytics/", name="dashboard")

    @task(1)
    def session_list(self):
        self.client.get("/sessions/", name="session list")
