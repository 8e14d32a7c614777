"""The LDAP response decoder: the same answers as ldap3 on the same bytes, every length form, streams cut anywhere,
and malformed input refused with the offset of the fault."""

from __future__ import annotations

import re

import pytest
from ldap3.protocol.controls import build_control
from ldap3.protocol.rfc2696 import paged_search_control
from ldap3.protocol.rfc4511 import (
    LDAPDN,
    URI,
    AttributeDescription,
    AttributeValue,
    Controls,
    ExtendedResponse,
    LDAPMessage,
    LDAPString,
    MessageID,
    PartialAttribute,
    PartialAttributeList,
    ProtocolOp,
    Referral,
    ResponseName,
    ResultCode,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    Vals,
)
from ldap3.strategy.base import BaseStrategy
from ldap3.utils.asn1 import decode_message_fast, encode, ldap_result_to_dict_fast
from ldap3.utils.conv import to_unicode

from holyaudit.collectors.ldap.ber import (
    EXTENDED_RESPONSE,
    NOTICE_OF_DISCONNECTION,
    PAGED_RESULTS,
    BerError,
    ExtendedResult,
    OtherMessage,
    SearchDone,
    SearchEntry,
    SearchReference,
    extended_response,
    paged_cookie,
    split_messages,
)

DN = "CN=Pupil 00042,OU=Year 7,OU=Pupils,DC=holywell,DC=local"
ATTRIBUTES = {
    "sAMAccountName": [b"pupil00042"],
    "userAccountControl": [b"512"],
    "memberOf": [b"CN=Year 7 Pupils,OU=Groups,DC=holywell,DC=local", b"CN=All Pupils,OU=Groups,DC=holywell,DC=local"],
    "logonHours": [bytes.fromhex("00e0ff" * 7)],
}
LOWER = {name.lower(): values for name, values in ATTRIBUTES.items()}


# Building messages: with ldap3's own encoder (pyasn1, shortest lengths), or by hand for layouts it cannot write.


def ldap3_message(message_id: int, op_name: str, op: object, controls: list[object] | None = None) -> bytes:
    message = LDAPMessage()
    message["messageID"] = MessageID(message_id)
    protocol_op = ProtocolOp()
    protocol_op.setComponentByName(op_name, op)
    message["protocolOp"] = protocol_op
    if controls:
        sequence = Controls()
        for i, control in enumerate(controls):
            sequence.setComponentByPosition(i, control)
        message["controls"] = sequence
    return bytes(encode(message))


def ldap3_entry(message_id: int, dn: str, attributes: dict[str, list[bytes]], controls=None) -> bytes:
    entry = SearchResultEntry()
    entry["object"] = LDAPDN(dn)
    partial_list = PartialAttributeList()
    for i, (name, values) in enumerate(attributes.items()):
        partial = PartialAttribute()
        partial["type"] = AttributeDescription(name)
        vals = Vals()
        for j, value in enumerate(values):
            vals.setComponentByPosition(j, AttributeValue(value))
        partial["vals"] = vals
        partial_list.setComponentByPosition(i, partial)
    entry["attributes"] = partial_list
    return ldap3_message(message_id, "searchResEntry", entry, controls)


def ldap3_done(message_id: int, code: int, matched: str, text: str, referrals=(), controls=None) -> bytes:
    done = SearchResultDone()
    done["resultCode"] = ResultCode(code)
    done["matchedDN"] = LDAPDN(matched)
    done["diagnosticMessage"] = LDAPString(text)
    if referrals:
        referral = Referral()
        for i, uri in enumerate(referrals):
            referral.setComponentByPosition(i, URI(uri))
        done["referral"] = referral
    return ldap3_message(message_id, "searchResDone", done, controls)


def tlv(tag: int, content: bytes, octets: int | None = None) -> bytes:
    """One BER element: its length in the shortest form, or in the long form in this many octets."""
    if octets is None:
        if len(content) < 0x80:
            return bytes([tag, len(content)]) + content
        octets = (len(content).bit_length() + 7) // 8
    return bytes([tag, 0x80 | octets]) + len(content).to_bytes(octets, "big") + content


def entry_bytes(message_id: int, dn: bytes, attributes: list[tuple[bytes, bytes]], *, ad: bool = False) -> bytes:
    """A SearchResultEntry message from raw pieces: each attribute is (description, the vals SET's contents).
    ``ad``: every constructed element's length in four octets, as Active Directory writes them."""
    n = 4 if ad else None
    partials = b"".join(tlv(0x30, tlv(0x04, name) + tlv(0x31, vals, n), n) for name, vals in attributes)
    return tlv(0x30, tlv(0x02, bytes([message_id])) + tlv(0x64, tlv(0x04, dn) + tlv(0x30, partials, n), n), n)


def values(*items: bytes) -> bytes:
    return b"".join(tlv(0x04, item) for item in items)


# What ldap3 makes of the same bytes: its fast decoder, then the collector's raw-entry dictionary.


def ldap3_reads_entry(raw: bytes) -> tuple[str, dict[str, list[bytes]]]:
    message = decode_message_fast(raw)
    dn, attributes = message["payload"]
    return to_unicode(dn[3], from_server=True), {
        to_unicode(a[3][0][3], from_server=True).lower(): [bytes(v[3]) for v in a[3][1][3]] for a in attributes[3]
    }


def ldap3_reads_done(raw: bytes) -> tuple[int, str, str, list[str] | None, bytes]:
    message = decode_message_fast(raw)
    result = ldap_result_to_dict_fast(message["payload"])
    controls = dict(BaseStrategy.decode_control_fast(c[3]) for c in message["controls"] or ())
    return (
        result["result"],
        result["dn"],
        result["message"],
        result["referrals"],
        controls[PAGED_RESULTS]["value"]["cookie"],
    )


def only(raw: bytes | bytearray | memoryview):
    messages, used = split_messages(raw)
    assert used == len(raw)
    assert len(messages) == 1
    return messages[0]


# Entries


@pytest.mark.parametrize("encoder", ["ldap3", "active directory"])
def test_entry_reads_as_ldap3_reads_it(encoder):
    if encoder == "ldap3":
        raw = ldap3_entry(7, DN, ATTRIBUTES)
    else:
        raw = entry_bytes(7, DN.encode(), [(k.encode(), values(*v)) for k, v in ATTRIBUTES.items()], ad=True)
    assert only(raw) == SearchEntry(7, DN, LOWER)
    assert ldap3_reads_entry(raw) == (DN, LOWER)


@pytest.mark.parametrize(
    ("size", "length_octets"),
    [(127, b"\x04\x7f"), (200, b"\x04\x81\xc8"), (300, b"\x04\x82\x01\x2c"), (70_000, b"\x04\x83\x01\x11\x70")],
)
def test_values_of_every_length_form(size, length_octets):
    blob = bytes(i % 251 for i in range(size))
    raw = ldap3_entry(2, DN, {"replPropertyMetaData": [blob], "cn": [b"x"]})
    assert length_octets + blob[:4] in raw
    assert only(raw) == SearchEntry(2, DN, {"replpropertymetadata": [blob], "cn": [b"x"]})
    assert ldap3_reads_entry(raw)[1]["replpropertymetadata"] == [blob]


def test_lengths_in_more_octets_than_needed_are_read():
    raw = tlv(0x30, tlv(0x02, b"\x05") + tlv(0x64, tlv(0x04, b"CN=a", 2) + tlv(0x30, b"", 4), 3), 4)
    assert only(raw) == SearchEntry(5, "CN=a", {})


def test_empty_value_empty_vals_and_many_values():
    raw = ldap3_entry(3, DN, {"description": [b""], "member": [], "memberOf": [b"CN=A", b"CN=B", b"CN=C"]})
    assert only(raw) == SearchEntry(
        3, DN, {"description": [b""], "member": [], "memberof": [b"CN=A", b"CN=B", b"CN=C"]}
    )
    assert ldap3_reads_entry(raw)[1] == {"description": [b""], "member": [], "memberof": [b"CN=A", b"CN=B", b"CN=C"]}


def test_ranged_attribute_is_kept_lower_cased_for_the_caller_to_see():
    raw = ldap3_entry(4, "CN=Staff,DC=x", {"member;Range=0-1499": [b"CN=a", b"CN=b"]})
    assert only(raw) == SearchEntry(4, "CN=Staff,DC=x", {"member;range=0-1499": [b"CN=a", b"CN=b"]})


def test_entry_controls_are_accepted_and_dropped():
    controls = [build_control("1.2.3.4", True, None), build_control("1.2.3.5", False, None)]
    raw = ldap3_entry(9, DN, ATTRIBUTES, controls)
    assert raw != ldap3_entry(9, DN, ATTRIBUTES)
    assert only(raw) == SearchEntry(9, DN, LOWER)


def test_a_dn_in_utf8():
    raw = ldap3_entry(2, "CN=Zoë Brontë,DC=x", {"displayName": ["Zoë".encode()]})
    assert only(raw) == SearchEntry(2, "CN=Zoë Brontë,DC=x", {"displayname": ["Zoë".encode()]})


def test_values_are_bytes_of_their_own_not_views_of_the_buffer():
    buffer = bytearray(ldap3_entry(2, DN, ATTRIBUTES))
    entry = only(buffer)
    buffer[:] = bytes(len(buffer))
    assert entry == SearchEntry(2, DN, LOWER)
    assert {type(v) for vs in entry.attributes.values() for v in vs} == {bytes}


# Results, references, other responses


def test_search_done_with_referrals_error_code_and_cookie_reads_as_ldap3_reads_it():
    raw = ldap3_done(
        6,
        10,
        "DC=holywell,DC=local",
        "0000202B: RefErr: DSID-0310084A, data 0, 1 access points\x00",
        ["ldap://dc2.holywell.local/DC=holywell,DC=local", "ldap://dc3.holywell.local/DC=holywell,DC=local"],
        [paged_search_control(False, 0, b"\x01\x02cookie")],
    )
    done = only(raw)
    assert done == SearchDone(
        6,
        10,
        "DC=holywell,DC=local",
        "0000202B: RefErr: DSID-0310084A, data 0, 1 access points\x00",
        ["ldap://dc2.holywell.local/DC=holywell,DC=local", "ldap://dc3.holywell.local/DC=holywell,DC=local"],
        {PAGED_RESULTS: b"\x30\x0d\x02\x01\x00\x04\x08\x01\x02cookie"},
    )
    assert paged_cookie(done) == b"\x01\x02cookie"
    assert ldap3_reads_done(raw) == (
        done.result_code,
        done.matched_dn,
        done.message,
        done.referrals,
        b"\x01\x02cookie",
    )


def test_last_page_and_unpaged_results_have_no_cookie():
    last = only(ldap3_done(6, 0, "", "", controls=[paged_search_control(False, 0, b"")]))
    unpaged = only(ldap3_done(6, 0, "", ""))
    assert (paged_cookie(last), paged_cookie(unpaged)) == (None, None)
    assert unpaged == SearchDone(6, 0, "", "", [], {})


def test_a_control_with_criticality_and_one_without_a_value():
    raw = ldap3_done(
        8,
        0,
        "",
        "",
        controls=[
            build_control("1.2.3.4", True, None),
            build_control("1.2.3.5", True, b"\x04\x01v", encode_control_value=False),
        ],
    )
    assert only(raw).controls == {"1.2.3.4": None, "1.2.3.5": b"\x04\x01v"}


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, "paged results control without a value"),
        (
            b"\x30\x03\x02\x01\x00",
            "paged results control value: cookie missing: its enclosing element ends at offset 5",
        ),
        (b"\x30\x05\x02\x01\x00\x04\x00\x00", "paged results control value: unexpected data at offset 7"),
    ],
)
def test_malformed_paged_results_value(value, error):
    with pytest.raises(BerError, match=re.escape(error)):
        paged_cookie(SearchDone(2, 0, "", "", [], {PAGED_RESULTS: value}))


def test_search_result_reference():
    reference = SearchResultReference()
    for i, uri in enumerate(["ldap://holywell.local/CN=Configuration,DC=holywell,DC=local", "ldap://b/DC=x"]):
        reference.setComponentByPosition(i, URI(uri))
    raw = ldap3_message(3, "searchResRef", reference)
    assert only(raw) == SearchReference(
        3, ["ldap://holywell.local/CN=Configuration,DC=holywell,DC=local", "ldap://b/DC=x"]
    )


def test_notice_of_disconnection_as_rfc_4511_lays_it_out():
    response = ExtendedResponse()
    response["resultCode"] = ResultCode(52)
    response["matchedDN"] = LDAPDN("")
    response["diagnosticMessage"] = LDAPString("shutting down")
    response["responseName"] = ResponseName(NOTICE_OF_DISCONNECTION)
    raw = ldap3_message(0, "extendedResp", response)
    notice = only(raw)
    assert notice == OtherMessage(0, EXTENDED_RESPONSE, raw)
    assert extended_response(notice) == ExtendedResult(52, "", "shutting down", NOTICE_OF_DISCONNECTION, None)


def test_notice_of_disconnection_as_active_directory_lays_it_out():
    """AD puts the responseName after the ExtendedResponse, in the LDAPMessage, where ldap3 cannot read it."""
    text = b"00000057: LdapErr: DSID-0C0C0095, comment: Error decoding ldap message, data 0, v4563\x00"
    response = tlv(0x78, tlv(0x0A, b"\x02") + tlv(0x04, b"") + tlv(0x04, text), 4)
    raw = tlv(0x30, tlv(0x02, b"\x00") + response + tlv(0x8A, NOTICE_OF_DISCONNECTION.encode()), 4)
    notice = only(raw)
    assert notice == OtherMessage(0, EXTENDED_RESPONSE, raw)
    assert extended_response(notice) == ExtendedResult(2, "", text.decode(), NOTICE_OF_DISCONNECTION, None)


def test_other_responses_are_passed_on_whole():
    bind = tlv(0x30, tlv(0x02, b"\x01") + tlv(0x61, tlv(0x0A, b"\x31") + tlv(0x04, b"") + tlv(0x04, b"bad password")))
    assert only(bind) == OtherMessage(1, 1, bind)


# Streams


def test_a_stream_cut_anywhere_gives_the_complete_messages_and_never_raises():
    first = ldap3_entry(2, DN, {"cn": [b"a" * 200]})
    second = ldap3_done(2, 0, "", "", controls=[paged_search_control(False, 0, b"next")])
    stream = first + second
    entry = SearchEntry(2, DN, {"cn": [b"a" * 200]})
    done = SearchDone(2, 0, "", "", [], {PAGED_RESULTS: b"\x30\x09\x02\x01\x00\x04\x04next"})
    for cut in range(len(stream) + 1):
        if cut < len(first):
            expected = ([], 0)
        elif cut < len(stream):
            expected = ([entry], len(first))
        else:
            expected = ([entry, done], len(stream))
        for form in (bytes, bytearray, memoryview):
            assert split_messages(form(stream[:cut])) == expected, (cut, form)


def test_many_messages_fed_in_small_reads_come_out_in_order():
    stream = b"".join(ldap3_entry(2, f"CN=u{i},DC=x", {"cn": [str(i).encode()]}) for i in range(50))
    buffer = bytearray()
    seen = []
    for offset in range(0, len(stream), 7):
        buffer += stream[offset : offset + 7]
        messages, used = split_messages(buffer)
        del buffer[:used]
        seen += messages
    assert buffer == b""
    assert seen == [SearchEntry(2, f"CN=u{i},DC=x", {"cn": [str(i).encode()]}) for i in range(50)]


# Malformed input


def test_indefinite_length_of_a_message():
    with pytest.raises(BerError, match=re.escape("LDAPMessage at offset 0: indefinite length (0x80)")):
        split_messages(b"\x30\x80\x02\x01\x01")


def test_indefinite_length_inside_an_entry():
    vals = b"\x04\x80abc\x00\x00"
    raw = entry_bytes(2, b"CN=a", [(b"cn", vals)])
    offset = raw.index(vals)
    with pytest.raises(BerError, match=re.escape(f"attribute value at offset {offset}: indefinite length (0x80)")):
        split_messages(raw)


def test_a_value_longer_than_its_set_with_more_bytes_after_it():
    raw = entry_bytes(2, b"CN=a", [(b"cn", b"\x04\x0aabc"), (b"sn", values(b"0123456789"))])
    assert raw.index(b"\x04\x0aabc") == 23
    error = "attribute value at offset 23: its length runs past the end of its enclosing element (offset 28)"
    with pytest.raises(BerError, match=re.escape(error)):
        split_messages(raw)


def test_a_value_running_past_the_end_of_its_message_is_an_error_once_the_message_is_complete():
    raw = entry_bytes(2, b"CN=a", [(b"cn", b"\x04\x05abc")])
    assert split_messages(raw[:-1]) == ([], 0)  # the message itself is still arriving: wait for more
    error = "attribute value at offset 23: its length runs past the end of its enclosing element (offset 28)"
    with pytest.raises(BerError, match=re.escape(error)):
        split_messages(raw)


def test_an_element_header_cut_at_the_end_of_the_data():
    raw = entry_bytes(2, b"CN=a", [(b"cn", b"\x04")])
    offset = raw.index(b"\x30\x07\x04\x02cn")
    with pytest.raises(BerError, match=re.escape(f"PartialAttribute at offset {offset}: an element header runs past")):
        split_messages(raw)


@pytest.mark.parametrize(
    ("op", "error"),
    [
        (tlv(0x04, b"x"), "protocolOp at offset 5: tag 0x04 is not an LDAP response"),
        (tlv(0x63, b""), "protocolOp at offset 5: tag 0x63 is not an LDAP response"),  # a searchRequest
        (b"", "LDAPMessage at offset 0: no protocolOp"),
    ],
)
def test_wrong_tag_where_the_protocol_op_should_be(op, error):
    with pytest.raises(BerError, match=re.escape(error)):
        split_messages(tlv(0x30, tlv(0x02, b"\x07") + op))


def test_dn_that_is_not_utf8():
    raw = entry_bytes(2, b"CN=\xffa", [(b"cn", values(b"a"))])
    with pytest.raises(
        BerError, match=re.escape("objectName at offset 7: not UTF-8 (invalid start byte at offset 12)")
    ):
        split_messages(raw)


def test_attribute_name_that_is_not_utf8():
    raw = entry_bytes(2, b"CN=a", [(b"cn", values(b"a")), (b"s\xc3", values(b"b"))])
    offset = raw.index(b"\x04\x02s\xc3") - 2
    with pytest.raises(
        BerError, match=re.escape(f"attribute description in the PartialAttribute at offset {offset}: not UTF-8")
    ):
        split_messages(raw)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"\x31\x00", "expected an LDAPMessage (tag 0x30) at offset 0, found tag 0x31"),
        (b"\x30\x85\x00\x00\x00\x00\x01\x00", "LDAPMessage at offset 0: a length in 5 octets"),
        (tlv(0x30, tlv(0x02, b"\xff") + tlv(0x65, b"")), "messageID at offset 2: -1 is outside 0..maxInt"),
        (tlv(0x30, tlv(0x02, b"") + tlv(0x65, b"")), "messageID at offset 2: an INTEGER with no content octets"),
        (tlv(0x30, tlv(0x02, b"\x01") + tlv(0x65, b"")), "resultCode missing: its enclosing element ends at offset 7"),
        (
            tlv(
                0x30, tlv(0x02, b"\x01") + tlv(0x65, tlv(0x0A, b"\x00") + tlv(0x04, b"") + tlv(0x04, b"")) + b"\x04\x00"
            ),
            "controls at offset 14: expected tag 0xa0, found 0x04",
        ),
        (
            tlv(0x30, tlv(0x02, b"\x01") + tlv(0x73, b"")),
            "searchResRef at offset 5: no URI (SIZE (1..MAX))",
        ),
        (
            entry_bytes(2, b"CN=a", [(b"cn", values(b"a") + b"\x30\x00")]),
            "attribute value at offset 26: expected tag 0x04, found 0x30",
        ),
    ],
)
def test_other_malformed_messages(raw, error):
    with pytest.raises(BerError, match=re.escape(error)):
        split_messages(raw)


def test_a_malformed_start_is_refused_before_the_rest_arrives():
    with pytest.raises(BerError, match=re.escape("expected an LDAPMessage (tag 0x30) at offset 0, found tag 0x00")):
        split_messages(b"\x00")
