"""The ways a simulated host can misbehave, one chosen per host.

What a pywinrm 0.5.0 client sees (tests/winrm_sim/test_sim_faults.py proves each):

- ``refused``: the port is bound but never listens. requests ``ConnectionError``.
- ``hang``: accepts the connection and never answers. requests ``ReadTimeout`` after ``read_timeout_sec``.
- ``trickle``: sends its real answers one byte every ``trickle_secs``. Every read gets a byte in time, so no
  read timeout fires; only a deadline on the whole call stops it.
- ``http401``: rejects every credential (NTLM still gets its challenge first). ``InvalidCredentialsError``.
- ``soap_fault``: answers every WS-Man request with "Access is denied." as a SOAP Fault with HTTP 500, as
  Windows does. ``WSManFaultError`` (code 500, wsman_fault_code 5, fault_subcode ``w:AccessDenied``).
- ``operation_timeout``: answers every Receive at once with the ``w:TimedOut`` fault (WSManFault Code
  2150858793). ``get_command_output_raw`` raises ``WinRMOperationTimeoutError`` (``get_command_output``
  retries it for ever).
- ``http500_empty``: answers every WS-Man request with HTTP 500 and an empty body. ``WinRMTransportError``
  (code 500, empty response_text).
- ``command_hangs``: opens shells and starts commands, but no command ever finishes: each Receive is held for
  the request's ``OperationTimeout`` and then answered with the ``w:TimedOut`` fault, as Windows answers a
  command with no output yet. The command runs until it is signalled to terminate or its shell is deleted.
  A client whose read timeout is shorter than the operation timeout gets ``ReadTimeout``.
- ``fault_http200``: answers every WS-Man request with the "Access is denied." fault but HTTP 200, as a
  broken proxy might. pywinrm reads it as an answer and fails looking for what is not in it (``open_shell``
  raises ``StopIteration``).
- ``ntlm_no_challenge``: answers NTLM's negotiate message with 401 and a bare ``WWW-Authenticate: Negotiate``,
  no challenge token. requests_ntlm raises ``PermissionError``.
- ``ntlm_drop``: closes the connection right after sending NTLM's challenge (with ``Connection: close``), so
  the client's authenticate message arrives on a new connection, which has no handshake to finish: 401
  (``InvalidCredentialsError``).

Latency is separate from faults: ``SimHost.latency`` delays every response of a host.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class FaultKind(StrEnum):
    REFUSED = "refused"
    HANG = "hang"
    TRICKLE = "trickle"
    HTTP401 = "http401"
    SOAP_FAULT = "soap_fault"
    OPERATION_TIMEOUT = "operation_timeout"
    HTTP500_EMPTY = "http500_empty"
    COMMAND_HANGS = "command_hangs"
    FAULT_HTTP200 = "fault_http200"
    NTLM_NO_CHALLENGE = "ntlm_no_challenge"
    NTLM_DROP = "ntlm_drop"


class Fault(BaseModel):
    """One host's fault. In an estate file ``fault: hang`` is short for ``fault: {kind: hang}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FaultKind
    trickle_secs: float = Field(default=1.0, gt=0, description="trickle: seconds between bytes.")
