"""The LAPS schema extensions, added to the test DC as Microsoft's tools add them to Active Directory.

Samba's schema has neither Windows LAPS nor legacy Microsoft LAPS. ``Update-LapsADSchema`` (Windows LAPS) and
``Update-AdmPwdADSchema`` (legacy LAPS) add these attributeSchema objects over LDAP and append them to the
computer class's mayContain; the definitions are Microsoft's: MS-ADA2 2.63-2.64 and 2.70-2.71 ("ms-LAPS-Password",
"ms-LAPS-PasswordExpirationTime", "ms-Mcs-AdmPwd", "ms-Mcs-AdmPwdExpirationTime") and
https://learn.microsoft.com/windows-server/identity/laps/laps-technical-reference. searchFlags 904 makes the
password attributes confidential (fCONFIDENTIAL among others), as on Windows. Samba takes schema changes over
LDAP only with ``dsdb:schema update allowed`` (samba_dc.py sets it for the test DC).
"""

from __future__ import annotations

import ldap3

_LEGACY = "1.2.840.113556.1.8000.2554.50051.45980.28112.18903.35903.6685103.1224907.2"
ATTRIBUTES = {
    # cn: (lDAPDisplayName, attributeID, attributeSyntax, oMSyntax, searchFlags)
    "ms-LAPS-PasswordExpirationTime": ("msLAPS-PasswordExpirationTime", "1.2.840.113556.1.6.44.1.1", "2.5.5.16", 65, 0),
    "ms-LAPS-Password": ("msLAPS-Password", "1.2.840.113556.1.6.44.1.2", "2.5.5.5", 19, 904),
    "ms-Mcs-AdmPwdExpirationTime": ("ms-Mcs-AdmPwdExpirationTime", f"{_LEGACY}.2", "2.5.5.16", 65, 0),
    "ms-Mcs-AdmPwd": ("ms-Mcs-AdmPwd", f"{_LEGACY}.1", "2.5.5.5", 19, 904),
}


def extend_schema(conn: ldap3.Connection, base_dn: str) -> None:
    """Add the four attributes and let computer objects hold them."""
    schema = f"CN=Schema,CN=Configuration,{base_dn}"
    for cn, (name, oid, syntax, om_syntax, search_flags) in ATTRIBUTES.items():
        conn.add(
            f"CN={cn},{schema}",
            "attributeSchema",
            {
                "lDAPDisplayName": name,
                "attributeID": oid,
                "attributeSyntax": syntax,
                "oMSyntax": om_syntax,
                "isSingleValued": "TRUE",
                "searchFlags": search_flags,
                "isMemberOfPartialAttributeSet": "FALSE",
                "adminDisplayName": cn,
            },
        )
    # Samba reloads its schema when the schema partition changes, so no schemaUpdateNow is needed (ldap3 would
    # refuse its empty DN anyway).
    conn.modify(f"CN=Computer,{schema}", {"mayContain": [(ldap3.MODIFY_ADD, [a[0] for a in ATTRIBUTES.values()])]})
