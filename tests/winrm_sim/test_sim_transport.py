"""Real pywinrm clients authenticate to the simulator as they would to Windows: Basic over HTTPS, NTLM with
message encryption over HTTP, and nothing weaker unless the fleet explicitly allows it."""

from __future__ import annotations

import pytest
import requests
import winrm
from sim_support import ACCOUNT, basic_https_client, ntlm_client, probe_script, run_script
from winrm.exceptions import InvalidCredentialsError
from winrm.protocol import Protocol

from holyaudit.winrm_sim import Fleet, SimHost

SYSTEM_JSON = (
    '{"os":"Microsoft Windows 11 Education","build":"22631","version":{"EditionID":"Education","CurrentBuild":'
    '"22631","CurrentBuildNumber":"22631","UBR":6199,"DisplayVersion":"23H2","InstallationType":"Client",'
    '"ProductName":"Windows 10 Education"},"versionError":null,"chassis":[3],"inactivitySecs":null,'
    '"winlogon":{"autoAdminLogon":null,"userName":null,"domainName":null,"autoLogonCount":null,'
    '"forceAutoLogon":null,"defaultPassword":false}}\r\n'
)


def test_basic_over_https_validates_the_certificate_and_runs_a_probe(tls) -> None:
    with Fleet([SimHost(address="127.0.0.2")], credentials=[ACCOUNT], tls=tls.pair) as fleet:
        assert fleet.endpoint("127.0.0.2").startswith("https://127.0.0.2:")
        protocol = basic_https_client(fleet.endpoint("127.0.0.2"), tls.ca)
        shell_id = protocol.open_shell()
        assert run_script(protocol, shell_id, probe_script("system")) == (SYSTEM_JSON, "", 0)
        protocol.close_shell(shell_id)


def test_a_client_that_does_not_trust_the_ca_fails_certificate_validation(tls) -> None:
    with Fleet([SimHost(address="127.0.0.2")], credentials=[ACCOUNT], tls=tls.pair) as fleet:
        protocol = Protocol(
            fleet.endpoint("127.0.0.2"), transport="basic", username="audit", password="x", ca_trust_path=None
        )
        with pytest.raises(requests.exceptions.SSLError):
            protocol.open_shell()


def test_session_run_ps_over_https_returns_output_and_cleans_powershell_errors(tls) -> None:
    with Fleet([SimHost(address="127.0.0.2")], credentials=[ACCOUNT], tls=tls.pair) as fleet:
        session = winrm.Session(
            fleet.endpoint("127.0.0.2"),
            auth=(ACCOUNT.user, ACCOUNT.password),
            transport="ssl",
            ca_trust_path=str(tls.ca),
            server_cert_validation="validate",
        )
        ran = session.run_ps(probe_script("system"))
        failed = session.run_ps("Get-Process")
        assert (ran.status_code, ran.std_out, ran.std_err) == (0, SYSTEM_JSON.encode(), b"")
        assert failed.status_code == 1
        assert failed.std_err.startswith(b"The simulator cannot run this script")
        assert [command.command_line.split()[:2] for command in fleet.commands("127.0.0.2")] == [
            ["powershell", "-encodedcommand"],
            ["powershell", "-encodedcommand"],
        ]


def test_ntlm_over_http_encrypts_every_message() -> None:
    with Fleet([SimHost(address="127.0.0.2")], credentials=[ACCOUNT]) as fleet:
        protocol = ntlm_client(fleet.endpoint("127.0.0.2"))
        shell_id = protocol.open_shell()
        assert run_script(protocol, shell_id, probe_script("system")) == (SYSTEM_JSON, "", 0)
        protocol.close_shell(shell_id)
        assert protocol.transport.encryption is not None


def test_ntlm_without_encryption_over_http_is_refused_like_allow_unencrypted_false() -> None:
    with Fleet([SimHost(address="127.0.0.2")], credentials=[ACCOUNT]) as fleet:
        protocol = ntlm_client(fleet.endpoint("127.0.0.2"), message_encryption="never")
        with pytest.raises(InvalidCredentialsError):
            protocol.open_shell()


def test_ntlm_over_https_runs_without_message_encryption(tls) -> None:
    with Fleet([SimHost(address="127.0.0.2")], credentials=[ACCOUNT], tls=tls.pair) as fleet:
        protocol = Protocol(
            fleet.endpoint("127.0.0.2"),
            transport="ntlm",
            username="HOLYWELL\\audit",
            password=ACCOUNT.password,
            ca_trust_path=str(tls.ca),
        )
        shell_id = protocol.open_shell()
        assert run_script(protocol, shell_id, probe_script("system")) == (SYSTEM_JSON, "", 0)
        assert protocol.transport.encryption is None


def basic_http_client(endpoint: str) -> Protocol:
    return Protocol(endpoint, transport="basic", username="audit", password=ACCOUNT.password, ca_trust_path=None)


def test_basic_over_http_is_refused_with_401_unless_unencrypted_is_allowed() -> None:
    hosts = [SimHost(address="127.0.0.2")]
    with Fleet(hosts, credentials=[ACCOUNT]) as fleet:
        refused = Protocol(
            fleet.endpoint("127.0.0.2"),
            transport="basic",
            username="audit",
            password=ACCOUNT.password,
            ca_trust_path=None,
        )
        with pytest.raises(InvalidCredentialsError):
            refused.open_shell()
    with Fleet(hosts, credentials=[ACCOUNT], allow_unencrypted=True) as fleet:
        allowed = Protocol(
            fleet.endpoint("127.0.0.2"),
            transport="basic",
            username="audit",
            password=ACCOUNT.password,
            ca_trust_path=None,
        )
        assert allowed.open_shell()


@pytest.mark.parametrize("client", ["basic", "ntlm"])
def test_a_wrong_password_raises_invalid_credentials(tls, client: str) -> None:
    with Fleet([SimHost(address="127.0.0.2", https=client == "basic")], credentials=[ACCOUNT], tls=tls.pair) as fleet:
        endpoint = fleet.endpoint("127.0.0.2")
        protocol = (
            basic_https_client(endpoint, tls.ca, password="wrong")
            if client == "basic"
            else ntlm_client(endpoint, password="wrong")
        )
        with pytest.raises(InvalidCredentialsError):
            protocol.open_shell()


def test_a_basic_only_fleet_does_not_offer_ntlm() -> None:
    fleet = Fleet([SimHost(address="127.0.0.2")], credentials=[ACCOUNT], auth="basic")
    with fleet, pytest.raises(InvalidCredentialsError):
        ntlm_client(fleet.endpoint("127.0.0.2")).open_shell()
