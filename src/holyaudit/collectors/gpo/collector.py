"""The Group Policy collector: which GPOs reach the domain and each OU, and the settings they leave in force there.

GPO containers and links come from the directory over LDAP (the directory collector's connection code); the
GPOs' files (GptTmpl.inf, the machine and user Registry.pol) from SYSVOL over SMB, signed, with the same account.
Which OUs hold staff, pupils, computers and laptops comes from the directory collector's users and computers
(this collector's ``inputs_for``), and the domain object's password and log-off values are copied onto the domain's
record so rules can compare them with the GPOs'. Nothing here judges compliance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

import ldap3
from ldap3.protocol.microsoft import security_descriptor_control

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.dn import domain_name, parent_key
from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.gpo import extensions, gpttmpl, registry_pol, security, sysvol_files, wmi
from holyaudit.collectors.gpo.bitlocker import CONFIGURED, ENFORCED, NOTHING, BitLockerPolicy, bitlocker_policy
from holyaudit.collectors.gpo.effective import (
    CLIENT_DECIDES,
    SETTINGS,
    SOURCE_SUFFIX,
    Effective,
    GpoContent,
    GpoFile,
)
from holyaudit.collectors.gpo.estate_lock import estate_lock
from holyaudit.collectors.gpo.links import (
    AppliedGpo,
    Container,
    GpLinkError,
    Gpo,
    Inheritance,
    parse_gplink,
    resolve_inheritance,
)
from holyaudit.collectors.gpo.principals import Judged, judge, named, reaching
from holyaudit.collectors.gpo.security import SecurityFilter
from holyaudit.collectors.gpo.source import GpoSettings
from holyaudit.collectors.gpo.sysvol import Sysvol, SysvolFileError, unc_path
from holyaudit.collectors.gpo.tokens import Tokens, read_tokens
from holyaudit.collectors.interface import Check, Collector, Progress, RecordSink, Tally, TlsPolicy
from holyaudit.collectors.ldap import values
from holyaudit.collectors.ldap.connection import (
    Deadline,
    close,
    endpoint,
    open_connection,
    paged_search,
    read_base,
    search_with_controls,
)
from holyaudit.collectors.ldap.source import DirectorySettings
from holyaudit.errors import HolyauditError
from holyaudit.facts import Computer, Domain, FactRecord, FactSet, GpoContainer, User

INPUTS: Mapping[str, frozenset[str]] = {
    "directory.users": frozenset({"ou", "categories", "enabled"}),
    "directory.computers": frozenset({"ou", "categories", "enabled"}),
    "directory.domain": frozenset(
        {
            "min_pwd_length",
            "pwd_properties",
            "force_logoff",
            "max_pwd_age_days",
            "min_pwd_age_days",
            "pwd_history_length",
            "lockout_threshold",
            "lockout_duration_mins",
            "lockout_observation_window_mins",
        }
    ),
}
NOT_MODELLED = "not modelled: site-linked GPOs and the local GPO"
GRANT_READ = "grant the audit account Read on the GPO (docs/gpo.md: Reading every GPO)"
_GPO_ATTRS = [
    "cn",
    "displayName",
    "gPCFileSysPath",
    "flags",
    "versionNumber",
    "gPCMachineExtensionNames",
    "gPCUserExtensionNames",
    "gPCWQLFilter",
]
_WMI_ATTRS = ["msWMI-ID", "msWMI-Name", "msWMI-Parm2"]
_COMPLEXITY = 0x1
_STORE_CLEARTEXT = 0x10  # DOMAIN_PASSWORD_STORE_CLEARTEXT ([MS-SAMR] 2.2.3.8 pwdProperties)
_DOMAIN_COPIES = (
    # (this record's field, the Domain field it copies)
    ("domain_min_pwd_length", "min_pwd_length"),
    ("domain_force_logoff", "force_logoff"),
    ("domain_max_pwd_age_days", "max_pwd_age_days"),
    ("domain_min_pwd_age_days", "min_pwd_age_days"),
    ("domain_pwd_history_length", "pwd_history_length"),
    ("domain_lockout_threshold", "lockout_threshold"),
    ("domain_lockout_duration_mins", "lockout_duration_mins"),
    ("domain_lockout_window_mins", "lockout_observation_window_mins"),
)
_AGREEMENTS = (
    # (agreement field, the GPO's value, the domain object's value)
    ("min_password_length_agrees", "min_password_length", "domain_min_pwd_length"),
    ("password_complexity_agrees", "password_complexity", "domain_password_complexity"),
    ("max_password_age_agrees", "max_password_age_days", "domain_max_pwd_age_days"),
    ("min_password_age_agrees", "min_password_age_days", "domain_min_pwd_age_days"),
    ("password_history_agrees", "password_history_size", "domain_pwd_history_length"),
    ("lockout_threshold_agrees", "lockout_threshold", "domain_lockout_threshold"),
    ("lockout_duration_agrees", "lockout_duration_mins", "domain_lockout_duration_mins"),
    ("lockout_window_agrees", "lockout_window_mins", "domain_lockout_window_mins"),
    ("clear_text_password_agrees", "clear_text_password", "domain_clear_text_password"),
)


@dataclass(frozen=True)
class _GpoEntry:
    gpo: Gpo
    file_sys_path: str | None
    machine_extensions: str | None = None
    user_extensions: str | None = None
    version: int | None = None
    wmi_filter: str | None = None
    """The WMI filter that decides on each client whether the GPO applies, described with its queries."""
    wmi_filter_readable: bool = True
    security: SecurityFilter | None = None
    """Who may read and apply the GPO; None when ``unreadable`` says why it is not known."""
    unreadable: str | None = None
    """Why the GPO cannot be judged at all (its container or its DACL cannot be read by the audit account)."""


class GpoCollector(Collector):
    name = "gpo"

    def inputs_for(self, needs: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
        return INPUTS

    def __init__(
        self,
        directory: DirectorySettings,
        settings: GpoSettings,
        password: Secret | None,
        tls: TlsPolicy,
        clock: Callable[[], dt.datetime],
        deadline: Deadline | None = None,
    ) -> None:
        self.directory = directory
        self.settings = settings
        self.password = password
        self.tls = tls
        self.clock = clock
        self.deadline = deadline or Deadline()
        """The directory collector's, when the DC is the same: a DC it gave up on is not waited for again."""

    @property
    def smb_server(self) -> str:
        if self.directory.auth == "kerberos":  # the ticket is for cifs/<name>: a name, not an address
            return self.directory.kerberos_host or self.directory.server
        return self.directory.server

    def source(self) -> str:
        return f"{endpoint(self.directory)} + \\\\{self.smb_server}\\SYSVOL"

    def check(self, inputs: Mapping[str, FactSet]) -> Check:
        """Collect Group Policy as a scan does, but without the directory's users and computers (only the OUs'
        counts need them): every GPO and link over LDAP, then a SYSVOL session and each applied GPO's GPT.INI and
        policy files. A file or link that could not be read fails the check, as it would leave a scan's rules in
        ERROR."""
        try:
            (ous,) = self.collect({"gpo.ous": frozenset({"applied_gpos"})})
        except HolyauditError as exc:
            return Check(self.name, False, str(exc))
        containers = [record for record in ous.records if isinstance(record, GpoContainer)]
        applied = {name for record in containers for name in record.applied_gpos}
        problems = sorted(
            {record.error for record in containers if record.error}
            | {
                reason
                for record in containers
                for field, reason in record.unreadable.items()
                if field in SOURCE_SUFFIX and CLIENT_DECIDES not in reason  # a WMI filter: known only to clients
            }
        )
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            return Check(self.name, False, f"{self.source()}: {problems[0]}{more}")
        detail = (
            f"{self.source()}: read the links of {len(containers)} containers and the files of {len(applied)} "
            "applied GPOs"
        )
        return Check(self.name, True, detail)

    def collect(
        self,
        needs: Mapping[str, frozenset[str]],
        inputs: Mapping[str, FactSet] | None = None,
        progress: Progress | None = None,
        early: RecordSink | None = None,
    ) -> list[FactSet]:
        started = self.clock()
        tally = Tally(self.name, progress)
        if "gpo.ous" not in needs:
            return [self._sysvol_files(started, tally)] if "gpo.sysvol_files" in needs else []
        connection = open_connection(self.directory, self.password, self.tls, self.deadline)
        try:
            base, gpos, containers = self._read_directory(connection, tally)
            needs_tokens = any(entry.security and not entry.security.everyone_applies for entry in gpos.values())
            tokens = read_tokens(connection, base, self.directory.page_size) if needs_tokens else None
        finally:
            close(connection)
        resolved, broken, blocks = _resolve(base, containers, [entry.gpo for entry in gpos.values()])
        wanted = {dn_key(applied.gpo_dn) for inheritance in resolved.values() for applied in inheritance.applied}
        with self._sysvol() as sysvol:
            contents = {
                key: self._content(sysvol, gpos[key])
                for key in tally.each("read from SYSVOL", sorted(wanted & gpos.keys()))
            }
        filters = {key: entry.security for key, entry in gpos.items()}
        builder = _Builder(base, resolved, broken, blocks, contents, inputs or {}, self.settings.bitlocker_started_by)
        builder.filter_by_principal(filters, tokens)
        records = builder.records()
        ous = FactSet(name="gpo.ous", source=self.source(), collected_at=started, records=tuple(records))
        return [ous, *([self._sysvol_files(started, tally)] if "gpo.sysvol_files" in needs else [])]

    def _sysvol_files(self, started: dt.datetime, tally: Tally) -> FactSet:
        """Every SYSVOL file that could store a credential, searched (sysvol_files.py); each GPO's folder is named
        by the GPO's display name, read over LDAP."""
        connection = open_connection(self.directory, self.password, self.tls, self.deadline)
        try:
            root = read_base(connection, "", ["defaultNamingContext"])
            base = self.directory.base_dn or values.text((root.get("defaultnamingcontext") or [b""])[0])
            names = {
                values.text(cn).upper(): values.text(_first(raw, "displayName") or cn)
                for _, raw in paged_search(
                    connection,
                    f"CN=Policies,CN=System,{base}",
                    "(objectClass=groupPolicyContainer)",
                    ["cn", "displayName"],
                    self.directory.page_size,
                )
                if (cn := _first(raw, "cn"))
            }
        finally:
            close(connection)
        with self._sysvol() as sysvol:
            records = sysvol_files.scan(sysvol, domain_name(base), names, tally)
        return FactSet(name="gpo.sysvol_files", source=self.source(), collected_at=started, records=tuple(records))

    def _sysvol(self) -> Sysvol:
        protocol: Literal["ntlm", "kerberos"] = "kerberos" if self.directory.auth == "kerberos" else "ntlm"
        return Sysvol(
            self.smb_server,
            None if protocol == "kerberos" else self.directory.bind_user,
            None if protocol == "kerberos" else self.password,
            auth_protocol=protocol,
            encrypt=self.settings.encrypt,
            timeout_seconds=self.settings.timeout_seconds,
            port=self.settings.port,
            deadline=self.deadline,
        )

    def _read_directory(
        self, connection: ldap3.Connection, tally: Tally
    ) -> tuple[str, dict[str, _GpoEntry], list[tuple[str, str | None, str | None]]]:
        root = read_base(connection, "", ["defaultNamingContext"])
        found = root.get("defaultnamingcontext") or [b""]
        base = self.directory.base_dn or values.text(found[0])
        page = self.directory.page_size
        gpos: dict[str, _GpoEntry] = {}
        wql_filters: list[tuple[str, str | None]] = []
        policies = paged_search(
            connection, f"CN=Policies,CN=System,{base}", "(objectClass=groupPolicyContainer)", _GPO_ATTRS, page
        )
        for dn, raw in tally.each("GPOs", policies):
            name = values.text(_first(raw, "displayName") or _first(raw, "cn") or dn.encode())
            flags = _first(raw, "flags")
            path = _first(raw, "gPCFileSysPath")
            machine, user = _first(raw, "gPCMachineExtensionNames"), _first(raw, "gPCUserExtensionNames")
            version = _first(raw, "versionNumber")
            wql = _first(raw, "gPCWQLFilter")
            wql_filters.append((dn_key(dn), values.text(wql) if wql else None))
            gpos[dn_key(dn)] = _GpoEntry(
                Gpo(dn, name, int(flags) if flags is not None else 0),
                values.text(path) if path else None,
                values.text(machine) if machine else None,
                values.text(user) if user else None,
                int(version) if version is not None and version.lstrip(b"-").isdigit() else None,
            )
        _read_security(connection, base, page, gpos)
        if any(link for _, link in wql_filters):
            filters = _wmi_filters(connection, base, page)
            for key, link in wql_filters:
                if link:
                    described, readable = _wmi_filter(link, filters)
                    gpos[key] = replace(gpos[key], wmi_filter=described, wmi_filter_readable=readable)
        containers = []
        for dn, raw in paged_search(
            connection,
            base,
            "(|(objectClass=organizationalUnit)(objectClass=domainDNS))",
            ["gPLink", "gPOptions"],
            page,
        ):
            gplink, options = _first(raw, "gPLink"), _first(raw, "gPOptions")
            if dn_key(dn) != dn_key(base):
                tally.add("OUs")
            containers.append(
                (dn, values.text(gplink) if gplink else None, values.text(options) if options is not None else None)
            )
        _invisible_gpos(containers, gpos)
        return base, gpos, containers

    def _content(self, sysvol: Sysvol, entry: _GpoEntry) -> GpoContent:
        name = entry.gpo.display_name
        if entry.unreadable:
            return GpoContent(name, errors=dict.fromkeys(GpoFile, entry.unreadable))
        if not entry.file_sys_path:
            return GpoContent(
                name,
                errors=dict.fromkeys(GpoFile, "the GPO has no gPCFileSysPath"),
                wmi_filter=entry.wmi_filter,
                wmi_filter_readable=entry.wmi_filter_readable,
            )
        try:
            gpt_ini = sysvol.read(unc_path(entry.file_sys_path, sysvol.server, "GPT.INI"))
            if gpt_ini is None:
                missing = f"{entry.file_sys_path} has no GPT.INI: the GPO's folder is missing from SYSVOL"
                return GpoContent(name, errors=dict.fromkeys(GpoFile, missing))
        except SysvolFileError as exc:
            return GpoContent(name, errors=dict.fromkeys(GpoFile, f"GPT.INI could not be read: {exc}"))
        errors: dict[GpoFile, str] = {}
        parsed: dict[GpoFile, object] = {}
        for file in GpoFile:
            try:
                data = sysvol.read(unc_path(entry.file_sys_path, sysvol.server, file.value))
                if data is not None:
                    parsed[file] = (
                        gpttmpl.decode(data) if file == GpoFile.TEMPLATE else tuple(registry_pol.decode(data))
                    )
            except SysvolFileError as exc:
                errors[file] = f"{file.value} could not be read: {exc}"
            except (gpttmpl.GptTmplError, registry_pol.RegistryPolError) as exc:
                errors[file] = f"{file.value} is corrupt: {exc}"
        # A file whose extension the GPO does not list is never read by clients: it sets nothing, even if corrupt.
        skipped = extensions.not_applied(set(parsed) | set(errors), entry.machine_extensions, entry.user_extensions)
        for file in skipped:
            parsed.pop(file, None)
            errors.pop(file, None)
        gpt_version = extensions.gpt_ini_version(gpt_ini)
        stale = extensions.version_warning(name, entry.version, gpt_version)
        warnings = tuple(f"GPO '{name}': {reason}" for reason in skipped.values()) + ((stale,) if stale else ())
        template = parsed.get(GpoFile.TEMPLATE)
        machine = parsed.get(GpoFile.MACHINE_POL)
        user = parsed.get(GpoFile.USER_POL)
        return GpoContent(
            name,
            template if isinstance(template, gpttmpl.GptTmpl) else None,
            machine if isinstance(machine, tuple) else None,
            user if isinstance(user, tuple) else None,
            errors,
            warnings,
            {"directory": entry.version, "gpt_ini": gpt_version},
            entry.wmi_filter,
            entry.wmi_filter_readable,
        )


def _read_security(connection: ldap3.Connection, base: str, page: int, gpos: dict[str, _GpoEntry]) -> None:
    """Each GPO's DACL, read with the SD flags control asking for the DACL only (an ordinary account may read a
    DACL, but not the SACL a plain read of nTSecurityDescriptor asks for); a GPO whose DACL does not come back is
    marked unreadable, naming the permission to grant."""
    found: dict[str, bytes] = {}
    for dn, raw in search_with_controls(
        connection,
        f"CN=Policies,CN=System,{base}",
        "(objectClass=groupPolicyContainer)",
        ["nTSecurityDescriptor"],
        page,
        security_descriptor_control(sdflags=security.DACL_SECURITY_INFORMATION),
    ):
        if descriptor := _first(raw, "nTSecurityDescriptor"):
            found[dn_key(dn)] = descriptor
    for key, entry in gpos.items():
        if key not in found:
            why = f"the audit account cannot read the security descriptor of {entry.gpo.dn}"
            gpos[key] = replace(entry, unreadable=f"{why}, so whom it applies to is not known: {GRANT_READ}")
            continue
        try:
            gpos[key] = replace(entry, security=SecurityFilter(security.parse_dacl(found[key])))
        except security.SecurityDescriptorError as exc:
            gpos[key] = replace(entry, unreadable=f"{entry.gpo.dn}: {exc}")


def _invisible_gpos(containers: list[tuple[str, str | None, str | None]], gpos: dict[str, _GpoEntry]) -> None:
    """A GPO a gPLink names that the audit account cannot see (filtered without Read for it, or deleted without its
    links) is still applied by the clients it reaches: it is entered as a GPO nothing can be known about."""
    for container, gplink, _ in containers:
        try:
            links = parse_gplink(gplink)
        except GpLinkError:
            continue  # reported for the container by _resolve
        for link in links:
            key = dn_key(link.gpo_dn)
            if key not in gpos:
                name = link.gpo_dn.split(",", 1)[0].split("=", 1)[-1]
                why = (
                    f"it is linked at {container} but the audit account cannot see it (or it was deleted and the "
                    f"link left behind): {GRANT_READ}, or remove the link"
                )
                gpos[key] = _GpoEntry(Gpo(link.gpo_dn, name), None, unreadable=why)


def _wmi_filters(connection: ldap3.Connection, base: str, page: int) -> dict[str, wmi.WmiFilter | str]:
    """Every WMI filter by its GUID (upper case): the filter, or why its queries could not be read."""
    found: dict[str, wmi.WmiFilter | str] = {}
    for dn, raw in paged_search(
        connection, f"CN=SOM,CN=WMIPolicy,CN=System,{base}", "(objectClass=msWMI-Som)", _WMI_ATTRS, page
    ):
        guid, name, parm2 = (_first(raw, attribute) for attribute in _WMI_ATTRS)
        if guid is None:
            continue
        label = values.text(name) if name else dn
        try:
            found[values.text(guid).upper()] = wmi.WmiFilter(label, wmi.parse_queries(values.text(parm2 or b"")))
        except wmi.WmiFilterError as exc:
            found[values.text(guid).upper()] = f"WMI filter '{label}' whose queries cannot be read ({exc})"
    return found


def _wmi_filter(link: str, filters: dict[str, wmi.WmiFilter | str]) -> tuple[str, bool]:
    """A GPO's WMI filter described for a finding (its name and queries, or why they are not known), and whether
    it was read."""
    try:
        guid = wmi.filter_guid(link)
    except wmi.WmiFilterError as exc:
        return f"a WMI filter that cannot be read ({exc})", False
    found = filters.get(guid)
    if found is None:
        return f"WMI filter {guid}, which is not in the directory (or the audit account cannot read it)", False
    return (found, False) if isinstance(found, str) else (found.describe(), True)


def _first(raw: dict[str, list[bytes]], name: str) -> bytes | None:
    found = raw.get(name.lower())
    return found[0] if found else None


def _resolve(
    base: str, containers: list[tuple[str, str | None, str | None]], gpos: list[Gpo]
) -> tuple[dict[str, Inheritance], dict[str, str], dict[str, bool]]:
    """Each container's inheritance by DN, why any container's could not be worked out, and which block
    inheritance (both by DN key).

    A container whose own ``gPLink`` or ``gPOptions`` cannot be read makes it and everything below it unknown;
    an OU below a container that is neither an OU nor the domain is not modelled.
    """
    base_key = dn_key(base)
    parsed: dict[str, Container] = {}
    bad: dict[str, str] = {}
    for dn, gplink, options in containers:
        try:
            parsed[dn_key(dn)] = Container.from_attributes(dn, gplink, options)
        except GpLinkError as exc:
            bad[dn_key(dn)] = f"{dn}: {exc}"
            parsed[dn_key(dn)] = Container(dn)
    domain = parsed.get(base_key) or Container(base)
    broken: dict[str, str] = {}
    usable = []
    for key, container in parsed.items():
        if key == base_key:
            continue
        chain, reason = key, None
        while chain and chain != base_key:
            if chain in bad:
                reason = bad[chain]
            elif chain not in parsed:
                reason = f"it sits below {chain}, which is not an OU: its inheritance is not modelled"
                break
            chain = parent_key(chain)
        if reason is None and base_key in bad:
            reason = bad[base_key]
        if reason is not None:
            broken[key] = reason
        if chain == base_key:
            usable.append(container)
    if base_key in bad:
        broken[base_key] = bad[base_key]
    blocks = {key: container.block_inheritance for key, container in parsed.items()}
    return resolve_inheritance(domain, usable, gpos), broken, blocks


@dataclass(frozen=True)
class _Principal:
    """An enabled account or computer: its id, the container whose GPOs reach it and its token (None: not read)."""

    id: str
    kind: str
    holder: str
    token: frozenset[str] | None


_ANY_TOKEN = frozenset({security.EVERYONE, security.AUTHENTICATED_USERS})
"""Stands for every account when no applied GPO is security filtered."""
_USER_SPECS = tuple(spec for spec in SETTINGS if spec.half == "user")
_MACHINE_SPECS = tuple(spec for spec in SETTINGS if spec.half == "machine")
_POLICY_STRENGTH = {NOTHING: 0, CONFIGURED: 1, ENFORCED: 2}


class _Builder:
    """Turns resolved inheritance, GPO contents and the directory's inputs into records."""

    def __init__(
        self,
        base: str,
        resolved: dict[str, Inheritance],
        broken: dict[str, str],
        blocks: dict[str, bool],
        contents: dict[str, GpoContent],
        inputs: Mapping[str, FactSet],
        bitlocker_started_by: str | None = None,
    ) -> None:
        self.base_key = dn_key(base)
        self.bitlocker_started_by = bitlocker_started_by
        self.resolved = resolved
        self.broken = broken
        self.blocks = blocks
        self.contents = contents
        self.inputs = inputs
        self.keys = {dn_key(dn) for dn in resolved} | set(broken)
        self.by_key = {dn_key(dn): inheritance for dn, inheritance in resolved.items()}
        self.filters: dict[str, SecurityFilter | None] = {}
        self.tokens: Tokens | None = None
        self._principal_cache: list[_Principal] | None = None
        self._principal_problem = False

    def records(self) -> list[GpoContainer]:
        counts, count_problem = self._counts()
        domain_fields, domain_unreadable = self._domain()
        data: list[dict[str, object]] = []
        for dn, inheritance in sorted(self.resolved.items(), key=lambda item: item[0].count(",")):
            key = dn_key(dn)
            record: dict[str, object] = {"id": dn, "dn": dn, "is_domain": key == self.base_key}
            unreadable: dict[str, str] = {}
            if key in self.broken:
                record["error"] = self.broken[key]
            users, computers = self._lists(key, inheritance)
            judged = self._judge(key, inheritance, users, computers)
            effective = judged.effective
            record.update(self._links(inheritance, [*effective.deleted.values(), *self._secured(inheritance)]))
            record.update(self._client_side(inheritance))
            record["blocks_inheritance"] = self.blocks.get(key, False)
            record.update(effective.values)
            record.update({SOURCE_SUFFIX[name]: gpo for name, gpo in effective.set_by.items()})
            unreadable.update(effective.unreadable)
            record.update(self._bitlocker(computers, effective.values, unreadable, judged.varies))
            record["varies_by_principal"] = judged.varies
            record.update(self._filtering(inheritance, users, computers))
            if count_problem is None:
                record.update(counts.get(key, dict.fromkeys(("staff_users", "pupil_users", "computers", "laptops"), 0)))
            else:
                unreadable.update(dict.fromkeys(("staff_users", "pupil_users", "computers", "laptops"), count_problem))
            if key == self.base_key:
                record.update(domain_fields)
                unreadable.update(domain_unreadable)
                record.update(_agreement(record, unreadable))
            record["unreadable"] = unreadable
            data.append(record)
        for key, reason in self.broken.items():
            if not any(dn_key(str(record["dn"])) == key for record in data):
                data.append({"id": key, "dn": key, "error": reason})
        lock = estate_lock(data)
        for record in data:
            if "error" not in record:
                if isinstance(lock, str):
                    record["unreadable"]["all_computers_lock_within_secs"] = lock  # type: ignore[index]
                else:
                    record["all_computers_lock_within_secs"] = lock
        return [GpoContainer.model_validate(record) for record in data]

    def _bitlocker(
        self,
        computers: dict[str, tuple[AppliedGpo, ...]],
        values: dict[str, object],
        unreadable: dict[str, str],
        varies: dict[str, str],
    ) -> dict[str, object]:
        """Whether policy enforces OS-drive encryption or only configures BitLocker (the weakest any computer here
        gets), and the site's declaration."""
        outcomes: dict[tuple[str, ...], tuple[BitLockerPolicy, list[str]]] = {}
        for computer, applied in sorted(computers.items()):
            group = tuple(dn_key(gpo.gpo_dn) for gpo in applied)
            if group not in outcomes:
                required, why = values.get("bitlocker_os_drive_required"), unreadable.get("bitlocker_os_drive_required")
                if len(computers) > 1:
                    alone = judge({computer: applied}, self.contents, _MACHINE_SPECS).effective
                    required = alone.values.get("bitlocker_os_drive_required")
                    why = alone.unreadable.get("bitlocker_os_drive_required")
                outcomes[group] = (bitlocker_policy(applied, self.contents, required, why), [])
            outcomes[group][1].append(computer)
        ranked = sorted(outcomes.values(), key=lambda outcome: _POLICY_STRENGTH.get(outcome[0].policy or "", -1))
        found = ranked[0][0]
        if len({outcome.policy for outcome, _ in ranked}) > 1:
            who: dict[str, list[str]] = {}
            for outcome, names in ranked:
                who.setdefault(outcome.policy or "not known", []).extend(names)
            varies["bitlocker_os_drive_policy"] = "; ".join(
                f"{policy} for {named(names)}" for policy, names in who.items()
            )
        if found.unreadable:
            unreadable["bitlocker_os_drive_policy"] = found.unreadable
        fields: dict[str, object] = {
            "bitlocker_os_drive_policy": found.policy,
            "bitlocker_settings": found.settings,
            "bitlocker_settings_from": found.settings_from,
        }
        if self.bitlocker_started_by:
            fields["bitlocker_started_by"] = self.bitlocker_started_by
        return fields

    def filter_by_principal(self, filters: dict[str, SecurityFilter | None], tokens: Tokens | None) -> None:
        """Judge each container's accounts and computers by the GPOs their tokens may apply (``tokens`` None: no GPO
        is filtered, so any authenticated token stands for all)."""
        self.filters = filters
        self.tokens = tokens

    def _principals(self) -> list[_Principal] | None:
        """The enabled accounts and computers with the container that holds each and its token; None when the
        directory's users or computers could not be read."""
        if self._principal_cache is not None or self._principal_problem:
            return self._principal_cache
        found: list[_Principal] = []
        for fact_set, kind in (
            (self.inputs.get("directory.users"), "user"),
            (self.inputs.get("directory.computers"), "computer"),
        ):
            if fact_set is None or fact_set.error:
                self._principal_problem = True
                return None
            for record in fact_set.records:
                holder = self._holder(getattr(record, "ou", None))
                if holder is None or getattr(record, "enabled", None) is not True:
                    continue
                token: frozenset[str] | None = _ANY_TOKEN
                if self.tokens is not None:
                    token = self.tokens.token(record.id) or self.tokens.token(f"{record.id}$")
                found.append(_Principal(record.id, kind, holder, token))
        self._principal_cache = found
        return found

    def _lists(
        self, key: str, inheritance: Inheritance
    ) -> tuple[dict[str, tuple[AppliedGpo, ...]], dict[str, tuple[AppliedGpo, ...]]]:
        """The GPOs that reach each enabled account and each enabled computer in the container, by id; a container
        with none of one kind is judged with every applied GPO, under the id ''."""
        applied = inheritance.applied
        lists: dict[str, dict[str, tuple[AppliedGpo, ...]]] = {"user": {}, "computer": {}}
        for principal in self._principals() or ():
            if principal.holder == key:
                token = principal.token if principal.token is not None else _ANY_TOKEN
                lists[principal.kind][principal.id] = reaching(applied, token, self.filters)
        return lists["user"] or {"": applied}, lists["computer"] or {"": applied}

    def _judge(
        self,
        key: str,
        inheritance: Inheritance,
        users: dict[str, tuple[AppliedGpo, ...]],
        computers: dict[str, tuple[AppliedGpo, ...]],
    ) -> Judged:
        """The settings every account and computer here is sure to get; with loopback processing on the computers
        here, the user settings are those of every account signing in on them."""
        user = judge(users, self.contents, _USER_SPECS)
        machine = judge(computers, self.contents, _MACHINE_SPECS)
        unknown = self._unknown_tokens(key, inheritance)
        if "" not in computers:
            mode = machine.effective.values.get("loopback_mode")
            why = machine.effective.unreadable.get("loopback_mode")
            if why:
                reason = f"whether loopback processing applies on the computers here is not known: {why}"
                user = Judged(
                    replace(
                        user.effective,
                        values={},
                        set_by={},
                        deleted={},
                        unreadable=dict.fromkeys((spec.field for spec in _USER_SPECS), reason),
                    )
                )
            elif mode in ("merge", "replace"):
                user = self._loopback(inheritance, users, str(mode))
        values = {**user.effective.values, **machine.effective.values}
        set_by = {**user.effective.set_by, **machine.effective.set_by}
        unreadable = {**user.effective.unreadable, **machine.effective.unreadable}
        for half, reason in unknown.items():
            unreadable.update(dict.fromkeys((spec.field for spec in SETTINGS if spec.half == half), reason))
        deleted = {**user.effective.deleted, **machine.effective.deleted}
        return Judged(Effective(values, set_by, unreadable, deleted), {**user.varies, **machine.varies})

    def _loopback(self, inheritance: Inheritance, users: dict[str, tuple[AppliedGpo, ...]], mode: str) -> Judged:
        """User settings for every enabled account signing in on this container's computers ([MS-GPOL] 3.2.1.3):
        replace applies the computer's GPO list to the user; merge appends it to the user's own list, so the
        computer's GPOs win. Each list is filtered by the user's own token (the user is the policy target). The
        container's own accounts are judged on other computers too."""
        lists: dict[str, tuple[AppliedGpo, ...]] = {}
        for principal in self._principals() or ():
            if principal.kind != "user":
                continue
            own = self.by_key.get(principal.holder)
            candidates = inheritance.applied + (own.applied if mode == "merge" and own is not None else ())
            why = None
            if mode == "merge" and own is None:
                why = f"the GPOs of {principal.holder}, which holds {principal.id}, are not known"
            elif principal.token is None and any(self._filtered(gpo) for gpo in candidates):
                why = f"the groups of {principal.id} could not be read, so which filtered GPOs reach it is not known"
            if why:
                reason = f"loopback {mode} on the computers here: {why}"
                unknown = dict.fromkeys((spec.field for spec in _USER_SPECS), reason)
                return Judged(Effective({}, {}, unknown))
            lists[principal.id] = reaching(candidates, principal.token or _ANY_TOKEN, self.filters)
        for user, applied in users.items():
            if user:
                lists[f"{user} (on other computers)"] = applied
        return judge(lists or users, self.contents, _USER_SPECS)

    def _filtered(self, gpo: AppliedGpo) -> bool:
        """Whether a GPO's DACL keeps it from some accounts."""
        found = self.filters.get(dn_key(gpo.gpo_dn))
        return found is not None and not found.everyone_applies

    def _unknown_tokens(self, key: str, inheritance: Inheritance) -> dict[str, str]:
        """Why a half's settings are unknown here: an account or computer whose groups were not read, while a GPO
        that not every account gets applies."""
        filtered = [gpo.display_name for gpo in inheritance.applied if self._filtered(gpo)]
        if not filtered:
            return {}
        reasons: dict[str, str] = {}
        for principal in self._principals() or ():
            if principal.holder == key and principal.token is None:
                half = "user" if principal.kind == "user" else "machine"
                reasons.setdefault(
                    half,
                    f"the groups of {principal.id} could not be read, so whether GPO '{filtered[0]}' (security "
                    "filtered) reaches it is not known",
                )
        return reasons

    def _filtering(
        self,
        inheritance: Inheritance,
        users: dict[str, tuple[AppliedGpo, ...]],
        computers: dict[str, tuple[AppliedGpo, ...]],
    ) -> dict[str, object]:
        """The applied GPOs that not every account gets (who holds Apply Group Policy), and for each the accounts
        or computers here it misses among those its settings are for."""
        described: dict[str, str] = {}
        missed: dict[str, list[str]] = {}
        names = self.tokens.names if self.tokens is not None else {}
        for gpo in inheritance.applied:
            found = self.filters.get(dn_key(gpo.gpo_dn))
            if found is None or found.everyone_applies:
                continue
            described[gpo.display_name] = found.describe(names)
            content = self.contents.get(dn_key(gpo.gpo_dn))
            targets = []
            if content is not None and content.user is not None:
                targets += [user for user, applied in users.items() if user and gpo not in applied]
            if content is not None and (content.machine is not None or content.template is not None):
                targets += [computer for computer, applied in computers.items() if computer and gpo not in applied]
            if targets:
                missed[gpo.display_name] = sorted(targets)
        return {"security_filters": described, "not_reached": missed}

    def _client_side(self, inheritance: Inheritance) -> dict[str, object]:
        """The applied GPOs' warnings (files clients skip, SYSVOL behind the directory), their versions and their
        WMI filters."""
        warnings: list[str] = []
        versions: dict[str, dict[str, int | None]] = {}
        for applied in inheritance.applied:
            content = self.contents.get(dn_key(applied.gpo_dn))
            if content is not None:
                warnings += content.warnings
                if content.versions:
                    versions[applied.display_name] = content.versions
        filters = {
            applied.display_name: content.wmi_filter
            for applied in inheritance.applied
            if (content := self.contents.get(dn_key(applied.gpo_dn))) is not None and content.wmi_filter
        }
        return {"warnings": warnings, "gpo_versions": versions, "wmi_filters": filters}

    def _secured(self, inheritance: Inheritance) -> list[str]:
        """**SecureKey entries of the applied GPOs: recorded, as they change a key's ACL and no value."""
        notes = []
        for applied in inheritance.applied:
            content = self.contents.get(dn_key(applied.gpo_dn))
            for half, entries in (("HKLM", content and content.machine), ("HKCU", content and content.user)):
                for key in registry_pol.secure_keys(entries or ()):
                    notes.append(f"GPO '{applied.display_name}' secures {half}\\{key} (**SecureKey)")
        return notes

    @staticmethod
    def _links(inheritance: Inheritance, remarks: list[str]) -> dict[str, object]:
        notes = [NOT_MODELLED]
        for applied in inheritance.applied:
            for half, enabled in (
                ("user", applied.user_settings_enabled),
                ("computer", applied.computer_settings_enabled),
            ):
                if not enabled:
                    notes.append(f"GPO '{applied.display_name}' has its {half} settings disabled")
        skipped = []
        for link in inheritance.skipped:
            name = f"'{link.display_name}'" if link.display_name else link.gpo_dn
            why = f"{link.reason.value} at {link.blocked_at}" if link.blocked_at else link.reason.value
            skipped.append(f"{name} linked at {link.linked_at}: {why}")
        return {
            "applied_gpos": [applied.display_name for applied in inheritance.applied],
            "enforced_gpos": [applied.display_name for applied in inheritance.applied if applied.enforced],
            "skipped_links": skipped,
            "notes": [*notes, *remarks],
        }

    def _holder(self, ou: str | None) -> str | None:
        """The record an object's container belongs to: its own OU, or the nearest one above (CN=Users -> domain)."""
        key = dn_key(ou or "")
        while key and key not in self.keys:
            key = parent_key(key)
        return key or None

    def _counts(self) -> tuple[dict[str, dict[str, int]], str | None]:
        users, computers = self.inputs.get("directory.users"), self.inputs.get("directory.computers")
        for name, fact_set in (("users", users), ("computers", computers)):
            if fact_set is None or fact_set.error:
                why = fact_set.error if fact_set is not None else "not collected"
                return {}, f"the directory's {name} could not be read: {why}"
        counts: dict[str, dict[str, int]] = {}

        def add(records: Iterable[FactRecord], fields: Callable[[FactRecord], list[str]]) -> None:
            for record in records:
                holder = self._holder(getattr(record, "ou", None))
                if holder is None or getattr(record, "enabled", None) is not True:
                    continue
                tally = counts.setdefault(
                    holder, dict.fromkeys(("staff_users", "pupil_users", "computers", "laptops"), 0)
                )
                for field in fields(record):
                    tally[field] += 1

        def user_fields(record: FactRecord) -> list[str]:
            roles = record.categories if isinstance(record, User) else []
            return [field for role, field in (("staff", "staff_users"), ("pupil", "pupil_users")) if role in roles]

        def computer_fields(record: FactRecord) -> list[str]:
            roles = record.categories if isinstance(record, Computer) else []
            return ["computers", *(["laptops"] if "laptop" in roles else [])]

        assert users is not None
        assert computers is not None
        add(users.records, user_fields)
        add(computers.records, computer_fields)
        return counts, None

    def _domain(self) -> tuple[dict[str, object], dict[str, str]]:
        names = [ours for ours, _ in _DOMAIN_COPIES] + ["domain_password_complexity", "domain_clear_text_password"]
        fact_set = self.inputs.get("directory.domain")
        domain = fact_set.records[0] if fact_set is not None and fact_set.records else None
        if fact_set is None or fact_set.error or not isinstance(domain, Domain):
            why = fact_set.error if fact_set is not None and fact_set.error else "not collected"
            return {}, dict.fromkeys(names, f"the domain object could not be read: {why}")
        unreadable = {}
        fields: dict[str, object] = {}
        for ours, theirs in _DOMAIN_COPIES:
            fields[ours] = getattr(domain, theirs)
            if theirs in domain.unreadable:
                unreadable[ours] = domain.unreadable[theirs]
        props = domain.pwd_properties
        for ours, bit in (
            ("domain_password_complexity", _COMPLEXITY),
            ("domain_clear_text_password", _STORE_CLEARTEXT),
        ):
            fields[ours] = None if props is None else bool(props & bit)
            if "pwd_properties" in domain.unreadable:
                unreadable[ours] = domain.unreadable["pwd_properties"]
        return fields, unreadable


def _agreement(record: dict[str, object], unreadable: dict[str, str]) -> dict[str, object]:
    """Whether each of the GPO's password values equals the domain object's; None when either is not known."""
    result: dict[str, object] = {}
    for field, ours, theirs in _AGREEMENTS:
        reasons = [unreadable[name] for name in (ours, theirs) if name in unreadable]
        if reasons:
            unreadable[field] = "; ".join(reasons)
        elif record.get(ours) is not None and record.get(theirs) is not None:
            result[field] = record[ours] == record[theirs]
    return result
