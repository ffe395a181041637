"""The production settings (DEBUG off) pass Django's deployment checklist, and trust no proxy header by default."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "0",  # wins over the checkout's git-ignored .env (DEBUG=1)
    "SECRET_KEY": "k8#Vq2!pR7wz@Lm4^Tn9&Xb3*Yc6(Hd1)Jf5_Gs0+Ua8-Ei2=Ow7~Rl4",
    "ALLOWED_HOSTS": "resolutionflow.example.com",
    "DJANGO_SETTINGS_MODULE": "resolutionflow.settings",
}


def run_python(*args, **extra_env):
    # A plain environment: nothing of the test process (its SECRET_KEY, DJANGO_ALLOW_ASYNC_UNSAFE...) leaks in.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(PRODUCTION_ENV, **extra_env)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def production_settings(**extra_env) -> dict:
    names = [
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "API_TOKEN_LIFETIME_HOURS",
        "TRUSTED_PROXY_COUNT",
    ]
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))"
    )
    result = run_python("-c", code, **extra_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_finds_nothing_under_production_settings():
    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_the_safe_ones():
    values = production_settings()

    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["TRUSTED_PROXY_COUNT"] == 0
    assert 0 < values["API_TOKEN_LIFETIME_HOURS"] <= 24 * 30


def test_the_proxy_ssl_header_is_trusted_only_when_configured():
    values = production_settings(TRUST_X_FORWARDED_PROTO="1", SECURE_HSTS_SECONDS="3600")

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 3600


def test_a_forged_forwarded_proto_does_not_make_a_request_secure(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_the_health_check_is_not_redirected_to_https(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
