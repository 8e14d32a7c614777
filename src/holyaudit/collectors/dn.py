"""Distinguished names as LDAP defines them (RFC 4514): split into RDNs, walked up, and compared.

Parsing is ldap3's (``ldap3.utils.dn.parse_dn``): escaped commas (``CN=Vance\\, Priya``), hex escapes (``\\3D``),
multi-valued RDNs (``CN=a+UID=b``) and UTF-8 values. A DN with no backslash, plus sign or quote has nothing to
unescape and splits at its commas exactly as ldap3 would split it, so it skips the parser (most DNs, read
thousands at a time). Compared DNs go through ``key``: attribute types and values case-insensitive, escapes
decoded, blanks around separators ignored, a multi-valued RDN's parts in any order.
"""

from __future__ import annotations

import functools
import re

Ava = tuple[str, str]
"""One attribute type and its value as written (escapes kept)."""
Rdn = tuple[Ava, ...]

_SPECIAL = re.compile(r'[\\+"<>;#]')
_AROUND_SEPARATORS = re.compile(r"\s*([,=])\s*")
# ldap3 accepts a backslash before these characters or two hex digits only; Samba also escapes others so
# (``\?``), which RFC 4514 allows, so those are turned into their hex form first.
_LDAP3_ESCAPABLE = frozenset(' "#+,;<=>\\\0') | frozenset("0123456789abcdefABCDEF")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# Escaped in keys as hex, so a key's only literal commas, plus signs and equals signs are separators.
_KEY_ESCAPES = str.maketrans({char: f"\\{ord(char):02x}" for char in '\\,+="<>;#'})


class InvalidDnError(ValueError):
    """Text that is not a distinguished name."""


@functools.lru_cache(maxsize=65536)
def rdns(dn: str) -> tuple[Rdn, ...]:
    """The RDNs of ``dn``, nearest first, each the attribute types and values (as written) it is made of.
    Cached: the same group and OU DNs come back for thousands of objects."""
    if _plain(dn):
        plain = [part.partition("=") for part in dn.split(",")]
        if all(equals and kind.strip() and value.strip() for kind, equals, value in plain):
            return tuple(((kind.strip(), value.strip()),) for kind, _, value in plain)
    # Imported here: loading the config checks its OUs, and a plain DN needs no parser, nor all of ldap3.
    from ldap3.core.exceptions import LDAPInvalidDnError
    from ldap3.utils.dn import parse_dn

    try:
        parsed = parse_dn(_ESCAPE.sub(_hex_escape, dn), escape=False, strip=True)
    except LDAPInvalidDnError as exc:
        raise InvalidDnError(f"{dn!r} is not a distinguished name: {exc}") from exc
    result: list[Rdn] = []
    current: list[Ava] = []
    for kind, value, separator in parsed:
        current.append((kind, value))
        if separator != "+":
            result.append(tuple(current))
            current = []
    return tuple(result)


def _plain(dn: str) -> bool:
    """``dn`` has no escape, quote or multi-valued RDN, and one ``=`` per RDN: it splits at its commas exactly as
    ldap3 splits it, and its values need no decoding."""
    return _SPECIAL.search(dn) is None and dn.count("=") == dn.count(",") + 1


def _spaced(dn: str) -> bool:
    """``dn`` has blanks around a separator or at an end, which a DN's meaning ignores."""
    return ", " in dn or " ," in dn or "= " in dn or " =" in dn or dn[:1] == " " or dn[-1:] == " "


def key_once(dn: str) -> str:
    """``key`` worked out without its cache, for a DN met once or twice in a run (each account's own): a large
    school's accounts would otherwise fill the cache for the life of the process with keys never asked for again."""
    return key.__wrapped__(dn)


def parent(dn: str) -> str:
    """The DN of the object's container: ``dn`` without its first RDN ('' for a DN of one RDN)."""
    if _plain(dn):
        first, _, rest = dn.partition(",")
        kind, _, value = first.partition("=")
        if kind.strip() and value.strip():
            return _AROUND_SEPARATORS.sub(r"\1", rest).strip() if _spaced(rest) else rest
    return ",".join("+".join(f"{kind}={value}" for kind, value in rdn) for rdn in rdns(dn)[1:])


def first_value(dn: str) -> str:
    """The value of the first RDN's first attribute, unescaped (a CN, say)."""
    return unescape(rdns(dn)[0][0][1])


def domain_name(dn: str) -> str:
    """The DNS name of a domain's DN: its DC components, unescaped, joined with dots."""
    return ".".join(unescape(value) for rdn in rdns(dn) for kind, value in rdn if kind.lower() == "dc")


@functools.lru_cache(maxsize=65536)
def key(dn: str) -> str:
    """``dn`` in a form two DNs of the same object share: compare keys, never DNs as text. Each RDN is one
    comma-separated part, so ``parent_key`` and ``within`` work on keys alone. Text that is not a DN is its own
    key, so it equals only itself (a DN from the server is compared, never refused, here)."""
    if _plain(dn):
        return (_AROUND_SEPARATORS.sub(r"\1", dn).strip() if _spaced(dn) else dn).casefold()
    try:
        parts = rdns(dn)
    except InvalidDnError:
        return dn
    return ",".join("+".join(sorted(f"{kind.lower()}={_key_value(value)}" for kind, value in rdn)) for rdn in parts)


def parent_key(dn_key: str) -> str:
    """The key of the container of the object whose key is ``dn_key`` ('' at the top)."""
    return dn_key.partition(",")[2]


def within(dn_key: str, ancestor_key: str) -> bool:
    """The object whose key is ``dn_key`` is the object ``ancestor_key`` or somewhere below it."""
    return dn_key == ancestor_key or dn_key.endswith("," + ancestor_key)


def unescape(value: str) -> str:
    """An attribute value as written in a DN, with its escapes decoded (``\\,`` and ``\\2C`` alike, hex escapes
    as UTF-8 bytes)."""
    if "\\" not in value:
        return value
    out = bytearray()
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            pair = value[index + 1 : index + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                out.append(int(pair, 16))
                index += 3
                continue
            char = value[index + 1]
            index += 1
        out += char.encode()
        index += 1
    return out.decode("utf-8", errors="replace")


def _key_value(value: str) -> str:
    text = unescape(value).casefold()
    return text.translate(_KEY_ESCAPES)


def _hex_escape(match: re.Match[str]) -> str:
    char = match.group(1)
    return match.group(0) if char in _LDAP3_ESCAPABLE else "".join(f"\\{byte:02X}" for byte in char.encode())
