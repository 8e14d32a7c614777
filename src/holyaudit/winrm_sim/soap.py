"""The WS-Management Windows Remote Shell messages: reading requests and writing responses and faults.

Responses follow what Windows sends, so pywinrm finds everything it looks for: the ``ShellId`` selector in
a Create response, a ``CommandId`` element, ``rsp:Stream`` elements with base64 output, the
``CommandState/Done`` state with ``rsp:ExitCode``, and ``a:RelatesTo`` carrying the request's MessageID.
A fault is a SOAP 1.2 Fault whose Detail holds a ``WSManFault`` with Microsoft's numeric ``Code``.
"""

from __future__ import annotations

import base64
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

SHELL_RESOURCE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
COMMAND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
RECEIVE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
SIGNAL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"

_NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
}
_ENVELOPE_OPEN = (
    '<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope"'
    ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
    ' xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer"'
    ' xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"'
    ' xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"'
    ' xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">'
)
_ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"


class MalformedRequest(ValueError):
    """The body is not a WS-Management envelope the simulator can read."""


@dataclass(frozen=True)
class Request:
    """The parts of a WS-Management request the simulator acts on."""

    action: str
    message_id: str
    resource_uri: str
    shell_id: str | None = None
    command_id: str | None = None
    command: str | None = None
    arguments: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)
    operation_timeout: float | None = None
    """Seconds from the ``w:OperationTimeout`` header (an xs:duration such as ``PT20.000S``)."""


def parse_request(body: bytes) -> Request:
    """Read a request envelope; MalformedRequest if it is not one."""
    try:
        # The peer is a WinRM client on a test network; Python's expat refuses entity-expansion bombs.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as e:
        raise MalformedRequest(f"not XML: {e}") from e
    header = root.find("s:Header", _NS)
    body_node = root.find("s:Body", _NS)
    if root.tag != f"{{{_NS['s']}}}Envelope" or header is None or body_node is None:
        raise MalformedRequest("not a SOAP envelope")
    selector = header.find("w:SelectorSet/w:Selector[@Name='ShellId']", _NS)
    options = {option.get("Name", ""): option.text or "" for option in header.findall("w:OptionSet/w:Option", _NS)}
    command_id = next(
        (node.get("CommandId") for node in body_node.iter() if node.get("CommandId") is not None),
        None,
    )
    command_line = body_node.find("rsp:CommandLine", _NS)
    command = arguments = None
    if command_line is not None:
        command = (command_line.findtext("rsp:Command", "", _NS) or "").strip()
        arguments = tuple(node.text or "" for node in command_line.findall("rsp:Arguments", _NS))
    return Request(
        action=(header.findtext("a:Action", "", _NS) or "").strip(),
        message_id=(header.findtext("a:MessageID", "", _NS) or "").strip(),
        resource_uri=(header.findtext("w:ResourceURI", "", _NS) or "").strip(),
        shell_id=(selector.text or "").strip() if selector is not None else None,
        command_id=command_id,
        command=command,
        arguments=arguments or (),
        options=options,
        operation_timeout=_seconds(header.findtext("w:OperationTimeout", "", _NS) or ""),
    )


def _seconds(duration: str) -> float | None:
    """Seconds in an xs:duration of seconds only (``PT20.000S``, what WinRM clients send); None otherwise."""
    match = re.fullmatch(r"PT(\d+(?:\.\d*)?)S", duration.strip())
    return float(match.group(1)) if match else None


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    header = (
        f"<s:Header><a:Action>{escape(action)}</a:Action><a:MessageID>uuid:{uuid.uuid4()}</a:MessageID>"
        f"<a:To>{_ANONYMOUS}</a:To><a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header>"
    )
    return f"{_ENVELOPE_OPEN}{header}<s:Body>{body}</s:Body></s:Envelope>".encode()


def create_response(request: Request, shell_id: str, address: str) -> bytes:
    body = (
        f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{SHELL_RESOURCE}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
        f"</x:ResourceCreated><rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId>"
        f"<rsp:ResourceUri>{SHELL_RESOURCE}</rsp:ResourceUri><rsp:State>Connected</rsp:State>"
        f"<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"
    )
    return _envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", request.message_id, body)


def command_response(request: Request, command_id: str) -> bytes:
    body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return _envelope(f"{COMMAND}Response", request.message_id, body)


def receive_response(request: Request, command_id: str, stdout: bytes, stderr: bytes, exit_code: int) -> bytes:
    """All of a finished command's output in one response, its state Done."""
    cid = quoteattr(command_id)
    streams = "".join(
        f'<rsp:Stream Name="{name}" CommandId={cid}>{base64.b64encode(data).decode("ascii")}</rsp:Stream>'
        for name, data in (("stdout", stdout), ("stderr", stderr))
        if data
    )
    body = (
        f"<rsp:ReceiveResponse>{streams}"
        f'<rsp:Stream Name="stdout" CommandId={cid} End="true"></rsp:Stream>'
        f'<rsp:Stream Name="stderr" CommandId={cid} End="true"></rsp:Stream>'
        f'<rsp:CommandState CommandId={cid} State="{_DONE}"><rsp:ExitCode>{exit_code}</rsp:ExitCode>'
        f"</rsp:CommandState></rsp:ReceiveResponse>"
    )
    return _envelope(f"{RECEIVE}Response", request.message_id, body)


def signal_response(request: Request) -> bytes:
    return _envelope(f"{SIGNAL}Response", request.message_id, "<rsp:SignalResponse/>")


def delete_response(request: Request) -> bytes:
    return _envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", request.message_id, "")


@dataclass(frozen=True)
class WSManFault:
    """A fault as Windows reports it: SOAP code and subcode, reason, and the WSManFault numeric code."""

    code: str
    subcode: str
    reason: str
    wsman_code: int | None


OPERATION_TIMED_OUT = WSManFault(
    "s:Receiver",
    "w:TimedOut",
    "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ",
    2150858793,
)
ACCESS_DENIED = WSManFault("s:Sender", "w:AccessDenied", "Access is denied. ", 5)
INVALID_XML = WSManFault(
    "s:Sender",
    "w:SchemaValidationError",
    "The WS-Management service cannot process the request because the XML is invalid. ",
    None,
)
UNSUPPORTED_ACTION = WSManFault(
    "s:Sender",
    "a:ActionNotSupported",
    "The WS-Management service cannot process the request. The simulator supports only the Windows Remote "
    "Shell actions Create, Command, Receive, Signal and Delete on the cmd shell resource. ",
    None,
)


def shell_not_found(shell_id: str) -> WSManFault:
    return WSManFault(
        "s:Sender",
        "w:InvalidSelectors",
        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not found "
        "on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on "
        "the server. Provide the correct ShellId or create a new shell and retry the operation. ",
        2150858843,
    )


def command_not_found(command_id: str) -> WSManFault:
    return WSManFault(
        "s:Sender",
        "w:InvalidSelectors",
        f"The request for the Windows Remote Shell command {command_id} failed because the command was not found. ",
        None,
    )


def fault_response(fault: WSManFault, relates_to: str, machine_name: str) -> bytes:
    """A SOAP Fault body, sent with HTTP 500."""
    code_attribute = f' Code="{fault.wsman_code}"' if fault.wsman_code is not None else ""
    reason = escape(fault.reason)
    body = (
        f"<s:Fault><s:Code><s:Value>{fault.code}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value>"
        f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{reason}</s:Text></s:Reason><s:Detail>'
        f'<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"{code_attribute}'
        f" Machine={quoteattr(machine_name)}><f:Message>{reason}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, body)
