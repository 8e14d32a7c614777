"""GptTmpl.inf: the same template read from Windows' UTF-16LE and Samba's UTF-8, with errors that name the line."""

from __future__ import annotations

import codecs

import pytest

from holyaudit.collectors.gpo.gpttmpl import GptTmpl, GptTmplError, RegistryValueSetting, decode

SYSTEM = "MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
WINREG = "MACHINE\\System\\CurrentControlSet\\Control\\SecurePipeServers\\Winreg\\AllowedExactPaths\\Machine"

TEMPLATE_LINES = [
    "[Unicode]",
    "Unicode=yes",
    "[System Access]",
    "MinimumPasswordAge = 1",
    "MaximumPasswordAge = -1",
    "MinimumPasswordLength = 6",
    "PasswordComplexity = 1",
    "ForceLogoffWhenHourExpire = 1",
    "; a comment, then a blank line",
    "",
    "[Registry Values]",
    f"{SYSTEM}\\InactivityTimeoutSecs=4,600",
    f'{SYSTEM}\\LegalNoticeCaption=1,"Holywell, acceptable use"',
    f"{WINREG}=7,System\\CurrentControlSet\\Control\\ProductOptions,Software\\Microsoft\\Windows NT\\CurrentVersion",
    "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash=4,1",
    "[Registry Keys]",
    '"MACHINE\\SOFTWARE\\Holywell",0,"D:PAR(A;CI;KA;;;BA)"',
    "[Version]",
    'signature="$CHICAGO$"',
    "Revision=1",
]


def windows_bytes(lines: list[str]) -> bytes:
    """As Windows writes it: UTF-16LE with a byte order mark and CRLF line ends."""
    return codecs.BOM_UTF16_LE + "\r\n".join(lines).encode("utf-16-le")


def samba_bytes(lines: list[str]) -> bytes:
    """As Samba's tools write it: UTF-8 (here plain ASCII) with LF line ends."""
    return "\n".join(lines).encode("utf-8")


ENCODINGS = {
    "windows utf-16le with bom": windows_bytes,
    "samba utf-8": samba_bytes,
    "utf-16le without bom": lambda lines: "\r\n".join(lines).encode("utf-16-le"),
    "utf-8 with bom": lambda lines: codecs.BOM_UTF8 + "\n".join(lines).encode("utf-8"),
}


@pytest.fixture(params=list(ENCODINGS), ids=list(ENCODINGS))
def template(request: pytest.FixtureRequest) -> GptTmpl:
    return decode(ENCODINGS[request.param](TEMPLATE_LINES))


def test_sections_and_raw_values_in_every_encoding(template: GptTmpl) -> None:
    assert list(template) == ["Unicode", "System Access", "Registry Values", "Registry Keys", "Version"]
    assert dict(template["System Access"]) == {
        "MinimumPasswordAge": "1",
        "MaximumPasswordAge": "-1",
        "MinimumPasswordLength": "6",
        "PasswordComplexity": "1",
        "ForceLogoffWhenHourExpire": "1",
    }
    assert dict(template["Version"]) == {"signature": '"$CHICAGO$"', "Revision": "1"}
    assert template["Registry Keys"].bare_lines == [(17, '"MACHINE\\SOFTWARE\\Holywell",0,"D:PAR(A;CI;KA;;;BA)"')]


def test_lookup_ignores_case(template: GptTmpl) -> None:
    assert template["SYSTEM ACCESS"]["minimumpasswordlength"] == "6"
    assert template.value("system access", "MINIMUMPASSWORDLENGTH") == "6"
    assert template.value("System Access", "LockoutBadCount") is None
    assert template.value("Event Audit", "AuditLogonEvents") is None


def test_typed_system_access_settings(template: GptTmpl) -> None:
    assert (
        template.minimum_password_length,
        template.password_complexity,
        template.maximum_password_age,
        template.force_logoff_when_hour_expire,
    ) == (6, 1, -1, 1)


def test_registry_values_as_type_and_value(template: GptTmpl) -> None:
    assert template.registry_values() == [
        RegistryValueSetting(f"{SYSTEM}\\InactivityTimeoutSecs", 4, 600, 12),
        RegistryValueSetting(f"{SYSTEM}\\LegalNoticeCaption", 1, "Holywell, acceptable use", 13),
        RegistryValueSetting(
            WINREG,
            7,
            ["System\\CurrentControlSet\\Control\\ProductOptions", "Software\\Microsoft\\Windows NT\\CurrentVersion"],
            14,
        ),
        RegistryValueSetting("MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash", 4, 1, 15),
    ]
    assert template.registry_value(f"{SYSTEM.lower()}\\inactivitytimeoutsecs") == RegistryValueSetting(
        f"{SYSTEM}\\InactivityTimeoutSecs", 4, 600, 12
    )
    assert template.registry_value(f"{SYSTEM}\\NotConfigured") is None


def test_a_template_without_the_sections_reports_nothing_configured() -> None:
    template = decode(samba_bytes(["[Unicode]", "Unicode=yes"]))
    assert (template.minimum_password_length, template.registry_values()) == (None, [])
    assert template.registry_value(f"{SYSTEM}\\InactivityTimeoutSecs") is None


def test_a_section_given_twice_continues() -> None:
    template = decode(
        samba_bytes(["[System Access]", "MinimumPasswordLength = 6", "[System Access]", "PasswordComplexity=1"])
    )
    assert dict(template["system access"]) == {"MinimumPasswordLength": "6", "PasswordComplexity": "1"}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["MinimumPasswordLength = 6"], "GptTmpl.inf line 1: 'MinimumPasswordLength = 6' comes before any [Section]"),
        (["[Unicode]", "[System Access"], "GptTmpl.inf line 2: section header '[System Access' is not '[Name]'"),
        (["[ ]"], "GptTmpl.inf line 1: section header '[ ]' is not '[Name]'"),
        (["[System Access]", "= 6"], "GptTmpl.inf line 2: [System Access] line '= 6' has no key before '='"),
        (
            ["[System Access]", "", "MinimumPasswordLength 6"],
            "GptTmpl.inf line 3: [System Access] line 'MinimumPasswordLength 6' is not 'key = value'",
        ),
        (
            ["[System Access]", "MinimumPasswordLength = 6", "minimumpasswordlength = 8"],
            "GptTmpl.inf line 3: [System Access] minimumpasswordlength is set again (first on line 2)",
        ),
    ],
    ids=["before section", "unclosed header", "empty header", "empty key", "no equals", "duplicate key"],
)
def test_malformed_lines_name_the_line(lines: list[str], message: str) -> None:
    for encode in (windows_bytes, samba_bytes):
        with pytest.raises(GptTmplError) as caught:
            decode(encode(lines))
        assert str(caught.value) == message


def test_values_that_are_not_what_the_setting_needs_name_the_line() -> None:
    template = decode(
        samba_bytes(
            [
                "[System Access]",
                "MinimumPasswordLength = six",
                "[Registry Values]",
                f"{SYSTEM}\\InactivityTimeoutSecs=600",
                f"{SYSTEM}\\DontDisplayLastUserName=4,yes",
            ]
        )
    )
    with pytest.raises(GptTmplError) as caught:
        _ = template.minimum_password_length
    assert str(caught.value) == "GptTmpl.inf line 2: [System Access] MinimumPasswordLength is not an integer: 'six'"
    with pytest.raises(GptTmplError) as caught:
        template.registry_values()
    assert str(caught.value) == (
        f"GptTmpl.inf line 4: [Registry Values] {SYSTEM}\\InactivityTimeoutSecs is not 'type,value': '600'"
    )
    with pytest.raises(GptTmplError) as caught:
        template.registry_value(f"{SYSTEM}\\DontDisplayLastUserName")
    assert str(caught.value) == (
        f"GptTmpl.inf line 5: [Registry Values] {SYSTEM}\\DontDisplayLastUserName REG_DWORD is not an integer: 'yes'"
    )


def test_text_that_is_not_utf8_names_the_line() -> None:
    with pytest.raises(GptTmplError) as caught:
        decode(b"[Unicode]\nUnicode=no\n[System Access]\nMinimumPasswordLength = \xff6\n")
    assert str(caught.value) == "GptTmpl.inf line 4: not valid UTF-8 text"
    assert isinstance(caught.value, ValueError)
