"""Typed fact records, the named fact sets that hold them, and the registry rules are checked against.

Collectors produce these records; the engine reads them; snapshots store them. A value of ``None`` means
"not known"; a rule that needs it reports ERROR. An attribute that a collector tried and failed to read is
named in ``unreadable`` with the reason, and a record that could not be read at all carries ``error``.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class FactRecord(BaseModel):
    """Common shape of every fact record."""

    # Each record type's validator is built when first used, not when this module is imported: a scan uses a few
    # of the forty, and a live scan builds those while the directory works out the users' answer (10 ms of every
    # start otherwise).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    kind: ClassVar[str] = "object"
    plural: ClassVar[str] = "objects"

    id: str = Field(description="The name a network manager knows the object by (sAMAccountName, host name).")
    unreadable: dict[str, str] = Field(
        default_factory=dict, description="Attribute name -> why the collector could not read it."
    )
    error: str | None = Field(default=None, description="Why the whole object could not be read.")


class Domain(FactRecord):
    """The domain object's password and log-off settings."""

    kind: ClassVar[str] = "domain"
    plural: ClassVar[str] = "domains"
    base_dn: str | None = None
    min_pwd_length: int | None = None
    pwd_properties: int | None = Field(default=None, description="Raw pwdProperties; bit 0x1 = complexity.")
    max_pwd_age_days: int | None = Field(default=None, description="0 means passwords never expire.")
    min_pwd_age_days: int | None = Field(default=None, description="0 means a password may be changed at once.")
    lockout_threshold: int | None = Field(default=None, description="0 means accounts never lock.")
    lockout_duration_mins: int | None = Field(
        default=None, description="Whole minutes; -1 means until an administrator unlocks the account."
    )
    lockout_observation_window_mins: int | None = Field(
        default=None, description="Whole minutes after which the bad-password count is reset."
    )
    pwd_history_length: int | None = None
    force_logoff: bool | None = Field(
        default=None, description="True when forceLogoff is 0: sessions end when logon hours expire."
    )


class PasswordPolicy(FactRecord):
    """A fine-grained password policy (msDS-PasswordSettings object)."""

    kind: ClassVar[str] = "password_policy"
    plural: ClassVar[str] = "password policies"
    precedence: int | None = None
    min_length: int | None = None
    complexity: bool | None = None
    applies_to: list[str] = Field(default_factory=list, description="Groups and users it is linked to.")
    governs: list[str] = Field(default_factory=list, description="sAMAccountNames it resolves to.")


class AccountPolicy(FactRecord):
    """A password and lockout policy in force: the domain's own (id: the domain's name) or a fine-grained one (id:
    the PSO's name)."""

    kind: ClassVar[str] = "account_policy"
    plural: ClassVar[str] = "account policies"
    is_domain: bool | None = Field(default=None, description="True for the domain's own policy, False for a PSO.")
    precedence: int | None = Field(default=None, description="A PSO's precedence (lowest wins); None for the domain.")
    lockout_threshold: int | None = Field(default=None, description="Failed attempts before locking; 0 never locks.")
    lockout_duration_mins: int | None = Field(
        default=None, description="Whole minutes; -1 means until an administrator unlocks the account."
    )
    reversible_encryption: bool | None = Field(
        default=None,
        description="Passwords are stored with reversible encryption (domain: pwdProperties 0x10; PSO: "
        "msDS-PasswordReversibleEncryptionEnabled).",
    )
    max_pwd_age_days: int | None = Field(default=None, description="0 means passwords never expire.")
    applies_to: list[str] = Field(default_factory=list, description="A PSO's groups and users; empty for the domain.")


class User(FactRecord):
    """A user account from the directory."""

    kind: ClassVar[str] = "user"
    plural: ClassVar[str] = "users"
    dn: str | None = None
    ou: str | None = None
    display_name: str | None = None
    categories: list[str] = Field(
        default_factory=list, description="Site roles from config: staff, pupil, generic, builtin."
    )
    enabled: bool | None = Field(default=None, description="False too when there is no account (in_directory false).")
    uac: int | None = Field(default=None, description="Raw userAccountControl flags.")
    pwd_last_set: dt.datetime | None = None
    must_change_password: bool | None = Field(default=None, description="pwdLastSet is 0.")
    must_change_since: dt.datetime | None = Field(
        default=None, description="When pwdLastSet was last set to 0 (or the account was created)."
    )
    last_logon: dt.datetime | None = Field(
        default=None, description="lastLogonTimestamp; None when the account has never logged on."
    )
    created: dt.datetime | None = None
    account_expires: dt.datetime | None = Field(default=None, description="accountExpires; None when it never expires.")
    groups: list[str] = Field(default_factory=list, description="Group names, nested membership included.")
    logon_hours: str | None = Field(
        default=None,
        description="logonHours as 42 hex digits (168 hours from Sunday 00:00 UTC); all ones when unset.",
    )
    upn: str | None = Field(default=None, description="userPrincipalName.")
    employee_id: str | None = Field(default=None, description="employeeID.")
    in_directory: bool = Field(
        default=True, description="False for a leaver known only from the MIS export: no directory account found."
    )
    leaving_date: dt.date | None = Field(default=None, description="Leaving date, when the person has left.")
    disabled_at: dt.datetime | None = Field(
        default=None, description="When userAccountControl last changed, if the account is disabled."
    )
    privileged: bool | None = Field(
        default=None,
        description="A member, nested membership or primary group included, of a well-known privileged group "
        '(docs/directory.md, "Privileged groups").',
    )
    privileged_groups: dict[str, int] = Field(
        default_factory=dict,
        description="The privileged groups the account is in, each with its size: every account in it, nested "
        "membership and primary group included, enabled or not.",
    )
    password_text_in: list[str] | None = Field(
        default=None,
        description="Which of description, info and comment look like they record a password (their text is never "
        'kept: docs/directory.md, "Passwords written in the directory").',
    )
    password_policy: str | None = Field(
        default=None,
        description="The account policy that governs the account: the PSO that wins (one linked to the account "
        "itself before any linked to its groups, then the lowest precedence), else the domain's (its name).",
    )
    policy_max_pwd_age_days: int | None = Field(
        default=None, description="That policy's maximum password age in whole days; 0 means never expires."
    )
    policy_reversible_encryption: bool | None = Field(
        default=None, description="That policy stores passwords with reversible encryption."
    )


class Computer(FactRecord):
    """A computer account from the directory."""

    kind: ClassVar[str] = "computer"
    plural: ClassVar[str] = "computers"
    dns_host_name: str | None = None
    ou: str | None = None
    categories: list[str] = Field(default_factory=list, description="Site roles from config, e.g. laptop.")
    enabled: bool | None = None
    uac: int | None = Field(default=None, description="Raw userAccountControl flags.")
    operating_system: str | None = None
    os_version: str | None = None
    last_logon: dt.datetime | None = Field(
        default=None, description="lastLogonTimestamp; None when the machine has never logged on."
    )
    created: dt.datetime | None = Field(default=None, description="whenCreated.")
    bitlocker_key_escrowed: bool | None = Field(
        default=None, description="A msFVE-RecoveryInformation object sits under the computer."
    )
    domain_controller: bool | None = Field(
        default=None, description="userAccountControl has SERVER_TRUST_ACCOUNT or PARTIAL_SECRETS_ACCOUNT (an RODC)."
    )
    laps_expires: dt.datetime | None = Field(
        default=None, description="Windows LAPS msLAPS-PasswordExpirationTime; None when not set."
    )
    legacy_laps_expires: dt.datetime | None = Field(
        default=None, description="Legacy Microsoft LAPS ms-Mcs-AdmPwdExpirationTime; None when not set."
    )
    password_text_in: list[str] | None = Field(
        default=None, description="As for users: which of description, info and comment look like a password."
    )
    os_release: str | None = Field(
        default=None,
        description="The Windows release operating_system and os_version name in holyaudit's lifecycle table "
        "(src/holyaudit/data/windows-lifecycle.yaml), with its edition family.",
    )
    os_support_ends: dt.date | None = Field(
        default=None, description="The last day Microsoft services that release (lifecycle table)."
    )
    os_esu_ends: dt.date | None = Field(
        default=None, description="The last day of its paid Extended Security Updates; None when none are offered."
    )
    os_lifecycle_source: str | None = Field(default=None, description="The Microsoft page the dates come from.")


class Volume(FactRecord):
    """A fixed volume as BitLocker reports it."""

    kind: ClassVar[str] = "volume"
    plural: ClassVar[str] = "volumes"
    volume_type: str | None = Field(
        default=None,
        description="OperatingSystem, FixedData, Removable, or Data (a data drive whose drive type was not read).",
    )
    protection_status: str | None = Field(default=None, description="On, Off or Unknown.")
    encryption_percentage: float | None = None
    lock_status: str | None = Field(
        default=None, description="Locked or Unlocked; a locked volume's protection status cannot be determined."
    )


class ScreenSaverPolicy(FactRecord):
    """Screen-saver policy values in one loaded user hive (id is the user's SID or name)."""

    kind: ClassVar[str] = "user_hive"
    plural: ClassVar[str] = "user hives"
    active: bool | None = None
    secure: bool | None = None
    timeout_secs: int | None = None
    executable: str | None = Field(default=None, description="SCRNSAVE.EXE: the screen saver that runs, if any.")
    saver_selected: bool | None = Field(
        default=None, description="SCRNSAVE.EXE names a screen saver; without one no screen saver runs."
    )
    policy_values: list[str] | None = Field(
        default=None,
        description="The screen-saver values present in the user's policy key (Software\\Policies\\...\\Desktop), "
        "which Group Policy writes and deletes; None in snapshots made before holyaudit recorded it.",
    )


class ScheduledTask(FactRecord):
    """A scheduled task that logs users off or shuts the machine down."""

    kind: ClassVar[str] = "scheduled_task"
    plural: ClassVar[str] = "scheduled tasks"
    action: str | None = Field(default=None, description="logoff, shutdown or restart.")
    daily: bool | None = Field(
        default=None, description="Enabled, with an enabled trigger that fires every day and has no end date."
    )
    time: dt.time | None = Field(
        default=None,
        description="Latest local time the task has acted by: the daily trigger's time plus its random delay and "
        "shutdown.exe's /t delay (23:59:59 when that passes midnight).",
    )
    runs_as: str | None = Field(default=None, description="The task's principal: a user or a group.")
    ends_user_sessions: bool | None = Field(
        default=None,
        description="Its action ends the signed-in users' sessions: a shutdown or restart does; a log-off ends only "
        "the session the task runs in.",
    )
    runs_on_battery: bool | None = Field(
        default=None,
        description="Neither DisallowStartIfOnBatteries nor StopIfGoingOnBatteries is set (both default to true).",
    )
    expires: dt.datetime | None = Field(default=None, description="The latest EndBoundary of its daily triggers.")


class FirewallProfile(FactRecord):
    """One Windows Defender Firewall profile (id: Domain, Private or Public) as it is in force on the machine."""

    kind: ClassVar[str] = "firewall_profile"
    plural: ClassVar[str] = "firewall profiles"
    enabled: bool | None = Field(default=None, description="The firewall is on for this profile (ActiveStore).")
    default_inbound_action: str | None = Field(
        default=None,
        description="What happens to inbound traffic no rule allows: Block or Allow (NotConfigured is Windows' "
        "default, Block).",
    )


class LocalGroupMember(FactRecord):
    """A member of the machine's local Administrators group (id: its account name, or its SID when the SID does
    not resolve to an account)."""

    kind: ClassVar[str] = "local_admin"
    plural: ClassVar[str] = "local administrators"
    sid: str | None = Field(default=None, description="The member's security identifier.")
    member_class: str | None = Field(default=None, description="User or Group, as the WinNT provider says.")
    resolved: bool | None = Field(
        default=None, description="The SID resolves to an account; False for an orphaned SID (a deleted account)."
    )


class Host(FactRecord):
    """What a Windows endpoint reports about itself."""

    kind: ClassVar[str] = "host"
    plural: ClassVar[str] = "hosts"
    address: str | None = Field(default=None, description="The name or address holyaudit connected to.")
    connection: str | None = Field(
        default=None, description="How the last attempt to reach it ended: reached, unreachable, auth failed, ..."
    )
    source: Literal["winrm", "file"] | None = Field(
        default=None,
        description="Where its facts came from: winrm (asked over WinRM) or file (the facts file the machine wrote, "
        "endpoints.facts_dir). None in snapshots made before holyaudit recorded it.",
    )
    facts_file: str | None = Field(default=None, description="The facts file read (source file).")
    facts_produced_at: dt.datetime | None = Field(
        default=None, description="When the machine wrote its facts file (source file)."
    )
    os: str | None = None
    os_build: str | None = None
    os_edition_id: str | None = Field(
        default=None,
        description="EditionID under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion: Professional, Education, "
        "Enterprise, EnterpriseS, ServerStandard, ...",
    )
    os_installation_type: str | None = Field(default=None, description="InstallationType: Client, Server, Server Core.")
    os_display_version: str | None = Field(default=None, description="DisplayVersion: 22H2, 24H2, ...")
    os_product_name: str | None = Field(
        default=None,
        description="ProductName as the registry holds it (Windows 11 keeps 'Windows 10 ...'); not judged.",
    )
    os_ubr: int | None = Field(
        default=None, description="UBR: the update build revision each cumulative update raises."
    )
    os_release: str | None = Field(
        default=None,
        description="The Windows release its EditionID, build and InstallationType name in holyaudit's lifecycle table "
        "(src/holyaudit/data/windows-lifecycle.yaml), with its edition family.",
    )
    os_support_ends: dt.date | None = Field(
        default=None, description="The last day Microsoft services that release (lifecycle table)."
    )
    os_esu_ends: dt.date | None = Field(
        default=None, description="The last day of its paid Extended Security Updates; None when none are offered."
    )
    os_lifecycle_source: str | None = Field(default=None, description="The Microsoft page the dates come from.")
    os_update_missing: bool | None = Field(
        default=None,
        description="A cumulative update the lifecycle table lists for its release has a higher UBR than the machine's "
        "has.",
    )
    os_oldest_missing_update: dt.date | None = Field(
        default=None, description="The release day of the earliest such update; None when none is missing."
    )
    os_oldest_missing_build: str | None = Field(
        default=None, description="That update's build and UBR (26100.7462); None when none is missing."
    )
    os_updates_listed_until: dt.date | None = Field(
        default=None, description="The day the lifecycle table's update lists were last checked."
    )
    os_updates_after_list: bool | None = Field(
        default=None,
        description="Whether Microsoft released an update after that day: never known, so always unreadable with "
        "the reason (rule updates-current reads it only when the list is too old for the days it judges).",
    )
    chassis_types: list[int] | None = None
    categories: list[str] = Field(default_factory=list, description="Site roles from config, e.g. laptop.")
    volumes: list[Volume] | None = None
    mdm_require_device_encryption: bool | None = Field(
        default=None,
        description="MDM (Intune) requires device encryption: the BitLocker CSP's RequireDeviceEncryption is 1 under "
        "HKLM\\SOFTWARE\\Microsoft\\PolicyManager\\current\\device\\BitLocker (docs/endpoints.md).",
    )
    mbam_should_encrypt_os_drive: bool | None = Field(
        default=None,
        description="MBAM's Group Policy requires the OS drive to be encrypted: "
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\FVE\\MDOPBitLockerManagement ShouldEncryptOSDrive is 1.",
    )
    inactivity_timeout_secs: int | None = None
    screensaver_users: list[ScreenSaverPolicy] | None = None
    logoff_tasks: list[ScheduledTask] | None = None
    autologon_enabled: bool | None = Field(
        default=None, description="Winlogon AutoAdminLogon is 1 and DefaultUserName names an account."
    )
    autologon_user: str | None = Field(default=None, description="Winlogon DefaultUserName (with DefaultDomainName).")
    autologon_count: int | None = Field(default=None, description="Winlogon AutoLogonCount, when set.")
    force_autologon: bool | None = Field(default=None, description="Winlogon ForceAutoLogon is 1.")
    default_password_present: bool | None = Field(
        default=None, description="Winlogon DefaultPassword exists (its value is never read)."
    )
    av_product: str | None = None
    av_enabled: bool | None = None
    av_realtime: bool | None = None
    av_signatures_updated: dt.datetime | None = Field(
        default=None, description="When Microsoft Defender's signatures were last updated (other products: None)."
    )
    av_signatures_current: bool | None = Field(
        default=None,
        description="Another product's own verdict, from Security Center's productState: its definitions are up "
        "to date. None for Microsoft Defender, whose signature date is judged instead.",
    )
    av_running_mode: str | None = Field(
        default=None, description="Microsoft Defender's AMRunningMode: Normal, Passive Mode, EDR Block Mode, ..."
    )
    firewall_profiles: list[FirewallProfile] | None = Field(
        default=None, description="Windows Defender Firewall's Domain, Private and Public profiles, as in force."
    )
    rdp_enabled: bool | None = Field(
        default=None, description="Remote Desktop accepts connections: fDenyTSConnections is 0 (policy, else local)."
    )
    rdp_nla_required: bool | None = Field(
        default=None,
        description="Network Level Authentication is required: UserAuthentication is 1 (policy, else local).",
    )
    rdp_security_layer: int | None = Field(
        default=None, description="SecurityLayer (policy, else RDP-Tcp): 0 RDP, 1 negotiate, 2 TLS."
    )
    local_admins: list[LocalGroupMember] | None = Field(
        default=None, description="The members of the local Administrators group (S-1-5-32-544)."
    )
    removable_bitlocker_write_denied: bool | None = Field(
        default=None,
        description="Writing to removable drives not protected by BitLocker is denied: RDVDenyWriteAccess is 1 under "
        "HKLM\\SYSTEM\\CurrentControlSet\\Policies\\Microsoft\\FVE, where the policy is in force.",
    )
    removable_write_denied: bool | None = Field(
        default=None,
        description="Removable Storage Access denies writing to removable disks (Deny_Write or Deny_All for the disk "
        "class, or Deny_All for every class).",
    )
    removable_write_needs_bitlocker: bool | None = Field(
        default=None,
        description="RDVDenyWriteAccess (1 True, 0 False) as the machine holds it in force "
        "(HKLM\\SYSTEM\\CurrentControlSet\\Policies\\Microsoft\\FVE): None when the value is not there. Compared "
        "with gpo.ous's field of the same name (drift).",
    )
    removable_disks_write_denied: bool | None = Field(
        default=None,
        description="Removable Storage Access's Deny_Write for removable disks as the machine holds it: None when the "
        "value is not there. Compared with gpo.ous's field of the same name (drift).",
    )
    removable_storage_all_denied: bool | None = Field(
        default=None,
        description="Removable Storage Access's Deny_All for all classes as the machine holds it: None when the value "
        "is not there. Compared with gpo.ous's field of the same name (drift).",
    )
    policy_ou: str | None = Field(default=None, description="The computer account's OU, whose GPOs apply to it.")
    policy_drift: list[str] | None = Field(
        default=None, description="Where the machine differs from what its Group Policy sets; empty when it agrees."
    )
    policy_agrees: bool | None = Field(default=None, description="policy_drift is empty.")
    backup_evidence: str | None = Field(
        default=None,
        description="What showed the machine's backups: Windows Server Backup (Get-WBSummary), or the scheduled "
        "task or file the site declared for it (endpoints.backup_evidence). Unknown (with the reason) when the "
        "machine shows no recognised backup evidence.",
    )
    backup_succeeded: bool | None = Field(
        default=None, description="The backup evidence shows a successful backup at all (False: never)."
    )
    backup_last_success: dt.datetime | None = Field(
        default=None,
        description="When the last successful backup the evidence shows finished (UTC): for a declared task, when "
        "its last successful run started; for a declared file, its last write.",
    )
    backup_failure: str | None = Field(
        default=None,
        description="Why a declared scheduled task shows no successful backup: it has never run, or how its last "
        "run ended.",
    )


class GpoContainer(FactRecord):
    """The domain or one OU: the GPOs that reach it and the settings they leave in force there.

    Each setting is what the applied GPOs leave once applied as Windows applies them, lowest precedence first
    (only GPOs whose user half, or computer half, is enabled count for user, or computer, settings; a file whose
    client-side extension the GPO does not list is not applied); ``None`` means no applied GPO configures it, or
    one deletes it. The matching ``*_from`` field names the GPO that set it, or deleted it (``notes`` then says
    so). A setting that an unreadable file could have decided is named in ``unreadable``.
    """

    kind: ClassVar[str] = "ou"
    plural: ClassVar[str] = "OUs"
    dn: str | None = None
    is_domain: bool | None = Field(default=None, description="True for the domain object itself.")
    blocks_inheritance: bool | None = None
    applied_gpos: list[str] = Field(
        default_factory=list, description="Display names of the GPOs that apply, highest precedence first."
    )
    enforced_gpos: list[str] = Field(default_factory=list, description="Those of them applied through enforced links.")
    skipped_links: list[str] = Field(
        default_factory=list, description="Links on the way down that do not apply, each with the reason."
    )
    staff_users: int | None = Field(default=None, description="Enabled staff accounts directly in this OU.")
    pupil_users: int | None = Field(default=None, description="Enabled pupil accounts directly in this OU.")
    computers: int | None = Field(default=None, description="Enabled computer accounts directly in this OU.")
    laptops: int | None = Field(default=None, description="Enabled computers in the laptop category in this OU.")
    screensaver_active: bool | None = Field(default=None, description="User policy ScreenSaveActive.")
    screensaver_active_from: str | None = None
    screensaver_secure: bool | None = Field(default=None, description="User policy ScreenSaverIsSecure.")
    screensaver_secure_from: str | None = None
    screensaver_timeout_secs: int | None = Field(default=None, description="User policy ScreenSaveTimeOut.")
    screensaver_timeout_from: str | None = None
    inactivity_timeout_secs: int | None = Field(
        default=None, description="Machine policy InactivityTimeoutSecs (interactive logon inactivity limit)."
    )
    inactivity_timeout_from: str | None = None
    all_computers_lock_within_secs: int | None = Field(
        default=None,
        description="Estate-wide: the longest machine inactivity limit among the OUs holding enabled computers; "
        "None when any of them has no limit (or 0).",
    )
    force_logoff_when_hour_expire: bool | None = Field(default=None, description="GptTmpl ForceLogoffWhenHourExpire.")
    force_logoff_from: str | None = None
    min_password_length: int | None = Field(default=None, description="GptTmpl MinimumPasswordLength.")
    min_password_length_from: str | None = None
    password_complexity: bool | None = Field(default=None, description="GptTmpl PasswordComplexity.")
    password_complexity_from: str | None = None
    bitlocker_os_drive_required: bool | None = Field(
        default=None, description="Machine policy FVE\\MDOPBitLockerManagement ShouldEncryptOSDrive (docs/gpo.md)."
    )
    bitlocker_os_drive_from: str | None = None
    bitlocker_os_drive_policy: str | None = Field(
        default=None,
        description="'encryption enforced by policy' (ShouldEncryptOSDrive 1), 'BitLocker configured, encryption "
        "not enforced by policy' (only standard FVE values, or ShouldEncryptOSDrive 0) or 'no BitLocker policy' "
        "(docs/gpo.md).",
    )
    bitlocker_settings: dict[str, int] = Field(
        default_factory=dict, description="The standard FVE values in force for the OS drive, by value name."
    )
    bitlocker_settings_from: dict[str, str] = Field(
        default_factory=dict, description="The GPO that set each of bitlocker_settings."
    )
    wmi_filters: dict[str, str] = Field(
        default_factory=dict,
        description="Each applied GPO with a WMI filter: the filter's name and queries (evaluated by each client).",
    )
    endpoint_evidence: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Setting -> what the endpoint facts of each of the container's machines show for it, where they "
        "were used to judge it (a WMI filter that only clients evaluate, or an MDM requirement; docs/gpo.md).",
    )
    judged_by_endpoints: list[str] = Field(
        default_factory=list, description="The settings whose value here comes from the machines' endpoint facts."
    )
    bitlocker_started_by: str | None = Field(
        default=None,
        description="What the site declares turns encryption on outside Group Policy (gpo.bitlocker_started_by).",
    )
    security_filters: dict[str, str] = Field(
        default_factory=dict,
        description="Each applied GPO that not every account gets: who holds Apply Group Policy on it, who is denied.",
    )
    not_reached: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Each security-filtered GPO with settings for them: the accounts or computers here it misses.",
    )
    varies_by_principal: dict[str, str] = Field(
        default_factory=dict,
        description="Each setting the accounts (or computers) here do not all get alike: who gets which value. The "
        "setting's own field holds the weakest of them.",
    )
    loopback_mode: str | None = Field(
        default=None,
        description="Machine policy UserPolicyMode on this OU's computers: 'merge', 'replace' or 'off'. With merge "
        "or replace the screensaver fields are what users signing in on these computers get.",
    )
    loopback_mode_from: str | None = None
    domain_min_pwd_length: int | None = Field(
        default=None, description="The domain record only: the domain object's minPwdLength (directory.domain)."
    )
    domain_password_complexity: bool | None = Field(
        default=None, description="The domain record only: pwdProperties has the complexity bit."
    )
    domain_force_logoff: bool | None = Field(
        default=None, description="The domain record only: the domain object's forceLogoff is 0."
    )
    max_password_age_days: int | None = Field(default=None, description="GptTmpl MaximumPasswordAge; 0 (or -1) never.")
    max_password_age_from: str | None = None
    min_password_age_days: int | None = Field(default=None, description="GptTmpl MinimumPasswordAge.")
    min_password_age_from: str | None = None
    password_history_size: int | None = Field(default=None, description="GptTmpl PasswordHistorySize.")
    password_history_from: str | None = None
    lockout_threshold: int | None = Field(default=None, description="GptTmpl LockoutBadCount; 0 never locks.")
    lockout_threshold_from: str | None = None
    lockout_duration_mins: int | None = Field(
        default=None, description="GptTmpl LockoutDuration; -1 (written -1 or 0) until an administrator unlocks."
    )
    lockout_duration_from: str | None = None
    lockout_window_mins: int | None = Field(default=None, description="GptTmpl ResetLockoutCount.")
    lockout_window_from: str | None = None
    clear_text_password: bool | None = Field(
        default=None, description="GptTmpl ClearTextPassword: store passwords with reversible encryption."
    )
    clear_text_password_from: str | None = None
    domain_max_pwd_age_days: int | None = Field(default=None, description="The domain record only: maxPwdAge.")
    domain_min_pwd_age_days: int | None = Field(default=None, description="The domain record only: minPwdAge.")
    domain_pwd_history_length: int | None = Field(default=None, description="The domain record only.")
    domain_lockout_threshold: int | None = Field(default=None, description="The domain record only.")
    domain_lockout_duration_mins: int | None = Field(default=None, description="The domain record only.")
    domain_lockout_window_mins: int | None = Field(
        default=None, description="The domain record only: lockOutObservationWindow."
    )
    domain_clear_text_password: bool | None = Field(
        default=None, description="The domain record only: pwdProperties has DOMAIN_PASSWORD_STORE_CLEARTEXT."
    )
    min_password_length_agrees: bool | None = Field(
        default=None, description="The domain record only: the GPO value equals the domain's; None if either is."
    )
    password_complexity_agrees: bool | None = Field(
        default=None, description="The domain record only: the GPO value equals the domain's; None if either is."
    )
    max_password_age_agrees: bool | None = Field(default=None, description="As min_password_length_agrees.")
    min_password_age_agrees: bool | None = Field(default=None, description="As min_password_length_agrees.")
    password_history_agrees: bool | None = Field(default=None, description="As min_password_length_agrees.")
    lockout_threshold_agrees: bool | None = Field(default=None, description="As min_password_length_agrees.")
    lockout_duration_agrees: bool | None = Field(default=None, description="As min_password_length_agrees.")
    lockout_window_agrees: bool | None = Field(default=None, description="As min_password_length_agrees.")
    clear_text_password_agrees: bool | None = Field(default=None, description="As min_password_length_agrees.")
    removable_write_needs_bitlocker: bool | None = Field(
        default=None,
        description="Machine policy FVE RDVDenyWriteAccess: removable drives not protected by BitLocker are read-only.",
    )
    removable_write_needs_bitlocker_from: str | None = None
    removable_disks_write_denied: bool | None = Field(
        default=None, description="Machine policy RemovableStorageDevices\\{53f5630d-...} Deny_Write (Removable Disks)."
    )
    removable_disks_write_denied_from: str | None = None
    removable_storage_all_denied: bool | None = Field(
        default=None, description="Machine policy RemovableStorageDevices Deny_All (all removable storage classes)."
    )
    removable_storage_all_denied_from: str | None = None
    firewall_domain_on: bool | None = Field(
        default=None, description="Machine policy WindowsFirewall\\DomainProfile EnableFirewall."
    )
    firewall_domain_on_from: str | None = None
    firewall_domain_blocks_inbound: bool | None = Field(
        default=None, description="Machine policy WindowsFirewall\\DomainProfile DefaultInboundAction is 1 (block)."
    )
    firewall_domain_blocks_inbound_from: str | None = None
    firewall_private_on: bool | None = Field(
        default=None, description="Machine policy WindowsFirewall\\PrivateProfile EnableFirewall."
    )
    firewall_private_on_from: str | None = None
    firewall_private_blocks_inbound: bool | None = Field(
        default=None, description="Machine policy WindowsFirewall\\PrivateProfile DefaultInboundAction is 1 (block)."
    )
    firewall_private_blocks_inbound_from: str | None = None
    firewall_public_on: bool | None = Field(
        default=None, description="Machine policy WindowsFirewall\\PublicProfile EnableFirewall."
    )
    firewall_public_on_from: str | None = None
    firewall_public_blocks_inbound: bool | None = Field(
        default=None, description="Machine policy WindowsFirewall\\PublicProfile DefaultInboundAction is 1 (block)."
    )
    firewall_public_blocks_inbound_from: str | None = None
    notes: list[str] = Field(default_factory=list, description="What was not modelled, and other remarks.")
    warnings: list[str] = Field(
        default_factory=list,
        description="Applied GPOs' files their clients do not apply (extension not listed), and GPOs whose "
        "directory versionNumber and GPT.INI Version disagree.",
    )
    gpo_versions: dict[str, dict[str, int | None]] = Field(
        default_factory=dict,
        description="Each applied GPO's versions: {'directory': versionNumber, 'gpt_ini': GPT.INI Version}.",
    )


class SysvolFile(FactRecord):
    """A file in SYSVOL that could store a credential: a Group Policy Preferences XML file, a script, or the
    scripts.ini that passes scripts their parameters (id: its path below the SYSVOL share). Only where and what
    kind of credential is recorded, never its value."""

    kind: ClassVar[str] = "sysvol_file"
    plural: ClassVar[str] = "SYSVOL files"
    file_type: str | None = Field(
        default=None, description="Group Policy Preferences, script, or script parameters (scripts.ini)."
    )
    gpo: str | None = Field(default=None, description="The display name of the GPO whose folder holds it, if any.")
    size: int | None = Field(default=None, description="Bytes.")
    credentials: list[str] = Field(
        default_factory=list,
        description="Each stored credential as 'line N: what' (a cpassword, a net use password, ...), never the value.",
    )
    credentials_found: int | None = Field(
        default=None, description="How many lines store a credential; None when the file could not be searched."
    )


FACT_SETS: dict[str, type[FactRecord]] = {
    "directory.domain": Domain,
    "directory.password_policies": PasswordPolicy,
    "directory.users": User,
    "directory.account_policies": AccountPolicy,
    "directory.computers": Computer,
    "endpoints.hosts": Host,
    "gpo.ous": GpoContainer,
    "gpo.sysvol_files": SysvolFile,
}
"""Every fact set a rule may read, and the record type it holds."""


class FactSet(BaseModel):
    """The records of one fact set from one collection, with where and when they came from.

    ``error`` says why the whole set could not be collected; rules that read it then report ERROR.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    source: str
    collected_at: dt.datetime
    error: str | None = None
    records: tuple[FactRecord, ...] = ()
