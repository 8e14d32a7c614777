"""The school's Group Policy, seeded into the test DC after the directory (seed.py), and what it should resolve to.

GPOs are made and linked with samba-tool (``gpo create``, ``gpo setlink``, ``gpo setinheritance``), as an
administrator would, over LDAP to the running DC; their files are written into SYSVOL over SMB as the domain
Administrator, and GPT.INI's Version and the container's versionNumber are bumped as an editor would. Then
``samba-tool ntacl sysvolreset`` (about 3 s) gives every SYSVOL file its proper ACL: the DC is a copy of a
provisioned template, and the ACLs Samba keeps by inode in its eadb do not survive the copy, so without it an
ordinary account may not read even the default GPOs.

The layout (``samba-tool gpo setlink`` adds each new link at the lowest precedence of its container):

- the domain: Default Domain Policy (provisioning), then Holywell Baseline
- OU=Holywell: Device Lock, enforced, so it reaches the OUs below that block inheritance and beats Desktop Idle
- OU=Pupils: Pupil Relaxed, and a disabled link to Old Kiosk
- OU=Supply,OU=Staff: blocks inheritance, nothing linked: no screensaver policy reaches the supply teachers
- OU=Laptops: Laptop BitLocker (MBAM's ShouldEncryptOSDrive, which requires encryption); OU=Loan below it blocks
  inheritance, so loan laptops do not get it: they get Loan BitLocker Settings, the standard FVE settings only
  (XTS-AES 256, full encryption, TPM required, recovery information in AD DS before BitLocker is turned on), which
  configure BitLocker but turn nothing on
- OU=Desktops: Desktop Idle (300 s), overridden by the enforced Device Lock (900 s)

Deletion and soft markers, applied as Windows does (lowest precedence first, [MS-GPREG] 2.2.1.2):

- the domain: Legacy Cleanup, linked last (lowest precedence), deletes the screensaver timeout with ``**del.`` and
  ``**DeleteValues``; Holywell Baseline, above it, sets 600 s again, so every OU below still gets 600 s
- OU=Staff: Staff Screen Wipe deletes the whole screensaver key with ``**DeleteKeys`` (a full path, as GPMC writes
  it): Baseline's values are gone, so the staff OU has no locking screensaver (a PASS before deletions were applied)
- OU=Pupils: Pupil Soft, above Pupil Relaxed, sets 300 s only ``**soft.``: Pupil Relaxed's 1800 s stays
- OU=Supply,OU=Staff: Supply Lock clears the key (``**delvals.``), then sets the screensaver, ScreenSaverIsSecure
  only ``**soft.`` (nothing set it below), and ``**SecureKey``s the key

Client-side extensions and versions: every GPO with files lists their extensions, as GPMC does, except Pupil
Lock Draft (OU=Pupils, above the others there), whose user Registry.pol sets a compliant screensaver that no
client applies because gPCUserExtensionNames does not list the Registry extension. Supply Lock's GPT.INI is one
version behind its versionNumber (SYSVOL not replicated).

WMI filters ('Tablets', 'No TPM', added under CN=SOM,CN=WMIPolicy,CN=System as GPMC stores them): Kiosk Tablets,
at OU=Generic, sets ScreenSaverIsSecure 0 over Baseline's 1 only where its filter is true, so the generic
accounts' value is unknown; Loan No-TPM Pilot sets EnableBDEWithNoTPM, which leaves the loan laptops' BitLocker
"configured" whichever way its filter goes.
"""

from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import ldap3
import smbclient
from estate import DESKTOPS_OU, GENERIC_OU, HOLYWELL, LAPTOPS_OU, LOAN_OU, PUPILS_OU, STAFF_OU, SUPPLY_OU
from samba_dc import SambaDC, samba_program

from holyaudit.collectors.gpo import registry_pol
from holyaudit.collectors.gpo.registry_pol import RegistryEntry, RegType
from holyaudit.collectors.gpo.tokens import sid_text

SCREENSAVER = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
SYSTEM = "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
FVE = "Software\\Policies\\Microsoft\\FVE"
TEMPLATE = "Machine\\Microsoft\\Windows NT\\SecEdit\\GptTmpl.inf"


@dataclass(frozen=True)
class GpoSpec:
    name: str
    template: str | None = None
    """GptTmpl.inf's sections, written in ASCII as Samba's tools do."""
    machine: tuple[RegistryEntry, ...] = ()
    user: tuple[RegistryEntry, ...] = ()
    extensions: bool = True
    """List the Security and Registry extensions of the files written, as GPMC does (False: lists none)."""
    sysvol_behind: bool = False
    """GPT.INI one version behind the directory's versionNumber, as while SYSVOL has not replicated."""
    wmi_filter: str | None = None
    """The name of the WMI filter (WMI_FILTERS) the GPO is linked to."""


@dataclass(frozen=True)
class Link:
    container: str
    """Relative to the domain's DN; "" is the domain itself."""
    gpo: str
    disabled: bool = False
    enforced: bool = False


def _sz(key: str, name: str, value: str) -> RegistryEntry:
    return RegistryEntry.of(key, name, RegType.SZ, value)


def _dword(key: str, name: str, value: int) -> RegistryEntry:
    return RegistryEntry.of(key, name, RegType.DWORD, value)


BASELINE, DEVICE_LOCK, PUPIL_RELAXED = "Holywell Baseline", "Device Lock", "Pupil Relaxed"
OLD_KIOSK, LAPTOP_BITLOCKER, DESKTOP_IDLE = "Old Kiosk", "Laptop BitLocker", "Desktop Idle"
DEFAULT_DOMAIN, DEFAULT_DCS = "Default Domain Policy", "Default Domain Controllers Policy"
LEGACY_CLEANUP, STAFF_WIPE, PUPIL_SOFT, SUPPLY_LOCK = "Legacy Cleanup", "Staff Screen Wipe", "Pupil Soft", "Supply Lock"
PUPIL_DRAFT, LOAN_SETTINGS = "Pupil Lock Draft", "Loan BitLocker Settings"
KIOSK_TABLETS, LOAN_PILOT = "Kiosk Tablets", "Loan No-TPM Pilot"
SUPPLY_IDLE, DESKTOP_LOOPBACK, LOAN_LOOPBACK = "Supply Idle", "Desktop Loopback", "Loan Loopback"
LOOPBACK = "Software\\Policies\\Microsoft\\Windows\\System"
APPLY_GROUP_POLICY = "edacfd8f-ffb3-11d1-b41d-00a0c968f939"
TABLETS_FILTER, TABLETS_QUERY = "Tablets", "SELECT * FROM Win32_SystemEnclosure WHERE ChassisTypes = 30"
NO_TPM_FILTER, NO_TPM_QUERY = "No TPM", "SELECT * FROM Win32_Tpm WHERE IsEnabled_InitialValue = FALSE"
WMI_FILTERS = {
    TABLETS_FILTER: ("{8C2F6C84-6F0B-4D4B-9C8E-6A0F5B1E2A01}", TABLETS_QUERY),
    NO_TPM_FILTER: ("{8C2F6C84-6F0B-4D4B-9C8E-6A0F5B1E2A02}", NO_TPM_QUERY),
}
"""WMI filters (msWMI-Som objects under CN=SOM,CN=WMIPolicy,CN=System) by name: GUID and WQL query."""
REGISTRY_CSE, REGISTRY_TOOL = "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}", "{D02B1F72-3407-48AE-BA88-E8213C6761F1}"
SECURITY_CSE, SECURITY_TOOL = "{827D319E-6EAC-11D2-A4EA-00C04F79F83A}", "{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}"
CONTROL_PANEL = SCREENSAVER.rsplit("\\", 1)[0]

GPOS = (
    GpoSpec(
        BASELINE,
        template=(
            '[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature="$CHICAGO$"\r\nRevision=1\r\n'
            "[System Access]\r\nMinimumPasswordLength = 6\r\nPasswordComplexity = 1\r\n"
            "ForceLogoffWhenHourExpire = 1\r\n"
            # Against Samba's provisioned domain object (42.9 days, 1 day, 24, 0, 30 min, 30 min, no cleartext):
            # the ages, lockout duration and ClearTextPassword agree; history, threshold and window differ.
            "MaximumPasswordAge = 42\r\nMinimumPasswordAge = 1\r\nPasswordHistorySize = 12\r\n"
            "LockoutBadCount = 10\r\nLockoutDuration = 30\r\nResetLockoutCount = 15\r\nClearTextPassword = 0\r\n"
        ),
        user=(
            _sz(SCREENSAVER, "ScreenSaveActive", "1"),
            _sz(SCREENSAVER, "ScreenSaverIsSecure", "1"),
            _sz(SCREENSAVER, "ScreenSaveTimeOut", "600"),
        ),
    ),
    GpoSpec(
        DEVICE_LOCK,
        template=f"[Unicode]\r\nUnicode=yes\r\n[Registry Values]\r\nMACHINE\\{SYSTEM}\\InactivityTimeoutSecs=4,900\r\n",
    ),
    GpoSpec(PUPIL_RELAXED, user=(_sz(SCREENSAVER, "ScreenSaveTimeOut", "1800"),)),
    GpoSpec(OLD_KIOSK, user=(_sz(SCREENSAVER, "ScreenSaveActive", "0"),)),
    GpoSpec(
        LAPTOP_BITLOCKER,
        machine=(
            _dword(FVE, "EncryptionMethodWithXtsOs", 7),
            _dword(FVE, "OSRecovery", 1),
            _dword(f"{FVE}\\MDOPBitLockerManagement", "ShouldEncryptOSDrive", 1),
        ),
    ),
    GpoSpec(
        LOAN_SETTINGS,
        machine=(
            _dword(FVE, "EncryptionMethodWithXtsOs", 7),
            _dword(FVE, "OSEncryptionType", 1),
            _dword(FVE, "UseAdvancedStartup", 1),
            _dword(FVE, "UseTPM", 1),
            _dword(FVE, "OSRecovery", 1),
            _dword(FVE, "OSActiveDirectoryBackup", 1),
            _dword(FVE, "OSRequireActiveDirectoryBackup", 1),
        ),
    ),
    GpoSpec(KIOSK_TABLETS, user=(_sz(SCREENSAVER, "ScreenSaverIsSecure", "0"),), wmi_filter=TABLETS_FILTER),
    GpoSpec(LOAN_PILOT, machine=(_dword(FVE, "EnableBDEWithNoTPM", 1),), wmi_filter=NO_TPM_FILTER),
    GpoSpec(DESKTOP_IDLE, machine=(_dword(SYSTEM, "InactivityTimeoutSecs", 300),)),
    GpoSpec(
        LEGACY_CLEANUP,
        user=(
            _sz(SCREENSAVER, "**del.ScreenSaveTimeOut", " "),
            _sz(SCREENSAVER, "**DeleteValues", "ScreenSaveActive;"),
        ),
    ),
    GpoSpec(STAFF_WIPE, user=(_sz(CONTROL_PANEL, "**DeleteKeys", SCREENSAVER),)),
    GpoSpec(PUPIL_SOFT, user=(_sz(SCREENSAVER, "**soft.ScreenSaveTimeOut", "300"),)),
    GpoSpec(
        SUPPLY_LOCK,
        user=(
            _sz(SCREENSAVER, "**delvals.", " "),
            _sz(SCREENSAVER, "ScreenSaveActive", "1"),
            _sz(SCREENSAVER, "ScreenSaveTimeOut", "300"),
            _sz(SCREENSAVER, "**soft.ScreenSaverIsSecure", "1"),
            _dword(SCREENSAVER, "**SecureKey", 1),
        ),
        sysvol_behind=True,
    ),
    GpoSpec(
        PUPIL_DRAFT,
        user=(
            _sz(SCREENSAVER, "ScreenSaveActive", "1"),
            _sz(SCREENSAVER, "ScreenSaverIsSecure", "1"),
            _sz(SCREENSAVER, "ScreenSaveTimeOut", "300"),
        ),
        extensions=False,
    ),
    GpoSpec(
        SUPPLY_IDLE,
        user=(
            _sz(SCREENSAVER, "ScreenSaveActive", "1"),
            _sz(SCREENSAVER, "ScreenSaverIsSecure", "1"),
            _sz(SCREENSAVER, "ScreenSaveTimeOut", "1200"),
        ),
    ),
    GpoSpec(
        DESKTOP_LOOPBACK,
        machine=(_dword(LOOPBACK, "UserPolicyMode", 2),),
        user=(_sz(SCREENSAVER, "ScreenSaveTimeOut", "300"),),
    ),
    GpoSpec(
        LOAN_LOOPBACK,
        machine=(_dword(LOOPBACK, "UserPolicyMode", 1),),
        user=(_sz(SCREENSAVER, "ScreenSaverIsSecure", "1"), _sz(SCREENSAVER, "ScreenSaveTimeOut", "300")),
    ),
)

LINKS = (
    Link("", BASELINE),
    Link("", LEGACY_CLEANUP),
    Link(HOLYWELL, DEVICE_LOCK, enforced=True),
    Link(STAFF_OU, STAFF_WIPE),
    Link(SUPPLY_OU, SUPPLY_LOCK),
    Link(PUPILS_OU, PUPIL_DRAFT),
    Link(PUPILS_OU, PUPIL_SOFT),
    Link(PUPILS_OU, PUPIL_RELAXED),
    Link(PUPILS_OU, OLD_KIOSK, disabled=True),
    Link(GENERIC_OU, KIOSK_TABLETS),
    Link(LAPTOPS_OU, LAPTOP_BITLOCKER),
    Link(DESKTOPS_OU, DESKTOP_IDLE),
    Link(LOAN_OU, LOAN_SETTINGS),
    Link(LOAN_OU, LOAN_PILOT),
    Link(SUPPLY_OU, SUPPLY_IDLE),
    Link(DESKTOPS_OU, DESKTOP_LOOPBACK),
    Link(LOAN_OU, LOAN_LOOPBACK),
)
BLOCKED = (SUPPLY_OU, LOAN_OU)
SECURITY_FILTERS = {
    SUPPLY_LOCK: {
        "delete": [f"(OA;CI;CR;{APPLY_GROUP_POLICY};;AU)"],
        "append": [f"(OA;CI;CR;{APPLY_GROUP_POLICY};;{{Staff}})"],
        "prepend": [f"(OD;CI;CR;{APPLY_GROUP_POLICY};;{{morgan.l}})"],
    },
}
"""Security filtering, as GPMC's Delegation tab leaves it: Supply Lock applies to the Staff group only (the supply
teachers are in it through Supply Teachers) and is denied to morgan.l; Authenticated Users keep Read."""


@dataclass
class SeededGpos:
    """What seeding made: each GPO's GUID and SYSVOL folder (as an SMB path), by display name."""

    guids: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def folder(self, dc: SambaDC, name: str) -> str:
        return f"\\\\{dc.host}\\sysvol\\{dc.dns_domain}\\Policies\\{self.guids[name]}"


def _samba_tool_remote(dc: SambaDC, *args: str) -> str:
    """samba-tool against the running DC over LDAP, as the domain Administrator (gpo commands need SYSVOL too)."""
    result = subprocess.run(
        [
            samba_program("samba-tool") or "samba-tool",
            *args,
            "-H",
            f"ldap://{dc.host}",
            f"-UAdministrator%{dc.admin_password}",
            "-s",
            str(dc.smb_conf),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"samba-tool {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _create(dc: SambaDC, name: str) -> str:
    out = _samba_tool_remote(dc, "gpo", "create", name)
    return out.rsplit(" as ", 1)[1].strip()  # "GPO 'Name' created as {GUID}"


def _dn(dc: SambaDC, relative: str) -> str:
    return f"{relative},{dc.base_dn}" if relative else dc.base_dn


def _container_steps(dc: SambaDC, relative: str, guids: dict[str, str]) -> None:
    """One container's links in order (setlink reads and rewrites gPLink, so one container at a time)."""
    for link in (link for link in LINKS if link.container == relative):
        flags = [*(["--disable"] if link.disabled else []), *(["--enforce"] if link.enforced else [])]
        _samba_tool_remote(dc, "gpo", "setlink", _dn(dc, relative), guids[link.gpo], *flags)
    if relative in BLOCKED:
        _samba_tool_remote(dc, "gpo", "setinheritance", _dn(dc, relative), "block")


def seed_gpos(dc: SambaDC) -> SeededGpos:
    """Create, link and fill the GPOs; returns their GUIDs and how long it took."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        guids = dict(zip([g.name for g in GPOS], pool.map(lambda g: _create(dc, g.name), GPOS), strict=True))
        containers = sorted({link.container for link in LINKS} | set(BLOCKED))
        list(pool.map(lambda c: _container_steps(dc, c, guids), containers))
    seeded = SeededGpos(guids)
    cache: dict[str, object] = {}
    smbclient.register_session(
        dc.host, username=f"Administrator@{dc.dns_domain}", password=dc.admin_password, connection_cache=cache
    )
    try:
        with dc.admin_connection() as conn:
            _add_wmi_filters(dc, conn)
            for spec in GPOS:
                _write_files(dc, seeded, spec, cache, conn)
            for name, changes in SECURITY_FILTERS.items():
                edit_dacl(dc, gpo_dn(dc, seeded.guids[name]), changes, _sids(dc, conn))
    finally:
        smbclient.reset_connection_cache(connection_cache=cache)
    seeded.seconds = time.monotonic() - started
    return seeded


def _add_wmi_filters(dc: SambaDC, conn: ldap3.Connection) -> None:
    """The WMI filters as GPMC stores them: msWMI-Parm2 is the query count, then each query's language, namespace
    and text lengths, then the three strings, each ending in ';'."""
    for name, (guid, query) in WMI_FILTERS.items():
        namespace = "root\\CIMv2"
        parm2 = f"1;3;{len(namespace)};{len(query)};WQL;{namespace};{query};"
        attributes = {"msWMI-ID": guid, "msWMI-Name": name, "msWMI-Parm2": parm2, "msWMI-Author": "Administrator"}
        dn = f"CN={guid},CN=SOM,CN=WMIPolicy,CN=System,{dc.base_dn}"
        if not conn.add(dn, ["msWMI-Som"], attributes):
            raise RuntimeError(f"adding WMI filter {name}: {conn.result}")


def gpo_dn(dc: SambaDC, guid: str) -> str:
    return f"CN={guid},CN=Policies,CN=System,{dc.base_dn}"


def _sids(dc: SambaDC, conn: ldap3.Connection) -> dict[str, str]:
    """Every group's and account's SID by sAMAccountName, for ACEs written as SDDL."""
    conn.search(dc.base_dn, "(|(objectClass=group)(objectClass=user))", attributes=["sAMAccountName", "objectSid"])
    return {str(entry["sAMAccountName"]): sid_text(entry["objectSid"].raw_values[0]) for entry in conn.entries}


def edit_dacl(dc: SambaDC, dn: str, changes: dict[str, list[str]], sids: dict[str, str]) -> None:
    """Delete, prepend and append ACEs (SDDL, ``{name}`` standing for an account's SID) with Samba's own SDUtils."""

    def resolved(ace: str) -> str:
        for name, sid in sids.items():
            ace = ace.replace(f"{{{name}}}", sid)
        return ace

    request: dict[str, object] = {key: [resolved(ace) for ace in aces] for key, aces in changes.items()}
    request |= {"sam_ldb": str(dc.sam_ldb), "smb_conf": str(dc.smb_conf), "dn": dn}
    run_samba_sd("edit", request)


def run_samba_sd(command: str, data: object) -> object:
    """tests/directory/samba_sd.py under Debian's system Python, which has the samba bindings."""
    result = subprocess.run(
        ["/usr/bin/python3", str(Path(__file__).with_name("samba_sd.py")), command],
        input=json.dumps(data),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"samba_sd.py {command} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def _sysvolreset(dc: SambaDC) -> None:
    """samba-tool ntacl sysvolreset, which takes no -H: it finds sam.ldb through smb.conf."""
    result = subprocess.run(
        [samba_program("samba-tool") or "samba-tool", "ntacl", "sysvolreset", "-s", str(dc.smb_conf)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"samba-tool ntacl sysvolreset failed:\n{result.stderr[-3000:]}")


def _write(path: str, data: bytes, cache: dict[str, object]) -> None:
    smbclient.makedirs(path.rsplit("\\", 1)[0], exist_ok=True, connection_cache=cache)
    with smbclient.open_file(path, mode="wb", connection_cache=cache) as out:
        out.write(data)


def _write_files(
    dc: SambaDC, seeded: SeededGpos, spec: GpoSpec, cache: dict[str, object], conn: ldap3.Connection
) -> None:
    folder = seeded.folder(dc, spec.name)
    if spec.template is not None:
        _write(f"{folder}\\{TEMPLATE}", spec.template.encode("ascii"), cache)
    if spec.machine:
        _write(f"{folder}\\Machine\\Registry.pol", registry_pol.encode(spec.machine), cache)
    if spec.user:
        _write(f"{folder}\\User\\Registry.pol", registry_pol.encode(spec.user), cache)
    machine_version = 1 if spec.template is not None or spec.machine else 0
    version = (1 if spec.user else 0) << 16 | machine_version  # user version in the high 16 bits
    on_disk = version - 1 if spec.sysvol_behind else version
    _write(f"{folder}\\GPT.INI", f"[General]\r\nVersion={on_disk}\r\n".encode("ascii"), cache)
    dn = f"CN={seeded.guids[spec.name]},CN=Policies,CN=System,{dc.base_dn}"
    changes = {"versionNumber": [(ldap3.MODIFY_REPLACE, [version])]}
    if spec.wmi_filter:
        link = f"[{dc.dns_domain};{WMI_FILTERS[spec.wmi_filter][0]};0]"
        changes["gPCWQLFilter"] = [(ldap3.MODIFY_REPLACE, [link])]
    if spec.extensions:
        machine = [
            *([f"[{REGISTRY_CSE}{REGISTRY_TOOL}]"] if spec.machine else []),
            *([f"[{SECURITY_CSE}{SECURITY_TOOL}]"] if spec.template is not None else []),
        ]
        user = [f"[{REGISTRY_CSE}{REGISTRY_TOOL}]"] if spec.user else []
        for attribute, groups in (("gPCMachineExtensionNames", machine), ("gPCUserExtensionNames", user)):
            if groups:
                changes[attribute] = [(ldap3.MODIFY_REPLACE, ["".join(groups)])]
    conn.modify(dn, changes)
    if conn.result["result"] != 0:
        raise RuntimeError(f"cannot set versionNumber of {spec.name}: {conn.result}")


def gpo_folder_on_disk(dc: SambaDC, seeded: SeededGpos, name: str) -> str:
    """Where a GPO's folder lives in the DC's own file system (for checks that holyaudit changed nothing)."""
    return str(dc.workdir / "state" / "sysvol" / dc.dns_domain / "Policies" / seeded.guids[name])


EXPECTED_APPLIED: dict[str, list[str]] = {
    "": [DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    "OU=Domain Controllers": [DEFAULT_DCS, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    HOLYWELL: [DEVICE_LOCK, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    STAFF_OU: [DEVICE_LOCK, STAFF_WIPE, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    SUPPLY_OU: [DEVICE_LOCK, SUPPLY_LOCK, SUPPLY_IDLE],
    PUPILS_OU: [DEVICE_LOCK, PUPIL_DRAFT, PUPIL_SOFT, PUPIL_RELAXED, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    GENERIC_OU: [DEVICE_LOCK, KIOSK_TABLETS, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    "OU=Leavers,OU=Holywell": [DEVICE_LOCK, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    "OU=Service Accounts,OU=Holywell": [DEVICE_LOCK, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    "OU=Groups,OU=Holywell": [DEVICE_LOCK, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    "OU=Computers,OU=Holywell": [DEVICE_LOCK, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    LAPTOPS_OU: [DEVICE_LOCK, LAPTOP_BITLOCKER, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
    LOAN_OU: [DEVICE_LOCK, LOAN_SETTINGS, LOAN_PILOT, LOAN_LOOPBACK],
    DESKTOPS_OU: [DEVICE_LOCK, DESKTOP_IDLE, DESKTOP_LOOPBACK, DEFAULT_DOMAIN, BASELINE, LEGACY_CLEANUP],
}
"""Each container (relative to the domain's DN) -> its applied GPOs, highest precedence first."""


def added_gpo(dc: SambaDC, spec: GpoSpec, container: str) -> str:
    """Create, fill and link one more GPO (linked last in ``container``, relative to the domain's DN), as seeding
    does; a test that adds one removes it again with ``removed_gpo``. Returns its GUID."""
    seeded = SeededGpos({spec.name: _create(dc, spec.name)})
    _samba_tool_remote(dc, "gpo", "setlink", _dn(dc, container), seeded.guids[spec.name])
    cache: dict[str, object] = {}
    smbclient.register_session(
        dc.host, username=f"Administrator@{dc.dns_domain}", password=dc.admin_password, connection_cache=cache
    )
    try:
        with dc.admin_connection() as conn:
            _write_files(dc, seeded, spec, cache, conn)
    finally:
        smbclient.reset_connection_cache(connection_cache=cache)
    return seeded.guids[spec.name]


def removed_gpo(dc: SambaDC, guid: str, container: str) -> None:
    """Unlink and delete a GPO ``added_gpo`` made, leaving the estate as seeded."""
    _samba_tool_remote(dc, "gpo", "dellink", _dn(dc, container), guid)
    _samba_tool_remote(dc, "gpo", "del", guid)
