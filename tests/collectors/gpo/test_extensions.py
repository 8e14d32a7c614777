"""Which files clients apply (the extension lists) and when SYSVOL lags the directory (GPT.INI vs versionNumber)."""

from __future__ import annotations

from holyaudit.collectors.gpo.effective import GpoFile
from holyaudit.collectors.gpo.extensions import (
    REGISTRY_CSE,
    SECURITY_CSE,
    client_extensions,
    gpt_ini_version,
    not_applied,
    version_warning,
)

REGISTRY_TOOL = "{D02B1F72-3407-48AE-BA88-E8213C6761F1}"
SECURITY_TOOL = "{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}"
GPMC_MACHINE = f"[{REGISTRY_CSE}{REGISTRY_TOOL}][{SECURITY_CSE}{SECURITY_TOOL}]"
ALL_FILES = set(GpoFile)


def test_only_the_first_guid_of_each_group_is_an_extension_and_case_does_not_matter():
    assert client_extensions(GPMC_MACHINE.lower()) == {REGISTRY_CSE, SECURITY_CSE}
    assert client_extensions(f"[{REGISTRY_TOOL}{REGISTRY_CSE}]") == {REGISTRY_TOOL}  # listed only as a tool
    assert client_extensions(None) == client_extensions("") == client_extensions("[]") == frozenset()


def test_files_whose_extension_is_listed_are_applied():
    assert not_applied(ALL_FILES, GPMC_MACHINE, f"[{REGISTRY_CSE}{REGISTRY_TOOL}]") == {}


def test_each_file_without_its_extension_is_not_applied_with_the_reason():
    look_alike = "{35378EAC-683F-11D2-A89A-00C04FBBCFA3}"  # one digit off the Registry extension
    assert not_applied(ALL_FILES, f"[{SECURITY_CSE}{SECURITY_TOOL}]", f"[{look_alike}{REGISTRY_TOOL}]") == {
        GpoFile.MACHINE_POL: (
            "Machine\\Registry.pol is not applied by clients: the Registry extension "
            f"{REGISTRY_CSE} is not listed in gPCMachineExtensionNames"
        ),
        GpoFile.USER_POL: (
            "User\\Registry.pol is not applied by clients: the Registry extension "
            f"{REGISTRY_CSE} is not listed in gPCUserExtensionNames"
        ),
    }
    # The user list does not count for the computer half, nor the computer list for the user half.
    assert set(not_applied(ALL_FILES, f"[{REGISTRY_CSE}{REGISTRY_TOOL}]", f"[{SECURITY_CSE}]")) == {
        GpoFile.TEMPLATE,
        GpoFile.USER_POL,
    }


def test_a_missing_file_is_never_reported():
    assert not_applied(set(), None, None) == {}
    assert not_applied({GpoFile.USER_POL}, None, f"[{REGISTRY_CSE}]") == {}


def test_gpt_ini_version_is_read_and_an_unreadable_one_is_none():
    assert gpt_ini_version(b"[General]\r\nVersion=65537\r\ndisplayName=New Group Policy Object\r\n") == 65537
    assert gpt_ini_version(b"[General]\r\nVersion=seven\r\n") is None
    assert gpt_ini_version(b"[General]\r\n") is None
    assert gpt_ini_version(b"Version=1\r\n") is None  # not under [General]: the file is malformed


def test_versions_that_disagree_give_a_warning_naming_both():
    assert version_warning("Base", 65537, 65537) is None
    assert version_warning("Base", 65538, 65537) == (
        "GPO 'Base': versionNumber in the directory is 65538 but GPT.INI's Version is 65537: SYSVOL may not "
        "have replicated, so clients may apply other settings"
    )
    assert version_warning("Base", None, None) == (
        "GPO 'Base': versionNumber in the directory is unreadable but GPT.INI's Version is unreadable: SYSVOL may "
        "not have replicated, so clients may apply other settings"
    )
