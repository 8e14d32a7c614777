"""The run's DC is its own: its network, its name, its pid and socket files, whatever else runs on the machine."""

from __future__ import annotations

import socket
from pathlib import Path

import ldap3
from estate import AUDIT_PASSWORD, AUDIT_USER
from samba_dc import SambaDC

from isolation import SAMBA_RUN, has_own_network


def test_the_run_has_a_network_of_its_own_with_only_loopback(samba_dc: SambaDC) -> None:
    assert has_own_network(), "see the 'network:' line of the run's header for why not"
    assert socket.if_nameindex() == [(1, "lo")]


def test_the_dcs_name_resolves_to_its_address_in_the_run(samba_dc: SambaDC) -> None:
    found = {info[4][0] for info in socket.getaddrinfo(samba_dc.host_name, 636, type=socket.SOCK_STREAM)}
    assert found == {samba_dc.host}


def test_svc_audit_reaches_the_dc_by_name_and_the_certificate_holds_it(samba_dc: SambaDC) -> None:
    server = samba_dc.server()
    by_name = ldap3.Server(samba_dc.host_name, port=samba_dc.port, use_ssl=True, tls=server.tls, get_info=ldap3.NONE)
    user = f"{AUDIT_USER}@{samba_dc.dns_domain}"
    with ldap3.Connection(by_name, user=user, password=AUDIT_PASSWORD, auto_bind=True, raise_exceptions=True) as conn:
        conn.search("", "(objectClass=*)", ldap3.BASE, attributes=["dnsHostName"])
        assert conn.entries[0].dnsHostName.value == samba_dc.host_name


def test_the_dcs_pid_files_are_in_its_own_folder(samba_dc: SambaDC) -> None:
    run = samba_dc.workdir / "run"
    assert (run / "samba.pid").read_text().split() == [str(samba_dc.pid)]
    assert {path.name for path in run.glob("*.pid")} == {"samba.pid", "smbd.pid", "winbindd.pid"}


def test_winbindds_socket_is_in_the_runs_own_run_samba(samba_dc: SambaDC) -> None:
    # smbd's winbind client finds winbindd only here; the run's mount namespace makes this folder its own.
    assert [path.name for path in Path(SAMBA_RUN, "winbindd").iterdir()] == ["pipe"]
    assert not any(Path(SAMBA_RUN).glob("*.pid"))
