"""The client's address behind a load balancer or reverse proxy.

Behind a proxy every request comes from the proxy's address, so anything keyed on
REMOTE_ADDR (the lost-link page's limit per client) would count all respondents as
one. When the request comes from a proxy listed in TRUSTED_PROXIES, REMOTE_ADDR
becomes the nearest address in X-Forwarded-For that is not itself a trusted proxy
(the left part of that header is whatever the client sent, and is never believed).
"""

import ipaddress

from django.conf import settings


def _networks(entries: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, networks) -> bool:
    return _is_address(address) and any(ipaddress.ip_address(address) in network for network in networks)


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = _networks(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        if self.networks and _is_trusted(request.META.get("REMOTE_ADDR", ""), self.networks):
            forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            for address in reversed([part for part in forwarded if part]):
                if _is_trusted(address, self.networks):
                    continue
                if _is_address(address):  # a garbled header changes nothing
                    request.META["REMOTE_ADDR"] = address
                break
        return self.get_response(request)
