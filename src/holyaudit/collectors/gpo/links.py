"""GPO links: parse ``gPLink`` and ``gPOptions``, and work out which GPOs apply to each container, in precedence order.

The rule implemented, as Microsoft documents it:

- Processing order is local, site, domain, then each OU from the top down to the one holding the account; later
  wins ("Group Policy Processing", learn.microsoft.com/previous-versions/.../cc978241).
- Within one container link order 1 has the highest precedence (``Set-GPLink -Order``; ``IGPMSOM::CreateGPOLink``:
  "a lower number indicates a higher level of precedence"). ``gPLink`` lists the links in the reverse of link order:
  its *last* entry is link order 1. Samba relies on the same layout: its client walks ``gPLink`` from the last entry
  to the first so that the last is applied last (``python/samba/gp/gpclass.py``, ``add_gplink_to_gpo_list``), and
  ``samba-tool gpo setlink`` puts a new, lowest-precedence link at the front.
- The list for a container is what ``Get-GPInheritance`` reports as ``InheritedGpoLinks`` (and
  ``IGPMSOM::GetInheritedGPOLinks``), first entry winning: enforced links, the domain's ahead of an OU's; then the
  container's own links; then inherited links that are not enforced, nearer containers first. Within each container
  links keep their link order. Disabled links do not apply. Blocking inheritance (``gPOptions`` bit 0) on an OU
  stops the links of every container above it, except enforced ones, for that OU and everything below it. An
  enforced link on the container itself is taken to rank with the other enforced links, ahead of its own others.

Samba's client orders enforced links the other way (a lower enforced link wins over a higher one); this module
follows Microsoft's documentation.

Not modelled: site links (and so the site's place between local and domain) and the local GPO. WMI filters,
security filtering and loopback processing change which of these GPOs a client applies, and are handled where the
settings are worked out (``effective.py``, ``principals.py``, the collector). A GPO linked at several containers is
listed once per link, not merged. A GPO whose user or computer half is disabled (its ``flags``) is still listed, with
that half marked, since whether it matters depends on the setting read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.dn import parent_key, within

LINK_DISABLED = 0x1
LINK_ENFORCED = 0x2
BLOCK_INHERITANCE = 0x1
GPO_USER_DISABLED = 0x1
GPO_COMPUTER_DISABLED = 0x2

_LINK = re.compile(r"\[LDAP://(?P<dn>[^;\[\]]+);(?P<options>\d+)\]", re.IGNORECASE)


class GpLinkError(ValueError):
    """A ``gPLink`` or ``gPOptions`` value that is not in the documented format, or containers that do not nest."""


@dataclass(frozen=True)
class GpLink:
    """One link from a container to a GPO: link order 1 has the highest precedence within the container."""

    gpo_dn: str
    options: int
    link_order: int

    @property
    def disabled(self) -> bool:
        return bool(self.options & LINK_DISABLED)

    @property
    def enforced(self) -> bool:
        return bool(self.options & LINK_ENFORCED)


def parse_gplink(value: str | None) -> list[GpLink]:
    """The links of a ``gPLink`` value, in link order (link order 1 first, which is the *last* entry of the value).

    ``[LDAP://cn={GUID},cn=policies,cn=system,DC=x,DC=y;0][LDAP://...;2]``: the number is the link options, bit 0
    disabled, bit 1 enforced. The ``LDAP://`` prefix is matched in any case. An absent or blank value (GPMC leaves
    a single space once the last link is removed) has no links.
    """
    text = (value or "").strip()
    found: list[tuple[str, int]] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _LINK.match(text, position)
        if match is None:
            raise GpLinkError(
                f"gPLink is not a list of [LDAP://<GPO DN>;<options>] at character {position + 1}: {text[position:]!r}"
            )
        found.append((match["dn"].strip(), int(match["options"])))
        position = match.end()
    return [GpLink(dn, options, order) for order, (dn, options) in enumerate(reversed(found), start=1)]


def format_gplink(links: Iterable[GpLink]) -> str:
    """A ``gPLink`` value for links given in link order (link order 1 first), as Windows writes it."""
    ordered = sorted(links, key=lambda link: link.link_order)
    return "".join(f"[LDAP://{link.gpo_dn};{link.options}]" for link in reversed(ordered))


def blocks_inheritance(gpoptions: str | int | None) -> bool:
    """Whether a ``gPOptions`` value blocks inheritance (bit 0); an absent value does not."""
    if gpoptions is None:
        return False
    try:
        number = int(gpoptions)
    except ValueError:
        raise GpLinkError(f"gPOptions is not an integer: {gpoptions!r}") from None
    return bool(number & BLOCK_INHERITANCE)


@dataclass(frozen=True)
class Container:
    """The domain or an OU, with its links in link order and whether it blocks inheritance."""

    dn: str
    links: tuple[GpLink, ...] = ()
    block_inheritance: bool = False

    @classmethod
    def from_attributes(cls, dn: str, gplink: str | None, gpoptions: str | int | None) -> Container:
        """A container from its raw ``gPLink`` and ``gPOptions`` attribute values."""
        return cls(dn, tuple(parse_gplink(gplink)), blocks_inheritance(gpoptions))


@dataclass(frozen=True)
class Gpo:
    """A groupPolicyContainer: ``flags`` bit 0 disables its user half, bit 1 its computer half."""

    dn: str
    display_name: str
    flags: int = 0

    @property
    def user_settings_enabled(self) -> bool:
        return not self.flags & GPO_USER_DISABLED

    @property
    def computer_settings_enabled(self) -> bool:
        return not self.flags & GPO_COMPUTER_DISABLED


@dataclass(frozen=True)
class AppliedGpo:
    """A GPO that applies to a container; ``precedence`` 1 wins over every other."""

    precedence: int
    gpo_dn: str
    display_name: str
    linked_at: str
    link_order: int
    enforced: bool
    user_settings_enabled: bool
    computer_settings_enabled: bool


class SkipReason(StrEnum):
    """Why a link on the way down to a container does not apply there."""

    LINK_DISABLED = "link disabled"
    INHERITANCE_BLOCKED = "inheritance blocked"
    GPO_NOT_FOUND = "GPO not found"


@dataclass(frozen=True)
class SkippedLink:
    """A link that does not apply, and why; ``blocked_at`` names the OU that blocks inheritance, if that is why."""

    gpo_dn: str
    display_name: str | None
    linked_at: str
    link_order: int
    reason: SkipReason
    blocked_at: str | None = None


@dataclass(frozen=True)
class Inheritance:
    """The GPOs that apply to one container, highest precedence first, and the links that were passed over."""

    container: str
    applied: tuple[AppliedGpo, ...]
    skipped: tuple[SkippedLink, ...]


def _chain(dn: str, domain: Container, by_key: Mapping[str, Container]) -> list[Container]:
    """The containers from the domain down to ``dn``, each of which must have been given."""
    key, domain_key = dn_key(dn), dn_key(domain.dn)
    if not within(key, domain_key):
        raise GpLinkError(f"{dn} is not inside the domain {domain.dn}")
    chain: list[Container] = []
    while True:
        container = by_key.get(key)
        if container is None:
            raise GpLinkError(
                f"{dn}: the container {key} above it was not given, so the links it passes down are unknown"
            )
        chain.append(container)
        if key == domain_key:
            return chain[::-1]
        key = parent_key(key)


def resolve_inheritance(
    domain: Container, containers: Iterable[Container], gpos: Iterable[Gpo]
) -> dict[str, Inheritance]:
    """For the domain and each container, the GPOs that apply in precedence order (see the module docstring).

    ``containers`` are the OUs (or other containers) below ``domain``; every container between one and the domain
    must be among them. A link is skipped for the first of these reasons that holds: the link is disabled, a
    container between its own and the target blocks inheritance and the link is not enforced, the GPO it names is
    not among ``gpos``.
    """
    by_key: dict[str, Container] = {dn_key(domain.dn): domain}
    for container in containers:
        by_key[dn_key(container.dn)] = container
    gpo_by_key = {dn_key(gpo.dn): gpo for gpo in gpos}
    return {
        container.dn: _resolve(container, _chain(container.dn, domain, by_key), gpo_by_key)
        for container in by_key.values()
    }


def _resolve(target: Container, chain: list[Container], gpos: Mapping[str, Gpo]) -> Inheritance:
    enforced: list[tuple[Container, GpLink, Gpo]] = []
    ordinary: list[tuple[Container, GpLink, Gpo]] = []
    skipped: list[SkippedLink] = []
    for depth, container in enumerate(chain):
        blocker = next((inner for inner in chain[depth + 1 :] if inner.block_inheritance), None)
        own: list[tuple[Container, GpLink, Gpo]] = []
        for link in container.links:
            gpo = gpos.get(dn_key(link.gpo_dn))
            name = None if gpo is None else gpo.display_name
            passed_over = partial(SkippedLink, link.gpo_dn, name, container.dn, link.link_order)
            if link.disabled:
                skipped.append(passed_over(SkipReason.LINK_DISABLED))
            elif blocker is not None and not link.enforced:
                skipped.append(passed_over(SkipReason.INHERITANCE_BLOCKED, blocker.dn))
            elif gpo is None:
                skipped.append(passed_over(SkipReason.GPO_NOT_FOUND))
            elif link.enforced:
                # The chain runs from the domain down, so higher enforced links stay ahead of lower ones.
                enforced.append((container, link, gpo))
            else:
                own.append((container, link, gpo))
        # Non-enforced links: the nearer the container, the higher the precedence.
        ordinary[:0] = own
    applied = tuple(
        AppliedGpo(
            precedence,
            gpo.dn,
            gpo.display_name,
            container.dn,
            link.link_order,
            link.enforced,
            gpo.user_settings_enabled,
            gpo.computer_settings_enabled,
        )
        for precedence, (container, link, gpo) in enumerate([*enforced, *ordinary], start=1)
    )
    return Inheritance(target.dn, applied, tuple(skipped))
