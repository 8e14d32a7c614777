"""Each fault mode, and what a real pywinrm client raises when it meets it."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from sim_support import ACCOUNT, basic_https_client, ntlm_client, probe_script, run_script
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WinRMTransportError, WSManFaultError

from holyaudit.winrm_sim import Fault, FaultKind, Fleet, SimHost


def faulty(kind: FaultKind, **fault: float) -> list[SimHost]:
    return [SimHost(address="127.0.0.5", fault=Fault(kind=kind, **fault))]


def test_refused_raises_connection_error() -> None:
    fleet = Fleet(faulty(FaultKind.REFUSED), credentials=[ACCOUNT])
    with fleet, pytest.raises(requests.exceptions.ConnectionError):
        ntlm_client(fleet.endpoint("127.0.0.5")).open_shell()


def test_hang_accepts_and_never_answers_so_the_client_hits_its_read_timeout() -> None:
    with Fleet(faulty(FaultKind.HANG), credentials=[ACCOUNT]) as fleet:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            ntlm_client(fleet.endpoint("127.0.0.5"), read_timeout_sec=2, operation_timeout_sec=1).open_shell()
        assert time.monotonic() - started >= 2


def test_trickle_never_trips_the_read_timeout_so_only_a_total_deadline_stops_it() -> None:
    errors: list[BaseException] = []
    with Fleet(faulty(FaultKind.TRICKLE, trickle_secs=0.25), credentials=[ACCOUNT]) as fleet:
        client = ntlm_client(fleet.endpoint("127.0.0.5"), read_timeout_sec=2, operation_timeout_sec=1)

        def open_shell() -> None:
            try:
                client.open_shell()
            except BaseException as e:
                errors.append(e)

        thread = threading.Thread(target=open_shell)
        thread.start()
        thread.join(3)
        assert thread.is_alive(), "still receiving a byte at a time after 3 s, past the 2 s read timeout"
        assert errors == []
    # Closing the fleet cuts the connection mid-response; what pywinrm then raises depends on where it was cut.
    thread.join(5)
    assert not thread.is_alive()
    assert len(errors) == 1


@pytest.mark.parametrize("client", ["basic", "ntlm"])
def test_http401_rejects_correct_credentials_with_invalid_credentials_error(tls, client: str) -> None:
    hosts = [SimHost(address="127.0.0.5", https=client == "basic", fault="http401")]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair) as fleet:
        endpoint = fleet.endpoint("127.0.0.5")
        protocol = basic_https_client(endpoint, tls.ca) if client == "basic" else ntlm_client(endpoint)
        with pytest.raises(InvalidCredentialsError):
            protocol.open_shell()


def test_soap_fault_is_access_denied_as_a_wsman_fault_error() -> None:
    fleet = Fleet(faulty(FaultKind.SOAP_FAULT), credentials=[ACCOUNT])
    with fleet, pytest.raises(WSManFaultError) as raised:
        ntlm_client(fleet.endpoint("127.0.0.5")).open_shell()
    fault = raised.value
    assert (fault.code, fault.wsman_fault_code, fault.fault_code, fault.fault_subcode, fault.reason) == (
        500,
        5,
        "s:Sender",
        "w:AccessDenied",
        "Access is denied. ",
    )


def test_operation_timeout_answers_every_receive_with_the_timed_out_fault() -> None:
    with Fleet(faulty(FaultKind.OPERATION_TIMEOUT), credentials=[ACCOUNT]) as fleet:
        protocol = ntlm_client(fleet.endpoint("127.0.0.5"))
        shell_id = protocol.open_shell()
        command_id = protocol.run_command(shell_id, "powershell.exe", ["-EncodedCommand", "IwA="])
        for _ in range(3):
            with pytest.raises(WinRMOperationTimeoutError):
                protocol.get_command_output_raw(shell_id, command_id)
        protocol.cleanup_command(shell_id, command_id)
        protocol.close_shell(shell_id)


def test_command_hangs_holds_each_receive_for_its_operation_timeout_and_runs_until_stopped() -> None:
    with Fleet(faulty(FaultKind.COMMAND_HANGS), credentials=[ACCOUNT]) as fleet:
        host = fleet.host("127.0.0.5")
        protocol = ntlm_client(fleet.endpoint("127.0.0.5"), read_timeout_sec=3, operation_timeout_sec=1)
        shell_id = protocol.open_shell()
        command_id = protocol.run_command(shell_id, "powershell.exe", ["-EncodedCommand", "IwA="])
        started = time.monotonic()
        with pytest.raises(WinRMOperationTimeoutError):
            protocol.get_command_output_raw(shell_id, command_id)
        assert time.monotonic() - started >= 1
        assert (host.open_shells, host.running_commands) == (1, 1)
        protocol.cleanup_command(shell_id, command_id)
        assert (host.open_shells, host.running_commands) == (1, 0)
        protocol.close_shell(shell_id)
        assert (host.open_shells, fleet.open_shells()) == (0, {})


def test_command_hangs_past_a_shorter_read_timeout_leaves_the_shell_and_its_command() -> None:
    with Fleet([SimHost(address="127.0.0.5", name="HW-HUNG", fault="command_hangs")], credentials=[ACCOUNT]) as fleet:
        protocol = ntlm_client(fleet.endpoint("HW-HUNG"), read_timeout_sec=2, operation_timeout_sec=1)
        shell_id = protocol.open_shell()
        command_id = protocol.run_command(shell_id, "powershell.exe", ["-EncodedCommand", "IwA="])
        protocol.transport.read_timeout_sec = 0.5  # type: ignore[assignment]
        with pytest.raises(requests.exceptions.ReadTimeout):
            protocol.get_command_output_raw(shell_id, command_id)
        assert fleet.open_shells() == {"HW-HUNG": 1}
        assert fleet.host("HW-HUNG").running_commands == 1


def test_fault_http200_sends_a_fault_as_an_answer_and_pywinrm_fails_reading_it() -> None:
    fleet = Fleet(faulty(FaultKind.FAULT_HTTP200), credentials=[ACCOUNT])
    with fleet, pytest.raises(StopIteration):
        ntlm_client(fleet.endpoint("127.0.0.5")).open_shell()


def test_ntlm_no_challenge_answers_the_negotiate_message_with_a_bare_401() -> None:
    fleet = Fleet(faulty(FaultKind.NTLM_NO_CHALLENGE), credentials=[ACCOUNT])
    with fleet, pytest.raises(PermissionError, match="did not respond with NTLM challenge token"):
        ntlm_client(fleet.endpoint("127.0.0.5")).open_shell()


def test_ntlm_drop_closes_after_the_challenge_so_the_answer_meets_a_401_on_a_new_connection() -> None:
    fleet = Fleet(faulty(FaultKind.NTLM_DROP), credentials=[ACCOUNT])
    with fleet, pytest.raises(InvalidCredentialsError):
        ntlm_client(fleet.endpoint("127.0.0.5")).open_shell()


def test_http500_empty_raises_a_transport_error_with_no_response_text() -> None:
    fleet = Fleet(faulty(FaultKind.HTTP500_EMPTY), credentials=[ACCOUNT])
    with fleet, pytest.raises(WinRMTransportError) as raised:
        ntlm_client(fleet.endpoint("127.0.0.5")).open_shell()
    assert (raised.value.code, raised.value.response_text) == (500, "")


def test_latency_delays_every_response() -> None:
    with Fleet([SimHost(address="127.0.0.5", latency=0.1)], credentials=[ACCOUNT]) as fleet:
        protocol = ntlm_client(fleet.endpoint("127.0.0.5"))
        protocol.open_shell()
        shell_id = protocol.open_shell()
        started = time.monotonic()
        run_script(protocol, shell_id, probe_script("system"))
        # Command, Receive and Signal: three responses on an authenticated connection.
        assert 0.3 <= time.monotonic() - started < 0.6


def test_hosts_of_one_fleet_keep_their_own_faults() -> None:
    hosts = [
        SimHost(address="127.0.0.5", name="good"),
        SimHost(address="127.0.0.5", name="broken", fault="soap_fault"),
        SimHost(address="127.0.0.6", name="gone", fault="refused"),
    ]
    with Fleet(hosts, credentials=[ACCOUNT]) as fleet:
        assert ntlm_client(fleet.endpoint("good")).open_shell()
        with pytest.raises(WSManFaultError):
            ntlm_client(fleet.endpoint("broken")).open_shell()
        with pytest.raises(requests.exceptions.ConnectionError):
            ntlm_client(fleet.endpoint("gone")).open_shell()
        with pytest.raises(KeyError):
            fleet.host("127.0.0.5")
