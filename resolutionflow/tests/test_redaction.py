"""The secret detector: what it hides (and the kind it says), and what must stay verbatim."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolutionflow.redaction import (
    BITLOCKER,
    BY_HAND,
    CODE,
    CONNECTION_STRING,
    KEY,
    MARKER,
    PASSWORD,
    PIN,
    PRIVATE_KEY,
    SAS,
    TOKEN,
    contains_secret,
    hide_span,
    redact,
)

# (text, the secret it holds, the kind reported)
SECRETS = [
    ("Her password had expired so I reset it to Welcome2024!", "Welcome2024!", PASSWORD),
    ("reset it to Welcome2024! and she could sign in", "Welcome2024!", PASSWORD),
    ("the admin pw is Adm1n#2023", "Adm1n#2023", PASSWORD),
    ("pw: hunter2", "hunter2", PASSWORD),
    ("set the password to Summer2025", "Summer2025", PASSWORD),
    ("I reset her password to bluebird and she signed in", "bluebird", PASSWORD),
    ("The password is bluebird.", "bluebird", PASSWORD),
    ("new password Spring#99 given to the user", "Spring#99", PASSWORD),
    ('passphrase "correct horse battery staple"', "correct horse battery staple", PASSWORD),
    ("LAPS password for OP3-PC was 7kQ!pz92Lm", "7kQ!pz92Lm", PASSWORD),
    ("ms-Mcs-AdmPwd: 9vX2-kq7Lp", "9vX2-kq7Lp", PASSWORD),
    ("the wifi password: blueocean77", "blueocean77", PASSWORD),
    ("Wi-Fi PSK is Harbour-Guest-2024", "Harbour-Guest-2024", KEY),
    ("WPA2 key: Tr4v3ll3r$", "Tr4v3ll3r$", KEY),
    ("Server=sql01;Database=Sage;User Id=sa;Password=S3cr3t!;", "S3cr3t!", CONNECTION_STRING),
    ("Data Source=SRV;User ID=app;Pwd=Pl4in text pass;Encrypt=yes", "Pl4in text pass", CONNECTION_STRING),
    (r"net use Z: \\HD-FS01\Scans P@ssw0rd /user:HD\scanner", "P@ssw0rd", PASSWORD),
    (r"net use Z: \\HD-FS01\Scans /user:HD\scanner Scan2024x /persistent:yes", "Scan2024x", PASSWORD),
    ("$pw = ConvertTo-SecureString 'Tr0ub4dor&3' -AsPlainText -Force", "Tr0ub4dor&3", PASSWORD),
    ('ConvertTo-SecureString -String "Blue$ky9" -AsPlainText -Force', "Blue$ky9", PASSWORD),
    (
        "https://acct.blob.core.windows.net/c?sv=2021-08-06&ss=b&sig=abcDEF123%2Bxyz%3D",
        "abcDEF123%2Bxyz%3D",
        SAS,
    ),
    (
        "BitLocker recovery key: 123456-234567-345678-456789-567890-678901-789012-890123",
        "123456-234567-345678-456789-567890-678901-789012-890123",
        BITLOCKER,
    ),
    ("412192-036740-528231-671099-418748-085470-313665-092653", "412192-036740", BITLOCKER),
    ("backup codes: 1234 5678, 8765 4321", "8765 4321", CODE),
    ("one-time code 482913", "482913", CODE),
    ("the MFA code was 551 204", "551 204", CODE),
    ("PIN is 4821", "4821", PIN),
    ("the voicemail PIN 2580", "2580", PIN),
    ("key: AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", KEY),
    ("found AKIAIOSFODNN7EXAMPLE in the script", "AKIAIOSFODNN7EXAMPLE", KEY),
    ("token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB", "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB", TOKEN),
    ("slack said xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012", TOKEN),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc in config", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", KEY),
    (
        "header had eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJhbGciOiJIUzI1NiJ9",
        TOKEN,
    ),
    ("connect to ftp://admin:Pa55word@10.0.0.5/", "Pa55word", PASSWORD),
    ("client secret = 8Q~abcDEFghiJKLmnoPQRstuVWXyz0123456789", "8Q~abcDEF", TOKEN),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAK", PRIVATE_KEY),
]

# Not secrets: each stays exactly as written.
VERBATIM = [
    "password expired",
    "password policy: 90 days",
    "set the service to delayed start",
    "Password expired while she was on holiday, can't sign in remotely",
    "Outlook keeps asking for my password every few minutes",
    "BitLocker recovery key ID {4A3B2C1D-1234-5678-9ABC-DEF012345678}",
    "BitLocker key ID is 4A3B2C1D-1234-5678-9ABC-DEF012345678",
    "asked for the recovery key, the key ID starts 4A3B2C1D",
    "GUID 4a3b2c1d-1234-5678-9abc-def012345678 in the event",
    "SID S-1-5-21-3623811015-3361044348-30300820-1013",
    "SHA256 hash E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 in the log",
    "file hash e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cert thumbprint: 3B1EFD3A66EA28B16697394703A72CA340A05BD5",
    "Thumbprint=AC3B1EFD3A66EA28B16697394703A72CA340A05B ok",
    "installed KB5034441",
    "error 0x80070005 on update",
    "AADSTS50126 invalid username or password",
    "Sage H202 error",
    "550 5.7.1 relay denied",
    "event ID 4625 failed logon",
    "build 10.0.22631.3007 22H2",
    "port 3389 open on 10.0.0.5:3389",
    r"C:\Windows\System32\drivers",
    r"%APPDATA%\Microsoft\Outlook",
    r"HKLM\SOFTWARE\Policies\Microsoft",
    r"the registry key HKLM\SOFTWARE\Sage is missing",
    "Yealink T54W",
    "Sage 200",
    "password is correct now",
    "the password was reset by the helpdesk",
    "password prompt keeps appearing",
    "password must be at least 12 characters",
    "password length is 14",
    "reset the user's password and tested sign-in",
    "changed the password, user signed in fine",
    "Password Writeback is enabled in Entra Connect",
    "pin the app to the taskbar",
    "security key not detected",
    "set the DNS to 10.0.0.5",
    "the key is in the drawer",
    "token expired after 60 minutes",
    "the MFA code never arrived",
    "the product key was already activated",
    "password was changed to meet the policy",
    "forced the password to expire",
    "set the password to never expire",
    "reset the BIOS to v1.2.3",
    "reset the sync to OneDrive defaults",
    "Where is the user hitting the password problem?",
    'Windows says the new password "does not meet the password policy requirements"',
    r"mapped with net use, then net use <drive>: /delete and remap",
    "retrieve the LAPS password (Get-LapsADPassword -Identity PC1 -AsPlainText)",
    "the Pre-shared key (WPA2/WPA3-Personal) was fine",
    "Something is still using the previous password: phone mail profile, saved Wi-Fi profile",
    "$cred = Get-Credential; the password is prompted",
    "user bob@contoso.com, password reset done",
    "the office's public IP 81.2.69.160 is on a blocklist",
    "MD5 d41d8cd98f00b204e9800998ecf8427e and SHA1 da39a3ee5e6b4b0d3255bfef95601890afd80709 match",
]


@pytest.mark.parametrize(("text", "secret", "kind"), SECRETS, ids=[s[0][:40] for s in SECRETS])
def test_a_secret_becomes_the_marker_and_its_kind_is_told(text, secret, kind):
    result = redact(text)
    assert secret not in result.text
    assert MARKER in result.text
    assert kind in result.kinds


@pytest.mark.parametrize("text", VERBATIM)
def test_what_is_not_a_secret_stays_verbatim(text):
    result = redact(text)
    assert result.text == text
    assert result.kinds == ()


def test_the_words_around_a_secret_are_kept():
    assert redact("Her password had expired so I reset it to Welcome2024! and she signed in").text == (
        f"Her password had expired so I reset it to {MARKER} and she signed in"
    )
    assert redact("Server=sql01;User Id=sa;Password=S3cr3t!;Encrypt=True").text == (
        f"Server=sql01;User Id=sa;Password={MARKER};Encrypt=True"
    )


def test_every_occurrence_of_a_library_token_is_hidden():
    text = "key AKIAIOSFODNN7EXAMPLE was in two places: AKIAIOSFODNN7EXAMPLE"
    assert "AKIA" not in redact(text).text


def test_a_private_key_is_hidden_whole():
    text = "pasted:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\nthen"
    assert redact(text).text == f"pasted:\n{MARKER}\nthen"


def test_the_starter_flows_hold_no_secret():
    """2,500 strings of real procedure prose, and each flow as JSON: none is taken for a secret."""

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    folder = Path(__file__).resolve().parents[2] / "knowledge" / "starter_flows"
    flows = [json.loads(path.read_text()) for path in folder.glob("*.json")]
    texts = [text for flow in flows for text in strings(flow)] + [json.dumps(flow) for flow in flows]
    assert len(texts) > 1000
    assert [text for text in texts if contains_secret(text)] == []


def test_hiding_a_span_by_hand_hides_every_occurrence():
    result = hide_span("the code word is bluefish; bluefish again", "bluefish")
    assert result.text == f"the code word is {MARKER}; {MARKER} again"
    assert result.kinds == (BY_HAND,)
    assert hide_span("nothing here", "absent").kinds == ()
    assert hide_span("text", "   ").text == "text"


@given(st.text(max_size=300))
def test_redacting_is_idempotent_and_never_fails(text):
    once = redact(text).text
    assert redact(once).text == once


@given(st.sampled_from([s[0] for s in SECRETS]), st.sampled_from(VERBATIM))
def test_a_secret_next_to_a_look_alike_hides_only_the_secret(secret_text, verbatim_text):
    result = redact(f"{verbatim_text}\n{secret_text}")
    assert result.text.startswith(verbatim_text + "\n")
    assert MARKER in result.text


def test_the_detector_touches_no_global_settings_and_is_safe_across_threads():
    """detect-secrets' settings are a process-wide singleton: the detector never reads or changes them."""
    from concurrent.futures import ThreadPoolExecutor

    from detect_secrets.settings import get_settings

    before = get_settings().json()
    texts = [s[0] for s in SECRETS] + VERBATIM
    expected = [redact(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(redact, texts * 20))
    assert results == expected * 20
    assert get_settings().json() == before
