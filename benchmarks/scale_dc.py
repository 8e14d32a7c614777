"""A Samba AD DC holding a school-sized directory, for ``ldap_scale.py``: built once, then reused from the cache.

The directory test harness (``tests/directory``) provisions the DC and seeds its small estate over LDAP (the
audit account, its delegated reads, PSOs, the planted cases). The bulk (by default 10,000 users, 1,000
computers and their BitLocker records) is then written while the DC is stopped, straight into its sam.ldb
through Samba's own modules (``ldb_load.py``, run by the system python3, which has Samba's bindings). Over LDAP
Samba takes 20-50 adds a second; this way about 200, so 10,000 users take about a minute. Samba's modules still
run, so every object gets its objectSid (RID), replPropertyMetaData, whenCreated and memberOf back links as an
LDAP add would give it. ``pwdLastSet`` times need Samba's password-bypass control; ``whenCreated`` cannot be
set on an add at all (it is the seeding time), so the scan is run ``--as-of`` the seeding time and finds the
same things every day.

The seeded DC is kept in ``~/.cache/holyaudit/ldap-scale-<key>`` and run in place; a second run only starts it.
The key covers the Samba version, the sizes, ``ESTATE_VERSION`` and the harness modules that seed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent / "tests" / "directory"
sys.path.insert(0, str(HARNESS))

from estate import (  # noqa: E402 - the harness is a folder of modules, not a package
    DESKTOPS_OU,
    DISABLED,
    DONT_EXPIRE_PASSWORD,
    GROUPS_OU,
    LAPTOPS_OU,
    LATE_HOURS,
    LEAVERS_OU,
    LEAVING_DATE_ATTRIBUTE,
    LONDON,
    NORMAL,
    PASSWD_NOTREQD,
    PUPILS_OU,
    SCHOOL_HOURS,
    STAFF_OU,
    WORKSTATION,
    nt_time,
)
from samba_dc import SYSTEM_PYTHON, SambaDC, samba_program  # noqa: E402
from seed import leavers_csv, seed  # noqa: E402

ESTATE_VERSION = 1
"""Bump when ``Estate`` writes something else, so cached DCs seeded the old way are not reused."""
SEEDING_MODULES = ("estate.py", "seed.py", "samba_dc.py", "backdate.py")
"""The harness modules whose changes change the seeded DC."""
YEARS = range(7, 14)
"""Pupils are in one OU and one group per year (7 to 13); the year groups are members of Pupils."""
STAFF_GROUPS = ("Teaching Staff", "Support Staff")
"""Staff are in one of these, each a member of Staff: the collector must resolve nested membership."""
RANDOM_SEED = 2026


@dataclass(frozen=True)
class Sizes:
    users: int
    computers: int

    @property
    def staff(self) -> int:
        return self.users // 5

    @property
    def pupils(self) -> int:
        return self.users - self.staff


@dataclass(frozen=True)
class Built:
    """A seeded DC (stopped) and what its seeding recorded."""

    dc: SambaDC
    seeded_at: dt.datetime
    counts: dict[str, int]
    timings: dict[str, float]
    cached: bool


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "holyaudit"


def cache_key(sizes: Sizes) -> str:
    samba_tool = samba_program("samba-tool") or "samba-tool"
    version = subprocess.run([samba_tool, "--version"], capture_output=True, text=True, check=True).stdout
    digest = hashlib.sha256(f"{version}\n{sizes}\n{ESTATE_VERSION}\n".encode())
    for name in SEEDING_MODULES:
        digest.update((HARNESS / name).read_bytes())
    return digest.hexdigest()[:16]


def seeded_dc(sizes: Sizes, *, rebuild: bool = False, log: bool = True) -> Built:
    """The cached DC for these sizes, building it first if there is none (or ``rebuild``). It is not running."""
    final = cache_root() / f"ldap-scale-{cache_key(sizes)}"
    meta_file = final / "ldap-scale.json"
    if rebuild and final.exists():
        shutil.rmtree(final)
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text())
        seeded_at = dt.datetime.fromisoformat(meta["seeded_at"])
        return Built(SambaDC(final), seeded_at, meta["counts"], meta["timings"], cached=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = final.with_name(f"{final.name}.partial-{os.getpid()}")
    try:
        seeded_at, counts, timings = _build(scratch, sizes, log)
        # smb.conf names the folder everywhere (private dir, TLS files, eadb): give it its final name first.
        conf = scratch / "etc" / "smb.conf"
        conf.write_text(conf.read_text().replace(str(scratch), str(final)))
        meta = {"seeded_at": seeded_at.isoformat(), "counts": counts, "timings": timings}
        (scratch / "ldap-scale.json").write_text(json.dumps(meta, indent=2))
        scratch.rename(final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Built(SambaDC(final), seeded_at, counts, timings, cached=False)


def _build(workdir: Path, sizes: Sizes, log: bool) -> tuple[dt.datetime, dict[str, int], dict[str, float]]:
    timings: dict[str, float] = {}

    def step(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)
        if log:
            print(f"  seeding: {name:<34} {timings[name]:7.2f} s", file=sys.stderr, flush=True)

    dc = SambaDC(workdir)
    started = time.perf_counter()
    dc.provision()
    step("provision (template copy + TLS)", started)
    seeded_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    dc.start()
    try:
        seed(dc, seeded_at)
    finally:
        dc.stop()
    step("harness estate over LDAP", started)

    started = time.perf_counter()
    estate = Estate(dc.base_dn, dc.dns_domain, sizes, seeded_at)
    ldif = workdir / "bulk.ldif"
    counts = estate.write_ldif(ldif)
    step("write LDIF", started)
    started = time.perf_counter()
    # tdb would fsync every record's transaction: a crash mid-build only loses a scratch folder.
    loader = [SYSTEM_PYTHON, str(Path(__file__).with_name("ldb_load.py")), str(dc.smb_conf), str(dc.sam_ldb), str(ldif)]
    if subprocess.run(loader, env={**os.environ, "TDB_NO_FSYNC": "1"}).returncode != 0:
        raise RuntimeError("loading the bulk LDIF into sam.ldb failed (see above)")
    step(f"sam.ldb: {counts['ldif_records']} LDIF records", started)
    with leavers_csv(dc).open("a", encoding="utf-8", newline="") as out:
        out.writelines(f"{sam},{date}\r\n" for sam, date in estate.mis_leavers)
    ldif.unlink()
    return seeded_at, counts, timings


class Estate:
    """The bulk of a large school, generated from a fixed random seed so every build is the same."""

    def __init__(self, base: str, dns_domain: str, sizes: Sizes, seeded_at: dt.datetime) -> None:
        self.base = base
        self.dns_domain = dns_domain
        self.sizes = sizes
        self.now = seeded_at
        self.today = seeded_at.astimezone(LONDON).date()
        self.random = random.Random(RANDOM_SEED)
        self.mis_leavers: list[tuple[str, str]] = []

    def dn(self, relative: str) -> str:
        return f"{relative},{self.base}"

    def write_ldif(self, path: Path) -> dict[str, int]:
        """Every bulk object as an LDIF add, then the nesting of the new groups into the harness's groups."""
        counts = {"staff": 0, "pupils": 0, "leavers": 0, "computers": 0, "bitlocker_records": 0, "ldif_records": 0}
        members: dict[str, list[str]] = {g: [] for g in (*STAFF_GROUPS, *(f"Year {y}" for y in YEARS))}
        with path.open("w", encoding="utf-8") as out:

            def entry(dn: str, attributes: list[tuple[str, str | bytes | int]]) -> None:
                out.write(_ldif(dn, attributes))
                counts["ldif_records"] += 1

            for year in YEARS:
                entry(self.dn(f"OU=Year {year},{PUPILS_OU}"), [("objectClass", "organizationalUnit")])
            for i in range(self.sizes.staff):
                group = STAFF_GROUPS[0] if i % 3 else STAFF_GROUPS[1]
                dn, attributes, leaver = self._person(f"staff.{i:05d}", f"Staff Member {i:05d}", STAFF_OU, 0.08)
                entry(dn, attributes)
                members[group].append(dn)
                counts["staff"] += 1
                counts["leavers"] += leaver
            for i in range(self.sizes.pupils):
                year = YEARS[i % len(YEARS)]
                ou = f"OU=Year {year},{PUPILS_OU}"
                dn, attributes, leaver = self._person(f"pupil.{i:05d}", f"Pupil {i:05d}", ou, 0.05)
                entry(dn, attributes)
                members[f"Year {year}"].append(dn)
                counts["pupils"] += 1
                counts["leavers"] += leaver
            for group, dns in members.items():
                entry(
                    self.dn(f"CN={group},{GROUPS_OU}"),
                    [("objectClass", "group"), ("sAMAccountName", group), *(("member", d) for d in dns)],
                )
            for j in range(self.sizes.computers):
                for dn, attributes in self._computer(j, counts):
                    entry(dn, attributes)
            nesting = {"Staff": STAFF_GROUPS, "Pupils": tuple(f"Year {y}" for y in YEARS)}
            for group, subgroups in nesting.items():
                out.write(f"dn: {self.dn(f'CN={group},{GROUPS_OU}')}\nchangetype: modify\nadd: member\n")
                out.writelines(f"member: {self.dn(f'CN={sub},{GROUPS_OU}')}\n" for sub in subgroups)
                out.write("-\n\n")
                counts["ldif_records"] += 1
        return counts

    def _days_ago(self, days: int) -> int:
        return nt_time(self.now - dt.timedelta(days=days))

    def _person(
        self, sam: str, name: str, ou: str, leaver_share: float
    ) -> tuple[str, list[tuple[str, str | bytes | int]], bool]:
        """One user: mostly compliant, with the share of leavers, idle accounts and odd flags a school has."""
        rnd = self.random.random
        leaver = rnd() < leaver_share
        uac = NORMAL | (DISABLED if leaver else 0)
        if rnd() < 0.01:
            uac |= PASSWD_NOTREQD
        if rnd() < 0.02:
            uac |= DONT_EXPIRE_PASSWORD
        given, surname = name.rsplit(" ", 1)
        attributes: list[tuple[str, str | bytes | int]] = [
            ("objectClass", "user"),
            ("sAMAccountName", sam),
            ("userPrincipalName", f"{sam}@{self.dns_domain}"),
            ("displayName", name),
            ("givenName", given),
            ("sn", surname),
            ("userAccountControl", uac),
            # 1 in 100 still has the temporary password (pwdLastSet 0, as an add without a time leaves it).
            *([] if rnd() < 0.01 else [("pwdLastSet", self._days_ago(self.random.randint(0, 120)))]),
        ]
        hours = rnd()
        if hours < 0.90:
            attributes.append(("logonHours", SCHOOL_HOURS))
        elif hours < 0.95:
            attributes.append(("logonHours", LATE_HOURS))
        idle = rnd()
        if idle < 0.97:  # the rest never logged on
            days = self.random.randint(0, 14) if idle < 0.85 else self.random.randint(15, 400)
            attributes.append(("lastLogonTimestamp", self._days_ago(days)))
        leaving: str | None = None
        if leaver:
            leaving = (self.today - dt.timedelta(days=self.random.randint(0, 60))).strftime("%d/%m/%Y")
            ou = LEAVERS_OU
        elif rnd() < 0.02:  # leaving soon, or left and not yet disabled
            leaving = (self.today + dt.timedelta(days=self.random.randint(-20, 30))).strftime("%d/%m/%Y")
        elif rnd() < 0.002:
            leaving = "TBC"
        if leaving is not None:
            attributes.append((LEAVING_DATE_ATTRIBUTE, leaving))
            if leaving != "TBC" and rnd() < 0.5:  # half the leavers are in the MIS export too
                self.mis_leavers.append((sam, leaving))
        return self.dn(f"CN={name},{ou}"), attributes, leaver

    def _computer(self, j: int, counts: dict[str, int]) -> Iterator[tuple[str, list[tuple[str, str | bytes | int]]]]:
        laptop = j % 5 < 2
        name = f"HW-{'LT' if laptop else 'DT'}-{j:04d}"
        dn = self.dn(f"CN={name},{LAPTOPS_OU if laptop else DESKTOPS_OU}")
        windows10 = self.random.random() < 0.2
        yield (
            dn,
            [
                ("objectClass", "computer"),
                ("sAMAccountName", f"{name}$"),
                ("userAccountControl", WORKSTATION | (DISABLED if self.random.random() < 0.03 else 0)),
                ("dNSHostName", f"{name.lower()}.{self.dns_domain}"),
                ("operatingSystem", "Windows 10 Education" if windows10 else "Windows 11 Education"),
                ("operatingSystemVersion", "10.0 (19045)" if windows10 else "10.0 (22631)"),
                ("lastLogonTimestamp", self._days_ago(self.random.randint(0, 90))),
            ],
        )
        counts["computers"] += 1
        if laptop and self.random.random() < 0.7:  # escrowed BitLocker key
            key_id = uuid.uuid5(uuid.NAMESPACE_DNS, name)
            password = "-".join(f"{(key_id.int >> (16 * i)) % 65536 * 11:06d}" for i in range(8))
            yield (
                f"CN=2024-09-02T08:00:00-00:00{{{str(key_id).upper()}}},{dn}",
                [
                    ("objectClass", "msFVE-RecoveryInformation"),
                    ("msFVE-RecoveryGuid", key_id.bytes_le),
                    ("msFVE-VolumeGuid", uuid.uuid5(key_id, "volume").bytes_le),
                    ("msFVE-RecoveryPassword", password),
                ],
            )
            counts["bitlocker_records"] += 1


def _ldif(dn: str, attributes: list[tuple[str, str | bytes | int]]) -> str:
    lines = [f"dn: {dn}"]
    for name, value in attributes:
        if isinstance(value, bytes):
            lines.append(f"{name}:: {base64.b64encode(value).decode('ascii')}")
        else:
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n\n"
