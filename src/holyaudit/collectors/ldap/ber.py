"""Decoding LDAP search responses straight from the bytes a connection received: a strict, fast BER reader.

Pure (no sockets): the receive loop hands over whatever it has read, ``split_messages`` decodes every complete
LDAPMessage at its start and says how many bytes they used; the rest is a message still arriving.

What is read, and how strictly (RFC 4511, "LDAP: The Protocol"):

- section 4.1.1: ``LDAPMessage ::= SEQUENCE { messageID MessageID, protocolOp CHOICE {...}, controls [0] Controls
  OPTIONAL }``, ``MessageID ::= INTEGER (0 .. maxInt)``; ``Control ::= SEQUENCE { controlType LDAPOID,
  criticality BOOLEAN DEFAULT FALSE, controlValue OCTET STRING OPTIONAL }``.
- section 4.5.2: ``SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN, attributes
  PartialAttributeList }`` (each ``PartialAttribute ::= SEQUENCE { type AttributeDescription, vals SET OF value
  AttributeValue }``), ``SearchResultReference ::= [APPLICATION 19] SEQUENCE SIZE (1..MAX) OF uri URI`` and
  ``SearchResultDone ::= [APPLICATION 5] LDAPResult``.
- section 4.1.9: ``LDAPResult ::= SEQUENCE { resultCode ENUMERATED, matchedDN LDAPDN, diagnosticMessage
  LDAPString, referral [3] Referral OPTIONAL }``; section 4.12: ``ExtendedResponse ::= [APPLICATION 24] SEQUENCE {
  COMPONENTS OF LDAPResult, responseName [10] LDAPOID OPTIONAL, responseValue [11] OCTET STRING OPTIONAL }``.
- section 5.1: "Only the definite form of length encoding is used" (indefinite length is an error here) and
  OCTET STRINGs are primitive only; lengths may use the short or any long form (Active Directory writes every
  constructed element's length in four octets, ``0x84``).

RFC 2696 (simple paged results, control 1.2.840.113556.1.4.319): the control's value is
``realSearchControlValue ::= SEQUENCE { size INTEGER (0..maxInt), cookie OCTET STRING }``.

Every element must end exactly where its enclosing element ends; anything else is a ``BerError`` naming the
element and its byte offset in the buffer given. Search entries and results are decoded in full; other responses
(bind, extended, ...) are framed and handed back raw. The entry loop is written out inline, with integer offsets
over one ``bytes`` object, because it runs for every attribute value of every object a scan reads.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TypeAlias

PAGED_RESULTS = "1.2.840.113556.1.4.319"
NOTICE_OF_DISCONNECTION = "1.3.6.1.4.1.1466.20036"
"""responseName of the unsolicited notification a server sends (messageID 0) before it drops the connection."""

# protocolOp numbers (the [APPLICATION n] tag numbers of RFC 4511 section 4.2 onwards).
BIND_RESPONSE = 1
SEARCH_RESULT_ENTRY = 4
SEARCH_RESULT_DONE = 5
SEARCH_RESULT_REFERENCE = 19
EXTENDED_RESPONSE = 24
INTERMEDIATE_RESPONSE = 25

_U32 = struct.Struct(">I").unpack_from  # Active Directory's four-octet lengths (0x84), read without a slice
_MAX_INT = 2**31 - 1  # RFC 4511 section 4.1.1: maxInt
# Attribute descriptions as sent -> lower-cased text: every entry repeats them. Bounded, since a server chooses them.
_NAMES: dict[bytes, str] = {}
_NAMES_KEPT = 4096

# Identifier octets (X.690 section 8.1.2): universal primitive, universal constructed, application constructed,
# context-specific primitive and constructed.
_BOOLEAN = 0x01
_INTEGER = 0x02
_OCTET_STRING = 0x04
_ENUMERATED = 0x0A
_SEQUENCE = 0x30
_SET = 0x31
_ENTRY = 0x60 | SEARCH_RESULT_ENTRY
_DONE = 0x60 | SEARCH_RESULT_DONE
_REFERENCE = 0x60 | SEARCH_RESULT_REFERENCE
_EXTENDED = 0x60 | EXTENDED_RESPONSE
_CONTROLS = 0xA0
_REFERRAL = 0xA3
_RESPONSE_NAME = 0x8A
_RESPONSE_VALUE = 0x8B
# The other responses a server sends (bind, modify, add, delete, modify DN, compare, extended, intermediate):
# framed and passed on raw. Requests, or anything else, where a protocolOp should be are errors.
_OTHER_RESPONSES = frozenset({0x61, 0x67, 0x69, 0x6B, 0x6D, 0x6F, _EXTENDED, 0x79})
_RESPONSES = _OTHER_RESPONSES | {_ENTRY, _DONE, _REFERENCE}


class BerError(ValueError):
    """Bytes that are not a well-formed LDAP response; the message says what is wrong and at which byte offset."""


@dataclass(frozen=True, slots=True)
class SearchEntry:
    message_id: int
    dn: str
    attributes: dict[str, list[bytes]]
    """Attribute description, lower-cased (``member;range=0-1499`` kept as it is) -> its values, as sent."""


@dataclass(frozen=True, slots=True)
class SearchReference:
    message_id: int
    uris: list[str]


@dataclass(frozen=True, slots=True)
class SearchDone:
    message_id: int
    result_code: int
    matched_dn: str
    message: str
    """The diagnostic message as sent (Active Directory ends it with a NUL character); octets that are not UTF-8
    read as U+FFFD, so that a garbled message cannot hide the result code."""
    referrals: list[str]
    controls: dict[str, bytes | None]
    """Control OID -> its raw controlValue (None if it has none)."""


@dataclass(frozen=True, slots=True)
class OtherMessage:
    """A response other than a search's (for example a Notice of Disconnection: an extended response with
    messageID 0), framed and checked as far as its protocolOp, then handed back whole."""

    message_id: int
    op_tag: int
    """The protocolOp's [APPLICATION n] number: ``EXTENDED_RESPONSE`` (24), ``BIND_RESPONSE`` (1), ..."""
    raw: bytes
    """The whole LDAPMessage."""


@dataclass(frozen=True, slots=True)
class ExtendedResult:
    result_code: int
    matched_dn: str
    message: str
    response_name: str | None
    response_value: bytes | None


Message: TypeAlias = SearchEntry | SearchReference | SearchDone | OtherMessage


def split_messages(buffer: bytes | bytearray | memoryview) -> tuple[list[Message], int]:
    """Decode every complete LDAPMessage at the start of buffer; return them and how many bytes they used (the
    rest is an incomplete message to keep for the next read). A memoryview must be of bytes.

    A message whose length runs past the end of the buffer is waited for; anything malformed in a complete
    message, or a message that does not start as an LDAPMessage, raises ``BerError``.
    """
    size = len(buffer)
    bounds: list[tuple[int, int, int]] = []
    pos = 0
    while pos < size:
        if buffer[pos] != _SEQUENCE:
            raise BerError(f"expected an LDAPMessage (tag 0x30) at offset {pos}, found tag 0x{buffer[pos]:02x}")
        if pos + 1 == size:
            break
        first = buffer[pos + 1]
        if first < 0x80:
            start = pos + 2
            end = start + first
        else:
            count = first & 0x7F
            if count == 0:
                raise _indefinite("LDAPMessage", pos)
            if count > 4:
                raise BerError(f"LDAPMessage at offset {pos}: a length in {count} octets (4 GiB or more)")
            start = pos + 2 + count
            if start > size:
                break
            end = start + int.from_bytes(buffer[pos + 2 : start], "big")
        if end > size:
            break
        bounds.append((pos, start, end))
        pos = end
    if not bounds:
        return [], 0
    # One copy of the complete messages, so that every value sliced from it is an independent bytes object.
    data = buffer if isinstance(buffer, bytes) else bytes(memoryview(buffer)[:pos])
    return [_message(data, *where) for where in bounds], pos


def paged_cookie(done: SearchDone) -> bytes | None:
    """The RFC 2696 cookie of the paged results control: None when there is no further page (an empty cookie)
    or no control at all."""
    if PAGED_RESULTS not in done.controls:
        return None
    value = done.controls[PAGED_RESULTS]
    if value is None:
        raise BerError("paged results control without a value")
    where = "paged results control value"
    start, stop = _element(value, 0, len(value), _SEQUENCE, where)
    if stop != len(value):
        raise _trailing(where, stop)
    size_start, size_stop = _element(value, start, stop, _INTEGER, f"{where}: size")
    _integer(value, size_start, size_stop, f"{where}: size")
    cookie_start, cookie_stop = _element(value, size_stop, stop, _OCTET_STRING, f"{where}: cookie")
    if cookie_stop != stop:
        raise _trailing(where, cookie_stop)
    return value[cookie_start:cookie_stop] or None


def extended_response(message: OtherMessage) -> ExtendedResult:
    """The result carried by an extended response, such as a Notice of Disconnection.

    Active Directory places a Notice of Disconnection's responseName after the ExtendedResponse instead of inside
    it (ldap3's fast decoder fails on it with ``KeyError: 10``); both layouts are read.
    """
    if message.op_tag != EXTENDED_RESPONSE:
        raise BerError(f"protocolOp {message.op_tag} is not an extended response")
    data = message.raw
    start, end = _element(data, 0, len(data), _SEQUENCE, "LDAPMessage")
    p = _element(data, start, end, _INTEGER, "messageID")[1]
    op_start, op_end = _element(data, p, end, _EXTENDED, "extendedResp")
    code, matched_dn, text, _, p = _result(data, op_start, op_end)
    name, value, p = _response_name_value(data, p, op_end)
    if p != op_end:
        raise _trailing("extendedResp", p)
    if name is None and value is None:
        name, value, _ = _response_name_value(data, op_end, end)
    return ExtendedResult(code, matched_dn, text, name, value)


def _message(data: bytes, pos: int, start: int, end: int) -> Message:
    """One complete LDAPMessage: the bytes from pos to end, its contents from start."""
    id_start, p = _element(data, start, end, _INTEGER, "messageID")
    message_id = _integer(data, id_start, p, "messageID")
    if not 0 <= message_id <= _MAX_INT:
        raise BerError(f"messageID at offset {start}: {message_id} is outside 0..maxInt")
    if p >= end:
        raise BerError(f"LDAPMessage at offset {pos}: no protocolOp")
    op = data[p]
    if op not in _RESPONSES:
        raise BerError(f"protocolOp at offset {p}: tag 0x{op:02x} is not an LDAP response")
    op_start, op_end = _element(data, p, end, op, "protocolOp")
    after = op_end
    if op == _EXTENDED:
        # Active Directory's Notice of Disconnection: responseName after the protocolOp (see extended_response).
        after = _response_name_value(data, op_end, end)[2]
    controls: dict[str, bytes | None] = {}
    if after != end:
        controls_start, controls_end = _element(data, after, end, _CONTROLS, "controls")
        if controls_end != end:
            raise _trailing("LDAPMessage", controls_end)
        controls = _controls(data, controls_start, controls_end)
    if op == _ENTRY:
        return _entry(data, message_id, op_start, op_end)  # an entry's controls are read (checked) and dropped
    if op == _DONE:
        code, matched_dn, text, referrals, after = _result(data, op_start, op_end)
        if after != op_end:
            raise _trailing("searchResDone", after)
        return SearchDone(message_id, code, matched_dn, text, referrals, controls)
    if op == _REFERENCE:
        uris = _strings(data, op_start, op_end, "searchResRef URI")
        if not uris:
            raise BerError(f"searchResRef at offset {p}: no URI (SIZE (1..MAX))")
        return SearchReference(message_id, uris)
    return OtherMessage(message_id, op & 0x1F, data[pos:end])


def _entry(data: bytes, message_id: int, p: int, end: int) -> SearchEntry:
    """A SearchResultEntry's contents, from p to end.

    The attribute loop reads each header inline: a header's second octet may lie past the element that encloses
    it (or past the buffer: IndexError), but then the length read from it always puts the element's end past its
    enclosing element's end, which is checked, so strictness does not cost a test per octet read.
    """
    dn_start, dn_end = _element(data, p, end, _OCTET_STRING, "objectName")
    try:
        dn = data[dn_start:dn_end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BerError(f"objectName at offset {p}: not UTF-8 ({exc.reason} at offset {dn_start + exc.start})") from None
    p, list_end = _element(data, dn_end, end, _SEQUENCE, "attributes")
    if list_end != end:
        raise _trailing("searchResEntry", list_end)
    attributes: dict[str, list[bytes]] = {}
    u32 = _U32
    names = _NAMES
    try:
        while p < list_end:
            # PartialAttribute ::= SEQUENCE { type AttributeDescription, vals SET OF value AttributeValue }
            if data[p] != _SEQUENCE:
                raise _wrong_tag("PartialAttribute", p, _SEQUENCE, data[p])
            n = data[p + 1]
            if n < 0x80:
                q = p + 2
                attribute_end = q + n
            elif n == 0x84:
                q = p + 6
                attribute_end = q + u32(data, p + 2)[0]
            else:
                q, attribute_end = _long(data, p, n, "PartialAttribute")
            if attribute_end > list_end:
                raise _overrun("PartialAttribute", p, list_end)
            if data[q] != _OCTET_STRING:
                raise _wrong_tag("attribute description", q, _OCTET_STRING, data[q])
            n = data[q + 1]
            if n < 0x80:
                name_start = q + 2
                name_end = name_start + n
            else:
                name_start, name_end = _long(data, q, n, "attribute description")
            if name_end >= attribute_end:
                raise BerError(f"PartialAttribute at offset {p}: its type and vals do not fit in it")
            raw_name = data[name_start:name_end]
            name = names.get(raw_name)
            if name is None:
                if len(names) >= _NAMES_KEPT:
                    names.clear()
                name = names[raw_name] = raw_name.decode("utf-8").lower()
            q = name_end
            if data[q] != _SET:
                raise _wrong_tag("vals", q, _SET, data[q])
            n = data[q + 1]
            if n < 0x80:
                q += 2
                vals_end = q + n
            elif n == 0x84:
                vals_end = q + 6 + u32(data, q + 2)[0]
                q += 6
            else:
                q, vals_end = _long(data, q, n, "vals")
            if vals_end != attribute_end:
                if vals_end > attribute_end:
                    raise _overrun("vals", name_end, attribute_end)
                raise _trailing("PartialAttribute", vals_end)
            values: list[bytes] = []
            while q < vals_end:
                if data[q] != _OCTET_STRING:
                    raise _wrong_tag("attribute value", q, _OCTET_STRING, data[q])
                n = data[q + 1]
                if n < 0x80:
                    value_start = q + 2
                    value_end = value_start + n
                else:
                    value_start, value_end = _long(data, q, n, "attribute value")
                if value_end > vals_end:
                    raise _overrun("attribute value", q, vals_end)
                values.append(data[value_start:value_end])
                q = value_end
            attributes[name] = values
            p = attribute_end
    except (IndexError, struct.error):
        raise BerError(f"PartialAttribute at offset {p}: an element header runs past the end of the data") from None
    except UnicodeDecodeError as exc:
        # Only the attribute description is decoded in the loop; p is still at its PartialAttribute.
        raise BerError(
            f"attribute description in the PartialAttribute at offset {p}: not UTF-8 ({exc.reason})"
        ) from None
    return SearchEntry(message_id, dn, attributes)


def _result(data: bytes, p: int, end: int) -> tuple[int, str, str, list[str], int]:
    """LDAPResult's components from p: result code, matched DN, diagnostic message, referrals, and the offset
    after them (an extended response carries more)."""
    code_start, p = _element(data, p, end, _ENUMERATED, "resultCode")
    code = _integer(data, code_start, p, "resultCode")
    matched_start, matched_end = _element(data, p, end, _OCTET_STRING, "matchedDN")
    matched_dn = _utf8(data, matched_start, matched_end, "matchedDN")
    text_start, p = _element(data, matched_end, end, _OCTET_STRING, "diagnosticMessage")
    text = data[text_start:p].decode("utf-8", errors="replace")
    referrals: list[str] = []
    if p < end and data[p] == _REFERRAL:
        referral_start, referral_end = _element(data, p, end, _REFERRAL, "referral")
        referrals = _strings(data, referral_start, referral_end, "referral URI")
        if not referrals:
            raise BerError(f"referral at offset {p}: no URI (SIZE (1..MAX))")
        p = referral_end
    return code, matched_dn, text, referrals, p


def _response_name_value(data: bytes, p: int, end: int) -> tuple[str | None, bytes | None, int]:
    """An extended response's optional responseName [10] and responseValue [11] from p, and the offset after."""
    name = value = None
    if p < end and data[p] == _RESPONSE_NAME:
        name_start, p = _element(data, p, end, _RESPONSE_NAME, "responseName")
        name = _utf8(data, name_start, p, "responseName")
    if p < end and data[p] == _RESPONSE_VALUE:
        value_start, p = _element(data, p, end, _RESPONSE_VALUE, "responseValue")
        value = data[value_start:p]
    return name, value, p


def _controls(data: bytes, p: int, end: int) -> dict[str, bytes | None]:
    controls: dict[str, bytes | None] = {}
    while p < end:
        control_start, control_end = _element(data, p, end, _SEQUENCE, "Control")
        oid_start, q = _element(data, control_start, control_end, _OCTET_STRING, "controlType")
        oid = _utf8(data, oid_start, q, "controlType")
        if q < control_end and data[q] == _BOOLEAN:
            criticality_start, q = _element(data, q, control_end, _BOOLEAN, "criticality")
            if q - criticality_start != 1:
                raise BerError(f"criticality at offset {criticality_start - 2}: {q - criticality_start} octets, not 1")
        value = None
        if q < control_end:
            value_start, q = _element(data, q, control_end, _OCTET_STRING, "controlValue")
            value = data[value_start:q]
        if q != control_end:
            raise _trailing("Control", q)
        controls[oid] = value
        p = control_end
    return controls


def _strings(data: bytes, p: int, end: int, what: str) -> list[str]:
    """A SEQUENCE OF LDAPString's contents, from p to end."""
    strings: list[str] = []
    while p < end:
        start, p = _element(data, p, end, _OCTET_STRING, what)
        strings.append(_utf8(data, start, p, what))
    return strings


def _element(data: bytes, p: int, end: int, tag: int, what: str) -> tuple[int, int]:
    """The element at p, which must have this tag and lie within end: the offsets of its contents' start and end."""
    if p >= end:
        raise BerError(f"{what} missing: its enclosing element ends at offset {end}")
    if data[p] != tag:
        raise _wrong_tag(what, p, tag, data[p])
    if p + 2 > end:
        raise _overrun(what, p, end)
    n = data[p + 1]
    if n < 0x80:
        start = p + 2
        stop = start + n
    else:
        start, stop = _long(data, p, n, what)
    if stop > end:
        raise _overrun(what, p, end)
    return start, stop


def _long(data: bytes, p: int, first: int, what: str) -> tuple[int, int]:
    """A long-form length (first octet 0x81 and above) of the element at p: its contents' start and end. A length
    octet missing from the buffer reads as a shorter number, still ending past the element's start: the caller's
    bounds check catches it."""
    if first == 0x80:
        raise _indefinite(what, p)
    start = p + 2 + (first & 0x7F)
    return start, start + int.from_bytes(data[p + 2 : start], "big")


def _integer(data: bytes, start: int, stop: int, what: str) -> int:
    if start == stop:
        raise BerError(f"{what} at offset {start - 2}: an INTEGER with no content octets")
    return int.from_bytes(data[start:stop], "big", signed=True)


def _utf8(data: bytes, start: int, stop: int, what: str) -> str:
    try:
        return data[start:stop].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BerError(f"{what} at offset {start}: not UTF-8 ({exc.reason} at offset {start + exc.start})") from None


def _wrong_tag(what: str, p: int, expected: int, found: int) -> BerError:
    return BerError(f"{what} at offset {p}: expected tag 0x{expected:02x}, found 0x{found:02x}")


def _overrun(what: str, p: int, end: int) -> BerError:
    return BerError(f"{what} at offset {p}: its length runs past the end of its enclosing element (offset {end})")


def _trailing(what: str, p: int) -> BerError:
    return BerError(f"{what}: unexpected data at offset {p}, where it should end")


def _indefinite(what: str, p: int) -> BerError:
    return BerError(f"{what} at offset {p}: indefinite length (0x80); LDAP uses only definite lengths (RFC 4511 5.1)")
