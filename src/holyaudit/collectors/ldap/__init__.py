"""Reading Active Directory over LDAP (ldap3): the directory fact sets."""
