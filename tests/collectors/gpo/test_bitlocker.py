"""Whether Group Policy enforces OS-drive encryption (MBAM), only configures BitLocker, or says nothing."""

from __future__ import annotations

from holyaudit.collectors.gpo.bitlocker import CONFIGURED, ENFORCED, FVE, NOTHING, bitlocker_policy
from holyaudit.collectors.gpo.effective import GpoContent, GpoFile, effective_settings
from holyaudit.collectors.gpo.links import AppliedGpo
from holyaudit.collectors.gpo.registry_pol import RegistryEntry, RegType

MBAM = f"{FVE}\\MDOPBitLockerManagement"


def applied(precedence: int, name: str) -> AppliedGpo:
    return AppliedGpo(precedence, f"cn={name}", name, "dc=x", 1, False, True, True)


def machine(name: str, *values: tuple[str, str, int]) -> GpoContent:
    return GpoContent(
        name, machine=tuple(RegistryEntry.of(key, value, RegType.DWORD, data) for key, value, data in values)
    )


def policy_of(*gpos: GpoContent) -> tuple[str | None, dict[str, int], str | None]:
    """The OS-drive policy of GPOs given highest precedence first, as the collector works it out."""
    chain = [applied(position, gpo.name) for position, gpo in enumerate(gpos, start=1)]
    contents = {f"cn={gpo.name}": gpo for gpo in gpos}
    mbam = effective_settings(chain, contents)
    found = bitlocker_policy(
        chain,
        contents,
        mbam.values.get("bitlocker_os_drive_required"),
        mbam.unreadable.get("bitlocker_os_drive_required"),
    )
    return found.policy, found.settings, found.unreadable


def test_mbam_requiring_the_os_drive_is_enforcement():
    gpo = machine("mbam", (MBAM, "ShouldEncryptOSDrive", 1), (FVE, "EncryptionMethodWithXtsOs", 7))
    assert policy_of(gpo) == (ENFORCED, {"EncryptionMethodWithXtsOs": 7}, None)


def test_strict_standard_settings_configure_bitlocker_but_do_not_enforce_it():
    strict = machine(
        "strict",
        (FVE, "UseTPM", 1),
        (FVE, "OSRequireActiveDirectoryBackup", 1),
        (FVE, "OSActiveDirectoryBackup", 1),
        (FVE, "OSEncryptionType", 1),
    )
    assert policy_of(strict) == (
        CONFIGURED,
        {"UseTPM": 1, "OSRequireActiveDirectoryBackup": 1, "OSActiveDirectoryBackup": 1, "OSEncryptionType": 1},
        None,
    )


def test_merely_allowed_tpm_use_is_configuration_too():
    assert policy_of(machine("allowed", (FVE, "UseTPM", 2))) == (CONFIGURED, {"UseTPM": 2}, None)


def test_mbam_turned_off_is_configuration_without_enforcement():
    assert policy_of(machine("off", (MBAM, "ShouldEncryptOSDrive", 0))) == (CONFIGURED, {}, None)


def test_a_higher_gpo_deleting_mbams_requirement_leaves_the_standard_settings_only():
    wipe = GpoContent("wipe", machine=(RegistryEntry.of(MBAM, "**del.ShouldEncryptOSDrive", RegType.SZ, " "),))
    base = machine("base", (MBAM, "ShouldEncryptOSDrive", 1), (FVE, "UseTPM", 1))
    assert policy_of(wipe, base) == (CONFIGURED, {"UseTPM": 1}, None)


def test_values_outside_fve_or_for_other_drives_are_no_bitlocker_policy():
    other = machine("other", (FVE, "FDVEncryptionType", 1), ("Software\\Policies\\Other", "UseTPM", 1))
    assert policy_of(other) == (NOTHING, {}, None)


def test_an_unreadable_machine_file_makes_the_policy_unknown_unless_mbam_requires_encryption():
    broken = GpoContent("broken", errors={GpoFile.MACHINE_POL: "Machine\\Registry.pol is corrupt: truncated"})
    assert policy_of(broken) == (None, {}, "GPO 'broken': Machine\\Registry.pol is corrupt: truncated")
    assert policy_of(machine("mbam", (MBAM, "ShouldEncryptOSDrive", 1)), broken)[0] == ENFORCED


def test_mbam_filtered_by_wmi_leaves_the_policy_unknown_whatever_the_standard_settings():
    mbam = GpoContent(
        "mbam",
        machine=(RegistryEntry.of(MBAM, "ShouldEncryptOSDrive", RegType.DWORD, 1),),
        wmi_filter="WMI filter 'Laptops' (root\\CIMv2: SELECT * FROM Win32_Battery)",
    )
    policy, settings, reason = policy_of(mbam, machine("strict", (FVE, "UseTPM", 1)))
    assert (policy, settings) == (None, {"UseTPM": 1})
    assert str(reason).startswith("GPO 'mbam' has WMI filter 'Laptops'")
