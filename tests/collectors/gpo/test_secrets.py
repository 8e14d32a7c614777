"""Finding stored credentials in SYSVOL files: each kind of GPP password and script credential by line, the
secret never in what is returned, lines that only look alike left alone, and XML that declares entities refused."""

from __future__ import annotations

import pytest

from holyaudit.collectors.gpo.secrets import UnreadableFile, credentials_in, kind_of

SECRET = "Hunter2-Secret!"
WINLOGON = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"


def found(name: str, data: bytes) -> list[str]:
    result = [str(item) for item in credentials_in(name, data)]
    assert not any(SECRET in line for line in result)
    return result


def test_a_gpp_cpassword_is_found_by_line_with_its_item_and_an_empty_one_is_not():
    groups = (
        '<?xml version="1.0" encoding="utf-8"?>\r\n<Groups clsid="{3125E937-EB16-4b4c-9934-544FC6D24D26}">\r\n'
        '<User name="LocalAdmin"><Properties action="U" cpassword="j1Uyj3Vx8TY9LtLZil2uAuZk" userName="LocalAdmin"/>'
        '</User>\r\n<User name="Spare"><Properties action="U" cpassword="" userName="Spare"/></User></Groups>'
    )
    assert found("Groups.xml", groups.encode()) == ["line 3: <Properties> has a cpassword (item 'LocalAdmin')"]


@pytest.mark.parametrize(
    "name", ["Services.xml", "ScheduledTasks.xml", "DataSources.xml", "Drives.xml", "Printers.xml"]
)
def test_every_gpp_file_kind_is_searched(name):
    xml = f'<Root>\n<Item name="x">\n<Properties cpassword="{SECRET}"/></Item></Root>'
    assert found(name, xml.encode()) == ["line 3: <Properties> has a cpassword (item 'x')"]


def test_registry_xml_setting_winlogon_default_password_is_found_and_deleting_it_is_not():
    xml = (
        f'<RegistrySettings>\n<Registry name="Kiosk"><Properties action="U" hive="HKEY_LOCAL_MACHINE" key="{WINLOGON}" '
        f'name="DefaultPassword" type="REG_SZ" value="{SECRET}"/></Registry>\n'
        f'<Registry name="Tidy"><Properties action="D" hive="HKEY_LOCAL_MACHINE" key="{WINLOGON}" '
        'name="DefaultPassword" type="REG_SZ" value=""/></Registry></RegistrySettings>'
    )
    assert found("Registry.xml", xml.encode()) == ["line 2: sets Winlogon DefaultPassword (automatic logon password)"]


def test_xml_declaring_a_document_type_is_refused_so_no_entity_is_ever_expanded():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>'
    with pytest.raises(UnreadableFile, match="declares a document type"):
        credentials_in("Groups.xml", bomb)


def test_a_broken_xml_file_is_still_searched_line_by_line():
    assert found("Drives.xml", f'<Drives>\n<Drive name="H:"><Properties cpassword="{SECRET}"'.encode()) == [
        "line 2: cpassword in a file that is not well-formed XML"
    ]
    with pytest.raises(UnreadableFile, match="not well-formed XML"):
        credentials_in("Drives.xml", b"<Drives><Drive")


SCRIPT = f"""@echo off
net use H: \\\\srv\\home /user:HOLYWELL\\admin {SECRET} /persistent:no
net use S: \\\\srv\\share * /user:HOLYWELL\\admin
net use T: \\\\srv\\share {SECRET} /user:HOLYWELL\\admin
net use U: \\\\srv\\share
net user kiosk {SECRET} /add
net user jdoe /domain
set ADMIN_PASSWORD={SECRET}
cmdkey /add:srv /user:x /pass:{SECRET}
reg add "HKLM\\{WINLOGON}" /v DefaultPassword /t REG_SZ /d {SECRET} /f
psexec \\\\pc -u admin -p {SECRET} cmd
"""


def test_batch_credentials_are_found_and_prompts_or_plain_mappings_are_not():
    assert found("logon.bat", SCRIPT.encode()) == [
        "line 2: net use with a password after /user:",
        "line 4: net use with a password before /user:",
        "line 6: net user setting a password",
        "line 8: set of a password variable",
        "line 9: cmdkey /pass: with a value",
        "line 10: reg add of Winlogon DefaultPassword",
        "line 11: psexec -p with a value",
    ]


def test_powershell_literals_are_found_and_variables_are_not():
    script = f"""$secure = ConvertTo-SecureString "{SECRET}" -AsPlainText -Force
$fromVault = ConvertTo-SecureString $env:VAULT -AsPlainText -Force
New-LocalUser -Name kiosk -Password $secure
$password = "{SECRET}"
Connect-Share -Password '{SECRET}'
Connect-Share -Password $password
"""
    assert found("startup.ps1", script.encode("utf-8-sig")) == [
        "line 1: ConvertTo-SecureString of a literal",
        "line 4: a password assigned a literal",
        "line 5: -Password with a literal value",
    ]


def test_scripts_ini_in_utf16_passing_a_password_as_a_parameter_is_found():
    ini = f"\r\n[Logon]\r\n0CmdLine=map.cmd\r\n0Parameters=/user:HOLYWELL\\admin {SECRET}\r\n".encode("utf-16")
    assert found("scripts.ini", ini) == ["line 4: script parameters holding a password"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Groups.xml", "Group Policy Preferences"),
        ("logon.BAT", "script"),
        ("startup.ps1", "script"),
        ("scripts.ini", "script parameters"),
        ("psscripts.ini", "script parameters"),
        ("GptTmpl.inf", None),
        ("Registry.pol", None),
    ],
)
def test_only_files_that_could_store_a_credential_are_searched(name, kind):
    assert kind_of(name) == kind
