"""The directory collector: domain, fine-grained password policies, users and computers from AD over LDAP.

Each object class is read once, with a paged search for just the attributes the fact records need. Values
are decoded here (``values.py``); site roles (staff, pupil, generic, laptop) come from the config's
selectors. Nothing here judges compliance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache, cached_property

import ldap3
from ldap3.utils.conv import escape_filter_chars

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.dn import InvalidDnError, domain_name, first_value, key_once, parent_key
from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.dn import parent as parent_dn
from holyaudit.collectors.interface import Check, Collector, Progress, RecordSink, Tally
from holyaudit.collectors.ldap import accounts, values
from holyaudit.collectors.ldap.computer_ids import Account, computer_ids
from holyaudit.collectors.ldap.connection import (
    Deadline,
    DirectoryError,
    Entry,
    TlsPolicy,
    close,
    endpoint,
    open_connection,
    paged_search,
    read_base,
)
from holyaudit.collectors.ldap.partitions import PartitionedSearch
from holyaudit.collectors.ldap.password_text import TEXT_ATTRIBUTES, PasswordText
from holyaudit.collectors.ldap.privileged import Privileged, read_privileged, sid_text
from holyaudit.collectors.ldap.source import PROVIDES, DirectorySettings, Selector
from holyaudit.errors import HolyauditError
from holyaudit.facts import AccountPolicy, Computer, Domain, FactRecord, FactSet, PasswordPolicy, User
from holyaudit.lifecycle import LIFECYCLE_FIELDS, lifecycle_fields
from holyaudit.patterns import compile_pattern

_ORDER = (
    "directory.domain",
    "directory.users",
    "directory.password_policies",
    "directory.computers",
    "directory.account_policies",
)
"""The order the fact sets are returned in."""
USERS_FILTER = "(&(objectCategory=person)(objectClass=user))"
LAPS_EXPIRES = "msLAPS-PasswordExpirationTime"
LEGACY_LAPS_EXPIRES = "ms-Mcs-AdmPwdExpirationTime"
"""When each LAPS will next change a computer's local administrator password; the passwords are never read."""
_PRIVILEGED_FIELDS = frozenset({"privileged", "privileged_groups"})

_DOMAIN_ATTRS = [
    "minPwdLength",
    "pwdProperties",
    "maxPwdAge",
    "minPwdAge",
    "lockoutThreshold",
    "lockoutDuration",
    "lockOutObservationWindow",
    "pwdHistoryLength",
    "forceLogoff",
]
_USER_FIELDS: dict[str, tuple[str, ...]] = {
    "display_name": ("displayName",),
    "upn": ("userPrincipalName",),
    "employee_id": ("employeeID",),
    "categories": ("memberOf",),
    "groups": ("memberOf",),
    "enabled": ("userAccountControl",),
    "uac": ("userAccountControl",),
    "pwd_last_set": ("pwdLastSet",),
    "must_change_password": ("pwdLastSet",),
    "must_change_since": ("pwdLastSet", "replPropertyMetaData", "whenCreated"),
    "last_logon": ("lastLogonTimestamp",),
    "created": ("whenCreated",),
    "account_expires": ("accountExpires",),
    "logon_hours": ("logonHours",),
    "disabled_at": ("userAccountControl", "replPropertyMetaData"),
    "privileged": (),  # from the privileged groups' own searches (privileged.py)
    "privileged_groups": (),
    "password_text_in": TEXT_ATTRIBUTES,
    "password_policy": ("memberOf",),
    "policy_max_pwd_age_days": ("memberOf",),
    "policy_reversible_encryption": ("memberOf",),
}
"""The LDAP attributes each user field is made from: a scan asks only for those its rules read."""
_COMPUTER_FIELDS: dict[str, tuple[str, ...]] = {
    "dns_host_name": ("dNSHostName",),
    "categories": ("memberOf",),
    "enabled": ("userAccountControl",),
    "uac": ("userAccountControl",),
    "operating_system": ("operatingSystem",),
    "os_version": ("operatingSystemVersion",),
    "last_logon": ("lastLogonTimestamp",),
    "domain_controller": ("userAccountControl",),
    "laps_expires": (LAPS_EXPIRES,),
    "legacy_laps_expires": (LEGACY_LAPS_EXPIRES,),
    "password_text_in": TEXT_ATTRIBUTES,
    "created": ("whenCreated",),
    **dict.fromkeys(LIFECYCLE_FIELDS, ("operatingSystem", "operatingSystemVersion")),
}


_CHANGE_TIMES = frozenset({values.ATTID_USER_ACCOUNT_CONTROL, values.ATTID_PWD_LAST_SET})


def attributes_for(fields: Iterable[str], table: dict[str, tuple[str, ...]], always: str) -> list[str]:
    return sorted({always, *(a for f in fields for a in table.get(f, ()))})


def only(fields: frozenset[str], data: dict[str, object]) -> dict[str, object]:
    """A record's values limited to the fields that were asked for (the others were not read)."""
    keep = _kept(fields)
    kept = {k: v for k, v in data.items() if k in keep}
    unreadable = data.get("unreadable") or {}
    kept["unreadable"] = {k: v for k, v in unreadable.items() if k in fields}  # type: ignore[attr-defined]
    return kept


@cache
def _kept(fields: frozenset[str]) -> frozenset[str]:
    """The fields ``only`` keeps: those asked for, and those every record has."""
    return fields | {"id", "dn", "ou", "error"}


class SharedFieldsSets:
    """Records' sets of given field names, one shared set per distinct set.

    pydantic keeps on every record the names of the fields it was given (a set of 17 names, 728 bytes, per user),
    and a scan's accounts were all given the same ones. Records are frozen, and pydantic never changes that set in
    place (a copy, even an updated one, copies it first), so records given the same fields can share one.
    """

    def __init__(self) -> None:
        self._known: dict[frozenset[str], set[str]] = {}

    def __call__(self, record: FactRecord) -> None:
        given = record.__pydantic_fields_set__
        shared = self._known.setdefault(frozenset(given), given)
        if shared is not given:
            object.__setattr__(record, "__pydantic_fields_set__", shared)


_PSO_ATTRS = [
    "cn", "msDS-PasswordSettingsPrecedence", "msDS-MinimumPasswordLength", "msDS-PasswordComplexityEnabled",
    "msDS-PSOAppliesTo",
    "msDS-LockoutThreshold", "msDS-LockoutDuration", "msDS-PasswordReversibleEncryptionEnabled",
    "msDS-MaximumPasswordAge",
]  # fmt: skip
POLICY_FIELDS = frozenset(accounts.USER_POLICY_FIELDS)
"""User fields that come from the account policy governing the user."""


def _user_fields(needs: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The user fields to read: the rules' own, and the groups when the password policies are wanted (to resolve
    which users each one governs)."""
    fields = needs.get("directory.users", frozenset())
    return fields | {"groups"} if "directory.password_policies" in needs else fields


def _needs_policy_entries(needs: Mapping[str, frozenset[str]]) -> bool:
    """Whether the PSOs are read: for their own fact sets, or to say which one governs each user."""
    wanted = {"directory.password_policies", "directory.account_policies"}
    return bool(wanted & needs.keys() or POLICY_FIELDS & needs.get("directory.users", frozenset()))


def naming_context(connection: ldap3.Connection) -> str:
    """The directory's own naming context (its base DN), from the rootDSE."""
    return values.text(_first(read_base(connection, "", ["defaultNamingContext"]), "defaultNamingContext") or b"")


def _first(raw: dict[str, list[bytes]], name: str) -> bytes | None:
    found = raw.get(name.lower())
    return found[0] if found else None


def _account(dn: str, raw: dict[str, list[bytes]]) -> Account:
    sam = _first(raw, "sAMAccountName")
    return Account(dn, values.text(_first(raw, "cn") or dn.encode()), values.text(sam) if sam else None)


def _all(raw: dict[str, list[bytes]], name: str) -> list[bytes]:
    return raw.get(name.lower(), [])


@dataclass(frozen=True)
class Groups:
    """Every group's name and the groups it is itself a member of, for nested membership."""

    names: dict[str, str]
    parents: dict[str, list[str]]
    _known: dict[tuple[bytes, ...], list[str]] = field(default_factory=dict, compare=False, repr=False)
    """Closures already worked out, by the memberOf values as read: most accounts share theirs with many others
    (a year group's pupils, say)."""

    def of(self, member_of: list[bytes]) -> list[str]:
        """The names of every group an object is in, directly or nested, from its memberOf values as read (sorted;
        shared by every object with the same values, so not to be changed)."""
        key = tuple(member_of)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self.closure(values.text(v) for v in member_of)
        return found

    def closure(self, direct: Iterable[str]) -> list[str]:
        seen: dict[str, None] = {}
        pending = [dn_key(d) for d in direct]
        while pending:
            dn = pending.pop()
            if dn in seen:
                continue
            seen[dn] = None
            pending.extend(self.parents.get(dn, []))
        return sorted(self.names.get(dn, dn) for dn in seen)


class _Accounts:
    """The users' ids by the groups they are in (nested membership included) and by DN key, each worked out when
    first asked for: a pass over every user, made once however many password policies apply to groups or users."""

    def __init__(self, users: list[User]) -> None:
        self._users = users

    @cached_property
    def in_group(self) -> dict[str, list[str]]:
        """By the group's name, casefolded."""
        members: dict[str, list[str]] = defaultdict(list)
        for user in self._users:
            for group in {g.casefold() for g in user.groups}:
                members[group].append(user.id)
        return members

    @cached_property
    def by_dn(self) -> dict[str, str]:
        return {key_once(u.dn): u.id for u in self._users if u.dn and not u.error}


class Roles:
    """The config's site-role selectors, prepared once per collection: which roles an object has."""

    def __init__(self, selectors: dict[str, Selector]) -> None:
        self._roles = [
            (
                role,
                tuple("," + dn_key(ou) for ou in selector.ous),
                frozenset(g.casefold() for g in selector.groups),
                compile_pattern(selector.name_pattern) if selector.name_pattern is not None else None,
            )
            for role, selector in selectors.items()
        ]

    def of(self, name: str, key: str, groups: list[str]) -> list[str]:
        """The roles of an object whose DN's key is ``key``: the DN is below one of a role's OUs, the object is in
        one of the role's groups (by name, nested membership included), or its name matches the role's pattern."""
        member_of: set[str] | None = None
        found = []
        for role, ous, wanted_groups, pattern in self._roles:
            if key.endswith(ous):
                found.append(role)
                continue
            if wanted_groups:
                if member_of is None:
                    member_of = {g.casefold() for g in groups}
                if not wanted_groups.isdisjoint(member_of):
                    found.append(role)
                    continue
            if pattern is not None and pattern.search(name):
                found.append(role)
        return found


class DirectoryCollector(Collector):
    name = "directory"

    def __init__(
        self,
        settings: DirectorySettings,
        password: Secret | None,
        tls: TlsPolicy,
        clock: Callable[[], dt.datetime],
        deadline: Deadline | None = None,
    ) -> None:
        self.settings = settings
        self.password = password
        self.tls = tls
        self.clock = clock
        self.deadline = deadline or Deadline()
        """Shared by every connection to the DC, the Group Policy collector's too (``deadline.py``)."""

    def collect(
        self,
        needs: Mapping[str, frozenset[str]],
        inputs: Mapping[str, FactSet] | None = None,
        progress: Progress | None = None,
        early: RecordSink | None = None,
    ) -> list[FactSet]:
        wanted = {name: fields for name, fields in needs.items() if name in PROVIDES}
        if not wanted:
            return []
        # The users' parts are searched on connections of their own before anything else, even this collector's
        # own connection: the DC works out their results (on Samba, about half a second for 10,000 users before
        # the first page) while everything else is read on that connection, and the computers are judged.
        user_fields = _user_fields(wanted)
        with self._user_search(user_fields) if user_fields else nullcontext() as search:
            if search is not None:
                search.wait_sent()  # so this connection goes to a server process that is free (PartitionedSearch)
            connection = self._open()
            try:
                tally = Tally(self.name, progress)
                return _Reader(connection, self._open, self.settings, self.clock, tally, early).read(wanted, search)
            finally:
                close(connection)

    def source(self) -> str:
        return endpoint(self.settings)

    def check(self, inputs: Mapping[str, FactSet]) -> Check:
        """Bind, and read the domain object's password settings."""
        try:
            (domain_set,) = self.collect({"directory.domain": frozenset({"min_pwd_length"})})
        except HolyauditError as exc:
            return Check(self.name, False, str(exc))
        (domain,) = domain_set.records
        assert isinstance(domain, Domain)
        return Check(self.name, True, f"{self.source()}: bound, and read the domain object {domain.base_dn}")

    def _user_search(self, fields: frozenset[str]) -> PartitionedSearch:
        """The users' search for ``fields`` (started when its block is entered)."""
        settings = self.settings
        leaving = settings.leaving_date if "leaving_date" in fields else None
        attributes = attributes_for(fields, _USER_FIELDS, "sAMAccountName") + ([leaving.attribute] if leaving else [])
        base = settings.base_dn or naming_context
        return PartitionedSearch(
            self._open, base, USERS_FILTER, attributes, settings.page_size, settings.search_connections
        )

    def _open(self) -> ldap3.Connection:
        return open_connection(self.settings, self.password, self.tls, self.deadline)


class _Reader:
    """One collection run over an open connection."""

    def __init__(
        self,
        connection: ldap3.Connection,
        open_more: Callable[[], ldap3.Connection],
        settings: DirectorySettings,
        clock: Callable[[], dt.datetime],
        tally: Tally,
        early: RecordSink | None = None,
    ) -> None:
        self.connection = connection
        self.open_more = open_more
        self.settings = settings
        self.clock = clock
        self.tally = tally
        self.early = early
        self.source = endpoint(settings)
        self.roles = Roles(settings.categories)
        self.password_text = PasswordText(settings.password_text_patterns)
        self.privileged = Privileged({})
        root = read_base(connection, "", ["defaultNamingContext", "schemaNamingContext"])
        self.base = settings.base_dn or values.text(_first(root, "defaultNamingContext") or b"")
        self.schema = values.text(_first(root, "schemaNamingContext") or b"")
        self.governing: accounts.Governing | None = None
        """Which account policy governs each user, when a rule reads that."""
        self._ous: dict[str, str] = {}
        self._share_fields = SharedFieldsSets()

    def _ou(self, dn: str) -> str:
        """The DN of the object's container, as one string shared by every object of that OU (a school's accounts
        are in a few dozen OUs)."""
        ou = parent_dn(dn)
        return self._ous.setdefault(ou, ou)

    def _search(
        self, search_filter: str, attributes: list[str], base: str | None = None, scope: str = ldap3.SUBTREE
    ) -> Iterable[Entry]:
        base = base or self.base
        return paged_search(self.connection, base, search_filter, attributes, self.settings.page_size, scope=scope)

    def _fact_set(self, name: str, records: Sequence[FactRecord]) -> FactSet:
        return FactSet(name=name, source=self.source, collected_at=self.clock(), records=tuple(records))

    def read(self, needs: Mapping[str, frozenset[str]], search: PartitionedSearch | None) -> list[FactSet]:
        """The fact sets ``needs`` asks for; the users from ``search`` (already started), if they are needed."""
        user_fields = _user_fields(needs)
        computer_fields = needs.get("directory.computers", frozenset())
        result: dict[str, FactSet] = {}
        groups = Groups({}, {})
        if {"categories", "groups", *_PRIVILEGED_FIELDS, *POLICY_FIELDS} & (user_fields | computer_fields):
            groups = self._groups()  # before any user record is made: each needs its nested groups
        missing_attribute = self._leaving_date_problem() if "leaving_date" in user_fields else None
        if _PRIVILEGED_FIELDS & user_fields:
            self.privileged = self._privileged(groups)  # before any user record: each needs its groups' sizes
        wants_policies = bool(POLICY_FIELDS & user_fields) or "directory.account_policies" in needs
        domain = self._domain() if "directory.domain" in needs or wants_policies else None
        if "directory.domain" in needs and domain is not None:
            result["directory.domain"] = self._fact_set("directory.domain", [domain])
        policy_entries: list[Entry] | DirectoryError = []
        if _needs_policy_entries(needs):
            try:
                policy_entries = self._policy_entries()
            except DirectoryError as exc:  # only the sets built from it are lost; the rest is still read
                policy_entries = exc
        if wants_policies and domain is not None:
            psos = self._account_policies(policy_entries)
            self.governing = accounts.Governing(accounts.domain_policy(domain), psos, groups.names)
            if "directory.account_policies" in needs:
                result["directory.account_policies"] = self._account_policy_set(self.governing)
        if "directory.computers" in needs:
            computers = self._computers(groups, computer_fields)
            result["directory.computers"] = self._fact_set("directory.computers", computers)
            if self.early is not None:
                self.early("directory.computers", computers)
        early = self.early if "directory.users" in needs else None
        users = self._users(search, groups, user_fields, missing_attribute, early) if search is not None else []
        if "directory.users" in needs:
            result["directory.users"] = self._fact_set("directory.users", users)
        if "directory.password_policies" in needs:
            result["directory.password_policies"] = self._policies(policy_entries, groups, users)
        return [result[name] for name in _ORDER if name in result]

    def _domain(self) -> Domain:
        raw = read_base(self.connection, self.base, _DOMAIN_ATTRS)
        unreadable = {}

        def get(attr: str, field: str, decode: Callable[[bytes], object]) -> object:
            value = _first(raw, attr)
            if value is None:
                unreadable[field] = f"{attr} was not returned by the directory"
                return None
            return decode(value)

        fields = {
            "min_pwd_length": get("minPwdLength", "min_pwd_length", values.integer),
            "pwd_properties": get("pwdProperties", "pwd_properties", values.integer),
            "max_pwd_age_days": get("maxPwdAge", "max_pwd_age_days", values.interval_days),
            "min_pwd_age_days": get("minPwdAge", "min_pwd_age_days", values.interval_days),
            "lockout_threshold": get("lockoutThreshold", "lockout_threshold", values.integer),
            "lockout_duration_mins": get("lockoutDuration", "lockout_duration_mins", values.interval_minutes),
            "lockout_observation_window_mins": get(
                "lockOutObservationWindow", "lockout_observation_window_mins", values.interval_minutes
            ),
            "pwd_history_length": get("pwdHistoryLength", "pwd_history_length", values.integer),
            "force_logoff": get("forceLogoff", "force_logoff", values.force_logoff),
        }
        return Domain.model_validate(
            {"id": domain_name(self.base), "base_dn": self.base, "unreadable": unreadable, **fields}
        )

    def _groups(self) -> Groups:
        names, parents = {}, {}
        for dn, raw in self.tally.each("groups", self._search("(objectClass=group)", ["sAMAccountName", "memberOf"])):
            key = dn_key(dn)
            names[key] = values.text(_first(raw, "sAMAccountName") or dn.encode())
            parents[key] = [dn_key(values.text(p)) for p in _all(raw, "memberOf")]
        return Groups(names, parents)

    def _privileged(self, groups: Groups) -> Privileged:
        raw_sid = _first(read_base(self.connection, self.base, ["objectSid"]), "objectSid")
        if raw_sid is None:  # without it the domain's own privileged groups cannot be told apart
            raise DirectoryError(f"cannot read the domain's objectSid at {self.base}")

        def search(base: str, search_filter: str, attributes: list[str], scope: str) -> Iterable[Entry]:
            return self._search(search_filter, attributes, base, scope)

        return read_privileged(search, self.base, sid_text(raw_sid), groups.names.keys())

    def _leaving_date_problem(self) -> str | None:
        """Why the configured leaving-date attribute cannot be read at all, or None if it can."""
        config = self.settings.leaving_date
        if config is None:
            return None
        found = list(self._search(f"(lDAPDisplayName={escape_filter_chars(config.attribute)})", ["cn"], self.schema))
        return None if found else f"attribute {config.attribute} is not in the directory schema"

    def _users(
        self,
        search: PartitionedSearch,
        groups: Groups,
        fields: frozenset[str],
        missing_attribute: str | None,
        early: RecordSink | None,
    ) -> list[User]:
        parts: list[list[User]] = [[] for _ in range(self.settings.search_connections)]
        for part, page in search:
            users = [
                User.model_validate(only(fields, self._user(dn, raw, groups, missing_attribute))) for dn, raw in page
            ]
            for user in users:
                self._share_fields(user)
            parts[part].extend(users)
            self.tally.add("users", len(page))
            if early is not None:  # judged now, while the readers wait for the next pages
                early("directory.users", users)
        return [user for part in parts for user in part]  # each part in the server's order: the same every run

    def _user(
        self, dn: str, raw: dict[str, list[bytes]], groups: Groups, missing_attribute: str | None
    ) -> dict[str, object]:
        """Every user field that the attributes read can give; the caller keeps the ones asked for."""
        # Each attribute's first value, by lower-case name, in one pass: a dozen lookups per user otherwise.
        first = {attribute: found[0] for attribute, found in raw.items() if found}
        name = values.text(first.get("samaccountname") or dn.encode())
        unreadable: dict[str, str] = {}
        uac_raw = first.get("useraccountcontrol")
        uac = int(uac_raw) if uac_raw is not None else None
        enabled = None if uac is None else not uac & values.UAC_ACCOUNTDISABLE
        member_of = groups.of(_all(raw, "memberOf"))
        key = key_once(dn)  # once for everything that compares it (a school's accounts are each met once)
        try:
            ou, categories = self._ou(dn), self.roles.of(name, key, member_of)
        except InvalidDnError as exc:
            return {"id": name, "dn": dn, "error": f"cannot read its DN: {exc}"}
        meta = first.get("replpropertymetadata")
        changed: dict[int, dt.datetime] = {}
        if meta is None:
            reason = "replPropertyMetaData was not returned (the bind account may not be allowed to read it)"
        else:
            try:
                changed = values.repl_change_times(meta, _CHANGE_TIMES)
                reason = ""
            except ValueError as exc:
                reason = str(exc)
        pwd_raw = first.get("pwdlastset")
        must_change = pwd_raw is not None and int(pwd_raw) == 0
        created = values.generalized_time(v) if (v := first.get("whencreated")) else None
        must_change_since = None
        if must_change:
            must_change_since = changed.get(values.ATTID_PWD_LAST_SET, created)
        disabled_at = None
        if enabled is False:
            disabled_at = changed.get(values.ATTID_USER_ACCOUNT_CONTROL)
            if disabled_at is None:
                unreadable["disabled_at"] = reason or "no change time for userAccountControl"
        leaving_date = self._leaving_date(raw, missing_attribute, unreadable)
        privileged_groups = self.privileged.groups_of(key)
        policy = self.governing.fields(key, member_of, unreadable) if self.governing is not None else {}
        return {
            **policy,
            "id": name,
            "dn": dn,
            "ou": ou,
            "display_name": values.text(v) if (v := first.get("displayname")) else None,
            "upn": values.text(v) if (v := first.get("userprincipalname")) else None,
            "employee_id": values.text(v) if (v := first.get("employeeid")) else None,
            "categories": categories,
            "enabled": enabled,
            "uac": uac,
            "pwd_last_set": None if must_change or pwd_raw is None else values.filetime(pwd_raw),
            "must_change_password": must_change,
            "must_change_since": must_change_since,
            "last_logon": values.filetime(v) if (v := first.get("lastlogontimestamp")) else None,
            "created": created,
            "account_expires": values.filetime(v) if (v := first.get("accountexpires")) else None,
            "groups": member_of,
            "logon_hours": values.logon_hours(first.get("logonhours")),
            "leaving_date": leaving_date,
            "disabled_at": disabled_at,
            "privileged": bool(privileged_groups),
            "privileged_groups": privileged_groups,
            "password_text_in": self._password_text(raw, unreadable),
            "unreadable": unreadable,
        }

    def _password_text(self, raw: dict[str, list[bytes]], unreadable: dict[str, str]) -> list[str] | None:
        try:
            return self.password_text.found_in(raw)
        except ValueError as exc:  # a pattern RE2 gave up on: unknown, never "no password written down"
            unreadable["password_text_in"] = str(exc)
            return None

    def _leaving_date(
        self, raw: dict[str, list[bytes]], missing: str | None, unreadable: dict[str, str]
    ) -> dt.date | None:
        config = self.settings.leaving_date
        if config is None:
            return None
        if missing:
            unreadable["leaving_date"] = missing
            return None
        value = _first(raw, config.attribute)
        if value is None:
            return None
        written = values.text(value).strip()
        for fmt in config.formats:
            try:
                return dt.datetime.strptime(written, fmt).date()
            except ValueError:
                continue
        unreadable["leaving_date"] = f"cannot read {written!r} as a date ({' or '.join(config.formats)})"
        return None

    def _policy_entries(self) -> list[Entry]:
        """The Password Settings Container's policies, as read (resolved once the users are read)."""
        container = f"CN=Password Settings Container,CN=System,{self.base}"
        # An account that may not see the container would find no policies at all, which reads like "none":
        # reading the container itself first tells the two apart.
        if not self.connection.search(container, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["1.1"]):
            raise DirectoryError(
                f"cannot read {container} ({(self.connection.result or {}).get('description', 'no answer')}): "
                "grant the audit account read access to it (docs/directory.md)"
            )
        # (objectClass=*) matches every entry, even one whose attributes the account may not read, so a policy
        # the account cannot read still shows up (as unreadable) instead of silently not existing. One level: a
        # policy can only be a child of the container (its class's systemPossSuperiors), and a subtree search
        # with this filter cost Samba a pass over the whole directory, where its one-level index answers a search
        # one level down (CHANGELOG.md has the figures).
        return list(self._search("(objectClass=*)", _PSO_ATTRS, container, ldap3.LEVEL))

    def _policies(self, entries: list[Entry] | DirectoryError, groups: Groups, users: list[User]) -> FactSet:
        if isinstance(entries, DirectoryError):
            name, error = "directory.password_policies", str(entries)
            return FactSet(name=name, source=self.source, collected_at=self.clock(), error=error)
        return self._fact_set("directory.password_policies", self._password_policies(entries, groups, users))

    def _password_policies(self, entries: list[Entry], groups: Groups, users: list[User]) -> list[PasswordPolicy]:
        accounts = _Accounts(users)
        hidden = "not readable by the audit account: grant it read access to the Password Settings Container"
        policies = []
        for dn, raw in entries:
            targets = [values.text(v) for v in _all(raw, "msDS-PSOAppliesTo")]
            governs: set[str] = set()
            for target in targets:
                key = dn_key(target)
                if key in groups.names:
                    governs.update(accounts.in_group.get(groups.names[key].casefold(), ()))
                elif (account := accounts.by_dn.get(key)) is not None:
                    governs.add(account)
            complexity = _first(raw, "msDS-PasswordComplexityEnabled")
            min_length = _first(raw, "msDS-MinimumPasswordLength")
            policies.append(
                PasswordPolicy(
                    id=values.text(_first(raw, "cn") or first_value(dn).encode()),
                    precedence=int(v) if (v := _first(raw, "msDS-PasswordSettingsPrecedence")) else None,
                    min_length=int(min_length) if min_length is not None else None,
                    complexity=None if complexity is None else complexity.upper() == b"TRUE",
                    applies_to=sorted(groups.names.get(dn_key(t), t) for t in targets),
                    governs=sorted(governs),
                    unreadable={"min_length": hidden, "complexity": hidden} if min_length is None else {},
                )
            )
            self.tally.add("password policies")
        return policies

    def _account_policies(self, entries: list[Entry] | DirectoryError) -> list[accounts.Pso] | DirectoryError:
        if isinstance(entries, DirectoryError):
            return entries
        return [accounts.pso(dn, raw) for dn, raw in entries]

    def _account_policy_set(self, governing: accounts.Governing) -> FactSet:
        name = "directory.account_policies"
        if isinstance(governing.psos, DirectoryError):
            return FactSet(name=name, source=self.source, collected_at=self.clock(), error=str(governing.psos))
        records: list[AccountPolicy] = [governing.domain, *(p.policy for p in governing.psos)]
        return self._fact_set(name, records)

    def _computers(self, groups: Groups, fields: frozenset[str]) -> list[Computer]:
        escrowed: set[str] = set()
        if "bitlocker_key_escrowed" in fields:
            found = self._search("(objectClass=msFVE-RecoveryInformation)", ["1.1"])
            escrowed = {parent_key(dn_key(dn)) for dn, _ in found}
        computers = []
        attributes = [*attributes_for(fields, _COMPUTER_FIELDS, "cn"), "sAMAccountName"]
        entries = list(self.tally.each("computers", self._search("(objectClass=computer)", attributes)))
        ids = computer_ids([_account(dn, raw) for dn, raw in entries])
        for (dn, raw), name in zip(entries, ids, strict=True):
            uac = _first(raw, "userAccountControl")
            unreadable: dict[str, str] = {}
            member_of = groups.of(_all(raw, "memberOf"))
            key = key_once(dn)
            try:
                ou, categories = self._ou(dn), self.roles.of(name, key, member_of)
            except InvalidDnError as exc:
                computers.append(Computer(id=name, error=f"cannot read its DN: {exc}"))
                continue
            data: dict[str, object] = {
                "id": name,
                "dns_host_name": values.text(v) if (v := _first(raw, "dNSHostName")) else None,
                "ou": ou,
                "categories": categories,
                "enabled": None if uac is None else not int(uac) & values.UAC_ACCOUNTDISABLE,
                "uac": None if uac is None else int(uac),
                "operating_system": values.text(v) if (v := _first(raw, "operatingSystem")) else None,
                "os_version": values.text(v) if (v := _first(raw, "operatingSystemVersion")) else None,
                "last_logon": values.filetime(v) if (v := _first(raw, "lastLogonTimestamp")) else None,
                "created": values.generalized_time(v) if (v := _first(raw, "whenCreated")) else None,
                "bitlocker_key_escrowed": key in escrowed,
                "domain_controller": None if uac is None else bool(int(uac) & values.UAC_DOMAIN_CONTROLLER),
                "laps_expires": values.filetime(v) if (v := _first(raw, LAPS_EXPIRES)) else None,
                "legacy_laps_expires": values.filetime(v) if (v := _first(raw, LEGACY_LAPS_EXPIRES)) else None,
                "password_text_in": self._password_text(raw, unreadable),
                "unreadable": unreadable,
            }
            if fields & LIFECYCLE_FIELDS:
                os_name, os_version = (
                    values.text(v) if (v := _first(raw, attribute)) else None
                    for attribute in ("operatingSystem", "operatingSystemVersion")
                )
                data.update(lifecycle_fields(os_name, os_version))
            computer = Computer.model_validate(only(fields, data))
            self._share_fields(computer)
            computers.append(computer)
        return computers
