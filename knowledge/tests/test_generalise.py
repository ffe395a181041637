"""Client specifics become role words; titles fit; the steps read as instructions."""

import pytest

from knowledge.flywheel.generalise import TITLE_LIMIT, Generaliser, host_role, title
from knowledge.flywheel.wording import imperative, starts_with_verb


@pytest.mark.parametrize(
    ("text", "specific", "role"),
    [
        ("Opened Device Manager on OP3-PC", "OP3-PC", "the PC"),
        ("Restarted the SQL service on SRV-SQL02", "SRV-SQL02", "the SQL server"),
        ("Checked replication on DC01", "DC01", "the domain controller"),
        ("Copied the file to \\\\HD-FS01\\Scans", "\\\\HD-FS01\\Scans", "the scan share on the file server"),
        ("Mapped \\\\HD-FS01\\Accounts", "\\\\HD-FS01\\Accounts", "the shared folder on the file server"),
        ("Reset MFA for bob.smith@harbourdental.co.uk", "bob.smith@harbourdental.co.uk", "the user"),
        ("Added HARBOUR\\jsmith to the group", "HARBOUR\\jsmith", "the user's account"),
        ("Pinged 10.0.0.25 and 192.168.1.20:3389", "10.0.0.25", "the IP address"),
        ("Logged against ticket #204518", "#204518", "the ticket"),
        ("See T20261207.0042", "T20261207.0042", "the ticket"),
        ("Every workstation at Harbour Dental fails", "Harbour Dental", "at the client"),
        ("Sarah's laptop drops Wi-Fi", "Sarah", "The user's laptop"),
        ("Shared mailbox not showing for Anna", "Anna", "for the user"),
        ("Lockouts come from the phone of Priya Shah", "Priya Shah", "of the user"),
        ("Printer at the Leeds office is offline", "Leeds", "at the office"),
        ("Checked the WSUS server PL-WSUS01", "PL-WSUS01", "the update server"),
        ("net use Z: \\\\BA-FS01\\Projects /user:BRIGHTSIDE\\tom", "BRIGHTSIDE", "the user's account"),
    ],
)
def test_a_specific_becomes_its_role_word(text, specific, role):
    general = Generaliser().text(text, "x")
    assert specific not in general
    assert role in general


def test_the_user_segment_of_a_profile_path_goes_and_the_rest_stays():
    general = Generaliser().text(r"Cleared C:\Users\sarah.jones\AppData\Local\Temp and C:\Windows\Temp", "x")
    assert general == r"Cleared C:\Users\<user>\AppData\Local\Temp and C:\Windows\Temp"


def test_names_the_account_knows_become_the_client_or_the_user():
    generaliser = Generaliser(names=["Brightside Vets"], people=["Sam Patel"], terms={"Bay Road": "the branch"})
    general = generaliser.text("Sam rang from Brightside Vets; Brightside Vets's server at Bay Road", "x")
    assert "Sam" not in general and "Brightside" not in general and "Bay Road" not in general
    assert general == "The user rang from the client; the client's server at the branch"


def test_public_products_vendors_and_codes_stay():
    text = (
        "Error 0x80070005 with KB5034441, AADSTS50126, Yealink T54W, SIP-T54W, Sage 200, "
        "Autodesk Revit 2025, Microsoft's portal, 8.8.8.8, 22H2 and event ID 4625"
    )
    assert Generaliser().text(text, "x") == text


def test_every_replacement_is_recorded_once_with_its_field():
    generaliser = Generaliser()
    generaliser.text("OP3-PC and OP3-PC", "title")
    generaliser.text("OP3-PC", "node n1 instructions")
    assert generaliser.record() == [
        {"field": "title", "original": "OP3-PC", "replacement": "the PC"},
        {"field": "node n1 instructions", "original": "OP3-PC", "replacement": "the PC"},
    ]


def test_an_envelope_is_generalised_everywhere_and_host_keywords_are_dropped():
    envelope = {
        "name": "Scans to \\\\HD-FS01\\Scans fail",
        "description": "At Harbour Dental the copier on 10.1.1.9 fails",
        "tree_type": "troubleshooting",
        "problem_domain": "printing",
        "match_keywords": ["SRV-SQL02", "Ricoh", "SMB1"],
        "tree_structure": {
            "id": "n1",
            "type": "action",
            "instructions": "Open \\\\HD-FS01\\Scans on OP3-PC",
            "children": [{"id": "n2", "label": "Works from 10.1.1.9", "type": "solution", "resolution": "Done"}],
        },
    }
    general = Generaliser(names=["Harbour Dental"]).envelope(envelope)
    flat = str(general)
    for specific in ("HD-FS01", "Harbour", "10.1.1.9", "OP3-PC", "SRV-SQL02"):
        assert specific not in flat
    assert general["match_keywords"] == ["Ricoh", "SMB1"]


def test_the_role_of_a_host_comes_from_its_most_specific_part():
    assert host_role("SRV-SQL02") == "the SQL server"
    assert host_role("HD-FS01") == "the file server"
    assert host_role("LT-042") == "the laptop"
    assert host_role("DESKTOP-7GH2K1L") == "the PC"
    assert host_role("ZEUS") == "the computer"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Autodesk Revit 2025 crashes when opening central models from the NAS for the architects at the Leeds "
            "office",
            "Autodesk Revit 2025 crashes when opening central models from the NAS",
        ),
        (
            "Every workstation at Harbour Dental says 'Sage 50 Accounts cannot connect to the company data on the "
            "server'",
            "Every workstation says 'Sage 50 Accounts cannot connect to the company data'",
        ),
        ("Printer at the Leeds office in bay 8 has been offline since this morning", "Printer has been offline"),
        ("Outlook crashes since yesterday. It started after an update", "Outlook crashes"),
    ],
)
def test_a_title_is_general_short_and_cut_at_a_clause(text, expected):
    made = title(text, Generaliser(names=["Harbour Dental"]))
    assert made == expected
    assert len(made) <= TITLE_LIMIT and "…" not in made and "..." not in made


def test_a_title_without_a_clause_boundary_is_cut_at_a_word():
    made = title("Word " * 40)
    assert len(made) <= TITLE_LIMIT and not made.endswith(" ") and "…" not in made


@pytest.mark.parametrize(
    ("recorded", "instruction"),
    [
        ("Checked Device Manager on the PC", "Check Device Manager on the PC"),
        ("Opened the event log", "Open the event log"),
        ("restarted the print spooler", "Restart the print spooler"),
        ("Restarting the print spooler", "Restart the print spooler"),
        ("I cleared the Teams cache", "Clear the Teams cache"),
        ("Ran sfc /scannow", "Run sfc /scannow"),
        ("Disabled SIP ALG and rebooted the phones", "Disable SIP ALG and reboot the phones"),
        ("Verified the DNS records", "Verify the DNS records"),
        ("Cancelled the print jobs", "Cancel the print jobs"),
        ("Issued a new certificate", "Issue a new certificate"),
        ("Device Manager", "Check Device Manager"),
        ("Restart the router", "Restart the router"),
    ],
)
def test_an_engineers_note_becomes_an_instruction(recorded, instruction):
    assert imperative(recorded) == instruction
    assert starts_with_verb(imperative(recorded))


def test_a_persons_name_that_is_also_a_word_is_replaced_only_as_a_name():
    generaliser = Generaliser(people=["Ronald Long"], names=["Apex"])
    general = generaliser.text("Long said the list is too long; apex of the curve at Apex", "x")
    assert general == "The user said the list is too long; apex of the curve at the client"


@pytest.mark.parametrize(
    ("specific", "general"),
    [
        ("Check SIP ALG on the new router HD-GW01", "Check SIP ALG on the new router"),
        ("Restart the firewall FW-01 then test", "Restart the firewall then test"),
        ("Log in to HD-FW01", "Log in to the firewall"),
        ("Sophos UTM drops the VPN", "Sophos UTM drops the VPN"),
    ],
)
def test_a_network_device_named_by_its_kind_keeps_one_role_word(specific, general):
    assert Generaliser(hosts=["HD-GW01"]).text(specific, "node") == general
