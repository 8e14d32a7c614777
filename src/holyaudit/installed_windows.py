"""The Windows release a machine reports about itself, found in the shipped lifecycle table, and the cumulative
updates it lacks.

An endpoint names its release in ``HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion``: ``EditionID``
(``Professional``, ``Education``, ``ServerStandard``), ``CurrentBuild``, ``UBR`` (the update build revision, which
each cumulative update raises) and ``InstallationType`` (``Client``, ``Server``, ``Server Core``). ``ProductName``
is not used: Windows 11 keeps "Windows 10 ..." there for compatibility (Microsoft Q&A, "Windows 11 product name in
registry", https://learn.microsoft.com/en-us/answers/questions/555857/windows-11-product-name-in-registry), so the
platform comes from the build (Windows 11 is build 22000 and later: "Windows 11 release information",
https://learn.microsoft.com/en-us/windows/release-health/windows11-release-information) and the installation type.
The same table as the directory rule's (``holyaudit.lifecycle``) gives the release; an edition or build it does not
know is never guessed: the fields are unreadable with the reason, so the rules report ERROR naming it.
"""

from __future__ import annotations

from functools import lru_cache

from holyaudit.lifecycle import Release, shipped

WINDOWS_11_FIRST_BUILD = 22000

EDITION_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        (
            "Core",
            "CoreN",
            "CoreSingleLanguage",
            "CoreCountrySpecific",
            "Professional",
            "ProfessionalN",
            "ProfessionalEducation",
            "ProfessionalEducationN",
            "ProfessionalWorkstation",
            "ProfessionalWorkstationN",
        ),
        "Home and Pro",
    ),
    **dict.fromkeys(
        ("Enterprise", "EnterpriseN", "Education", "EducationN", "IoTEnterprise", "IoTEnterpriseK"),
        "Enterprise and Education",
    ),
    **dict.fromkeys(("EnterpriseS", "EnterpriseSN"), "Enterprise LTSC"),
    "IoTEnterpriseS": "IoT Enterprise LTSC",
    **dict.fromkeys(
        (
            "ServerStandard",
            "ServerDatacenter",
            "ServerStandardEval",
            "ServerDatacenterEval",
            "ServerTurbine",
            "ServerAzureStackHCICor",
        ),
        "Server",
    ),
}
"""EditionID -> the edition family Microsoft's lifecycle pages service it as. The IDs are Windows' own edition
names, as ``DISM /Online /Get-CurrentEdition`` prints them
(https://learn.microsoft.com/en-us/windows-hardware/manufacture/desktop/dism-windows-edition-servicing-command-line-options);
the families are those of the lifecycle pages: Home, Pro, Pro Education and Pro for Workstations share "Windows 11
Home and Pro" (https://learn.microsoft.com/en-us/lifecycle/products/windows-11-home-and-pro); Enterprise, Education
and IoT Enterprise share "Enterprise and Education"; EnterpriseS is the LTSC (LTSB) edition (GetProductInfo's
PRODUCT_ENTERPRISE_S, "Windows 10 Enterprise 2015 LTSB",
https://learn.microsoft.com/en-us/windows/win32/api/sysinfoapi/nf-sysinfoapi-getproductinfo) and IoTEnterpriseS
its IoT counterpart; every ServerStandard or ServerDatacenter edition (evaluation, Azure Edition ``ServerTurbine``)
follows its Windows Server release. Any other EditionID (Windows 11 SE ``CloudEdition``, for one) is unknown."""

SERVER_INSTALLATIONS = frozenset({"Server", "Server Core"})

RELEASE_FIELDS = ("os_release", "os_support_ends", "os_esu_ends", "os_lifecycle_source")
UPDATE_FIELDS = (
    "os_update_missing",
    "os_oldest_missing_update",
    "os_oldest_missing_build",
    "os_updates_listed_until",
    "os_updates_after_list",
)


class Unknown:
    """A field that could not be established, with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def platform_of(build: int, installation_type: str) -> str:
    """Windows 11, Windows 10, ... or Windows Server, from the build and InstallationType; ValueError when neither
    says."""
    if installation_type in SERVER_INSTALLATIONS:
        return "Windows Server"
    if installation_type != "Client":
        raise ValueError(f"InstallationType {installation_type!r} is neither Client nor Server")
    if build >= WINDOWS_11_FIRST_BUILD:
        return "Windows 11"
    if build >= 10240:
        return "Windows 10"
    return {9600: "Windows 8.1", 7601: "Windows 7"}.get(build, f"Windows build {build}")


def installed_fields(
    edition_id: str | None, build: int | None, ubr: int | None, installation_type: str | None
) -> dict[str, object]:
    """The release fields (os-supported) and update fields (updates-current) of a machine; a value that cannot be
    established is an ``Unknown`` with the reason."""
    release = _release(edition_id, build, installation_type)
    if isinstance(release, Unknown):
        return dict.fromkeys((*RELEASE_FIELDS, *UPDATE_FIELDS), release)
    found: dict[str, object] = {
        "os_release": f"{release.product} ({release.editions})",
        "os_support_ends": release.ends,
        "os_esu_ends": release.esu_ends,
        "os_lifecycle_source": release.source,
    }
    return found | _updates(release, build, ubr)


@lru_cache(maxsize=256)
def _release(edition_id: str | None, build: int | None, installation_type: str | None) -> Release | Unknown:
    if not edition_id or build is None or not installation_type:
        missing = [
            name
            for name, value in (
                ("EditionID", edition_id),
                ("CurrentBuild", build),
                ("InstallationType", installation_type),
            )
            if value in (None, "")
        ]
        return Unknown(f"the machine reports no {', '.join(missing)}")
    family = EDITION_FAMILIES.get(edition_id)
    if family is None:
        return Unknown(f"EditionID {edition_id!r} is not an edition holyaudit's lifecycle table knows")
    try:
        platform = platform_of(build, installation_type)
    except ValueError as exc:
        return Unknown(str(exc))
    if (family == "Server") != (platform == "Windows Server"):
        return Unknown(f"EditionID {edition_id!r} does not match InstallationType {installation_type!r}")
    found = shipped().find(platform, family, build)
    if found is None:
        return Unknown(
            f"{platform} {edition_id} ({family}) build {build} is not in holyaudit's lifecycle table "
            "(src/holyaudit/data/windows-lifecycle.yaml)"
        )
    return found


def _updates(release: Release, build: int | None, ubr: int | None) -> dict[str, object]:
    """Which listed cumulative update the machine lacks first (released earliest), and how far the list reaches.

    ``os_updates_after_list`` is never known: whether Microsoft released an update after the list's last check.
    A rule reads it only once the list is too old to speak for the days it judges, so it then reports ERROR with
    this reason rather than PASS."""
    if not release.updates:
        reason = f"holyaudit's lifecycle table lists no cumulative updates for {release.product} ({release.editions})"
        return dict.fromkeys(UPDATE_FIELDS, Unknown(reason))
    if ubr is None:
        return dict.fromkeys(UPDATE_FIELDS, Unknown("the machine reports no UBR (update build revision)"))
    checked = shipped().updates_checked
    missing = sorted((update for update in release.updates if update.ubr > ubr), key=lambda update: update.released)
    oldest = missing[0] if missing else None
    return {
        "os_update_missing": oldest is not None,
        "os_oldest_missing_update": oldest.released if oldest else None,
        "os_oldest_missing_build": f"{build}.{oldest.ubr}" if oldest else None,
        "os_updates_listed_until": checked,
        "os_updates_after_list": Unknown(
            f"holyaudit's update list ends on {checked.isoformat()}: update holyaudit "
            "(a cumulative update released since may be missing)"
        ),
    }
