"""REMOTE_ADDR behind a load balancer: the client's address, from a trusted proxy only."""

from django.http import HttpResponse
from django.test import RequestFactory

from operations.proxy import TrustedProxyMiddleware


def client_address(settings, *, remote: str, forwarded: str | None) -> str:
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "127.0.0.1"]
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    TrustedProxyMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))
    return seen["address"]


def test_the_address_a_trusted_proxy_saw_is_the_clients(settings):
    assert client_address(settings, remote="10.0.0.5", forwarded="203.0.113.9") == "203.0.113.9"
    # two proxies in a row (127.0.0.1 forwarded to 10.0.0.5): the nearest untrusted address
    assert client_address(settings, remote="10.0.0.5", forwarded="203.0.113.9, 127.0.0.1") == "203.0.113.9"


def test_what_a_client_writes_into_the_header_is_not_believed(settings):
    # the client sent "1.2.3.4" itself; the proxy appended the address it saw
    assert client_address(settings, remote="10.0.0.5", forwarded="1.2.3.4, 203.0.113.9") == "203.0.113.9"
    # straight from the internet, not through a trusted proxy: the header is ignored
    assert client_address(settings, remote="198.51.100.7", forwarded="1.2.3.4") == "198.51.100.7"


def test_without_the_header_or_without_trusted_proxies_nothing_changes(settings):
    assert client_address(settings, remote="10.0.0.5", forwarded=None) == "10.0.0.5"
    assert client_address(settings, remote="10.0.0.5", forwarded="not-an-address") == "10.0.0.5"
