"""Security filtering: who a GPO applies to, from the DACL of its ``nTSecurityDescriptor`` (pure).

A Group Policy client applies a GPO only if the policy target's token may read the groupPolicyContainer and is
granted the Apply Group Policy extended right on it, and neither is denied ([MS-GPOL] 3.2.5.1.6 "GPO Filter
Evaluation": "If the right is denied by an ACE for which the policy target account is a member, the GPO is to be
considered denied"). The DACL is walked in order as Windows' access check does ([MS-DTYP] 2.5.3.2): the first ACE
for one of the token's SIDs that mentions a right decides it, so a deny placed ahead (canonical order puts explicit
denies first) wins. The descriptor is parsed with winacl; its result is reduced to the typed ``Ace`` below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from winacl.dtyp.security_descriptor import SECURITY_DESCRIPTOR  # type: ignore[import-untyped]

APPLY_GROUP_POLICY = "edacfd8f-ffb3-11d1-b41d-00a0c968f939"
"""The Apply-Group-Policy extended right ([MS-ADTS] 5.1.3.2.1)."""
GROUP_POLICY_CONTAINER_CLASS = "f30e3bc2-9ff0-11d1-b603-0000f80367c1"
"""schemaIDGUID of groupPolicyContainer: an ACE limited to another class does not apply to a GPO."""
DACL_SECURITY_INFORMATION = 4
"""The LDAP_SERVER_SD_FLAGS_OID value that asks for the DACL only, which an ordinary account may read."""

EVERYONE, AUTHENTICATED_USERS, ENTERPRISE_DCS = "S-1-1-0", "S-1-5-11", "S-1-5-9"

_READ_PROPERTY = 0x10  # ADS_RIGHT_DS_READ_PROPERTY
_CONTROL_ACCESS = 0x100  # ADS_RIGHT_DS_CONTROL_ACCESS: extended rights, Apply Group Policy among them
_GENERIC_ALL = 0x10000000
_GENERIC_READ = 0x80000000
_ALLOWED, _DENIED, _ALLOWED_OBJECT, _DENIED_OBJECT = 0x00, 0x01, 0x05, 0x06
_INHERIT_ONLY, _INHERITED = 0x08, 0x10


class SecurityDescriptorError(ValueError):
    """A security descriptor that cannot be parsed, or that came back without its DACL."""


@dataclass(frozen=True)
class Ace:
    """One access-allowed or access-denied ACE, object ACEs included (their GUIDs in lower case)."""

    allow: bool
    sid: str
    mask: int
    flags: int
    object_type: str | None = None
    inherited_object_type: str | None = None

    @property
    def inherited(self) -> bool:
        return bool(self.flags & _INHERITED)

    @property
    def inherit_only(self) -> bool:
        return bool(self.flags & _INHERIT_ONLY)

    def rights(self) -> frozenset[str]:
        """Which of "read" and "apply" this ACE speaks about on a groupPolicyContainer."""
        if self.inherit_only or self.inherited_object_type not in (None, GROUP_POLICY_CONTAINER_CLASS):
            return frozenset()
        found = set()
        if self.mask & (_GENERIC_ALL | _GENERIC_READ) or (self.mask & _READ_PROPERTY and self.object_type is None):
            found.add("read")
        if self.mask & _GENERIC_ALL or (self.mask & _CONTROL_ACCESS and self.object_type in (None, APPLY_GROUP_POLICY)):
            found.add("apply")
        return frozenset(found)


def parse_dacl(data: bytes) -> tuple[Ace, ...]:
    """The DACL's access-allowed and access-denied ACEs, in order (audit, alarm and callback ACEs play no part in
    whether a GPO applies and are left out)."""
    # winacl reads past the end of a truncated descriptor as zeros: check the DACL lies inside it first
    # ([MS-DTYP] 2.4.6: OffsetDacl at byte 16; 2.4.5: AclSize at byte 2 of the ACL).
    offset = int.from_bytes(data[16:20], "little") if len(data) >= 20 else 0
    if offset and (
        offset + 8 > len(data) or offset + int.from_bytes(data[offset + 2 : offset + 4], "little") > len(data)
    ):
        raise SecurityDescriptorError(f"the security descriptor is truncated ({len(data)} bytes)")
    try:
        descriptor = SECURITY_DESCRIPTOR.from_bytes(data)
    except Exception as exc:  # winacl raises bare Exception and struct/index errors on malformed input
        raise SecurityDescriptorError(f"the security descriptor cannot be parsed ({type(exc).__name__})") from None
    if descriptor.Dacl is None:
        raise SecurityDescriptorError("the security descriptor holds no DACL")
    aces = []
    for ace in descriptor.Dacl.aces:
        kind = ace.AceType.value
        if kind not in (_ALLOWED, _DENIED, _ALLOWED_OBJECT, _DENIED_OBJECT):
            continue
        object_type = getattr(ace, "ObjectType", None)
        inherited_type = getattr(ace, "InheritedObjectType", None)
        aces.append(
            Ace(
                allow=kind in (_ALLOWED, _ALLOWED_OBJECT),
                sid=str(ace.Sid),
                mask=int(ace.Mask),
                flags=int(ace.AceFlags),
                object_type=None if object_type is None else str(object_type).lower(),
                inherited_object_type=None if inherited_type is None else str(inherited_type).lower(),
            )
        )
    return tuple(aces)


@dataclass(frozen=True)
class SecurityFilter:
    """A GPO's DACL, asked whether it lets a token read the GPO and apply it."""

    aces: tuple[Ace, ...]

    def applies_to(self, token: Iterable[str]) -> bool:
        """Whether a principal whose token holds ``token`` (its SIDs, the well-known ones included) is granted
        both Read and Apply Group Policy, neither denied first."""
        sids = frozenset(token)
        granted: set[str] = set()
        decided: set[str] = set()
        for ace in self.aces:
            if ace.sid not in sids:
                continue
            for right in ace.rights() - decided:
                decided.add(right)
                if not ace.allow:
                    return False
                granted.add(right)
            if granted == {"read", "apply"}:
                return True
        return False

    @property
    def everyone_applies(self) -> bool:
        """Whether any authenticated principal gets the GPO: Authenticated Users holds Read and Apply and no deny
        ACE speaks about either right (then who holds which group does not matter)."""
        denies = any(not ace.allow and ace.rights() for ace in self.aces)
        return not denies and self.applies_to({EVERYONE, AUTHENTICATED_USERS})

    def describe(self, names: dict[str, str]) -> str:
        """Who holds Apply Group Policy, and who is denied it, by name where ``names`` knows the SID."""
        allowed = sorted({names.get(a.sid, a.sid) for a in self.aces if a.allow and "apply" in a.rights()})
        denied = sorted({names.get(a.sid, a.sid) for a in self.aces if not a.allow and a.rights()})
        text = f"applies to {', '.join(allowed) or 'nobody'}"
        return f"{text}; denied to {', '.join(denied)}" if denied else text
