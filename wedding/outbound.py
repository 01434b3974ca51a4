"""Requests the server makes to an address someone typed (a staff member's CalDAV calendar):
never to loopback, private, link-local, shared, reserved, multicast or unspecified addresses,
unless the operator names the host in ``CALDAV_ALLOWED_HOSTS``.

The check sits in the DNS resolver of the HTTP session, so it judges the very addresses the
connection then uses: for the first request, for every redirect, and for every new connection,
so a name that answers with a public address when checked and a private one when used (DNS
rebinding) cannot pass. Written by hand because it is a policy over urllib3-future's resolver
hook; no library decides which of our hosts are internal.
"""

import ipaddress
from urllib.parse import urlsplit

import niquests
from urllib3.contrib.resolver.system import SystemResolver

from wedding.i18n import lazy_gettext as _l

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")


class BlockedAddress(OSError):
    """A request to an address we never connect to; the message says which and why."""


def allowed_hosts(setting: str | None) -> frozenset[str]:
    """The operator's named internal hosts: ``cal.intranet, 10.0.0.5`` (host names or IPs)."""
    return frozenset(
        part.strip().lower().strip("[]") for part in (setting or "").split(",") if part.strip()
    )


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, allowed: frozenset[str]) -> None:
    """What can be told without DNS (when a form is saved): http(s), a host, and not a
    literal private address or a local name. BlockedAddress otherwise."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise BlockedAddress(_l("The address must start with https:// (or http://)."))
    if host in allowed:
        return
    try:
        ipaddress.ip_address(host)
    except ValueError:
        literal = False
    else:
        literal = True
    if (literal and not is_public(host)) or host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        raise BlockedAddress(
            _l(
                "%(host)s is a local or private address: the server does not connect there.",
                host=host,
            )
        )


class PublicOnlyResolver(SystemResolver):
    """The system resolver, answering only with public addresses (or for allowed hosts)."""

    def __init__(self, *patterns: str, allowed: frozenset[str] = frozenset(), **kwargs) -> None:
        super().__init__(*patterns, **kwargs)
        self.allowed = allowed

    def getaddrinfo(self, host, port, family, type, proto=0, flags=0, **kwargs):
        answers = super().getaddrinfo(host, port, family, type, proto, flags)
        name = (host.decode("ascii") if isinstance(host, bytes) else host or "").lower()
        if name.strip("[]") in self.allowed:
            return answers
        refused = sorted({str(answer[4][0]) for answer in answers if not is_public(answer[4][0])})
        if refused or not answers:
            raise BlockedAddress(
                f"refused to connect to {name} ({', '.join(refused) or 'no address'}): "
                "a local, private or reserved address (an operator may allow a named internal "
                "host with FLASK_CALDAV_ALLOWED_HOSTS)"
            )
        return answers


def guarded_session(allowed: frozenset[str]) -> niquests.Session:
    """An HTTP session that connects only to public addresses or the allowed hosts."""
    session = niquests.Session(resolver=PublicOnlyResolver(allowed=allowed))
    session.trust_env = False  # no proxy from the environment: it would resolve for us
    return session
