"""Samba's own security-descriptor code, run by Debian's system Python (the only one with the samba bindings).

Run as ``/usr/bin/python3 samba_sd.py <command>`` with JSON on standard input, JSON on standard output:

- ``unpack``: a list of hex descriptors -> for each, its DACL as Samba's ``ndr_unpack(security.descriptor, ...)``
  reads it (type, flags, mask, trustee, object type and inherited object type, each only if present);
- ``pack``: a list of SDDL strings -> each packed by Samba (``security.descriptor.from_sddl`` and ``ndr_pack``);
- ``edit``: ``{"sam_ldb", "smb_conf", "dn", "delete": [ACE SDDL], "prepend": [...], "append": [...]}`` changes an
  object's DACL in the DC's own database with Samba's ``SDUtils``, as an administrator on the DC would.
"""

from __future__ import annotations

import json
import sys

from samba.auth import system_session
from samba.dcerpc import security
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB
from samba.sd_utils import SDUtils

_OBJECT_TYPE_PRESENT, _INHERITED_OBJECT_TYPE_PRESENT = 1, 2
_OBJECT_ACES = (
    security.SEC_ACE_TYPE_ACCESS_ALLOWED_OBJECT,
    security.SEC_ACE_TYPE_ACCESS_DENIED_OBJECT,
)


def _ace(ace: security.ace) -> dict[str, object]:
    found: dict[str, object] = {
        "type": int(ace.type),
        "flags": int(ace.flags),
        "mask": int(ace.access_mask),
        "sid": str(ace.trustee),
    }
    if ace.type in _OBJECT_ACES:
        if ace.object.flags & _OBJECT_TYPE_PRESENT:
            found["object_type"] = str(ace.object.type).lower()
        if ace.object.flags & _INHERITED_OBJECT_TYPE_PRESENT:
            found["inherited_object_type"] = str(ace.object.inherited_type).lower()
    return found


def unpack(descriptors: list[str]) -> list[list[dict[str, object]]]:
    out = []
    for text in descriptors:
        descriptor = ndr_unpack(security.descriptor, bytes.fromhex(text))
        out.append([_ace(ace) for ace in descriptor.dacl.aces] if descriptor.dacl else [])
    return out


def pack(sddls: list[str]) -> list[str]:
    domain = security.dom_sid("S-1-5-21-1-2-3")
    return [ndr_pack(security.descriptor.from_sddl(sddl, domain)).hex() for sddl in sddls]


def edit(request: dict[str, object]) -> None:
    lp = LoadParm()
    lp.load(str(request["smb_conf"]))
    samdb = SamDB(url=str(request["sam_ldb"]), session_info=system_session(), lp=lp)
    tools = SDUtils(samdb)
    dn = str(request["dn"])
    dacl_only = [f"sd_flags:1:{security.SECINFO_DACL}"]
    # SDUtils' own delete compares ACE objects, which does not find object ACEs: edit the SDDL text instead.
    sddl = tools.read_sd_on_dn(dn, controls=dacl_only).as_sddl(tools.domain_sid)
    for ace in request.get("delete") or []:  # type: ignore[union-attr]
        if ace not in sddl:
            raise SystemExit(f"{ace} is not in {sddl}")
        sddl = sddl.replace(ace, "", 1)
    first = sddl.index("(")
    prepend, append = "".join(request.get("prepend") or []), "".join(request.get("append") or [])  # type: ignore[arg-type]
    sddl = sddl[:first] + prepend + sddl[first:] + append
    tools.modify_sd_on_dn(dn, security.descriptor.from_sddl(sddl, tools.domain_sid), controls=dacl_only)


if __name__ == "__main__":
    command, data = sys.argv[1], json.load(sys.stdin)
    if command == "unpack":
        json.dump(unpack(data), sys.stdout)
    elif command == "pack":
        json.dump(pack(data), sys.stdout)
    elif command == "edit":
        edit(data)
    else:
        raise SystemExit(f"unknown command {command}")
