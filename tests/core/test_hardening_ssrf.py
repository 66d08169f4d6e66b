"""The endoflife.date URL import cannot be turned on the server's own network (issue 15, item 2).

Real sockets on loopback only: an HTTP server that counts what reaches it, one that redirects, a non-HTTP port, a
server that trickles. Name resolution of the allowed host is replaced (socket.getaddrinfo) to play a hostile DNS.
"""

from __future__ import annotations

import http.server
import json
import socket
import socketserver
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from estate.fetch import FetchError, fetch
from estate.services import token_create
from inventory.services_lifecycle import endoflife_download
from tests.factories import UserFactory

V1 = {"result": {"name": "ubuntu", "label": "Ubuntu", "category": "os",
                 "releases": [{"name": "24.04", "releaseDate": "2024-04-25", "isEol": False, "eolFrom": "2029-05-31"}]}}


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.partition("?to=")[2])
            self.end_headers()
            return
        if self.path.startswith("/big"):
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap must hold while reading
            self.wfile.write(b"[" + b" " * 50_000 + b"]")
            return
        body = json.dumps(V1).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def web():
    _Handler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Raw(socketserver.BaseRequestHandler):
    """A port that is open but does not speak HTTP (an SSH banner), or trickles (mode "slow")."""

    mode = "banner"

    def handle(self):
        if self.mode == "banner":
            self.request.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            time.sleep(0.2)
            return
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
        for _ in range(40):
            time.sleep(0.1)
            try:
                self.request.sendall(b" ")
            except OSError:
                return


@pytest.fixture
def raw_port():
    servers = []

    def start(mode: str) -> int:
        handler = type("H", (_Raw,), {"mode": mode})
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api(db):
    user = UserFactory(username="cataloguer", is_superuser=True)
    _, key = token_create(user=user, write_enabled=True)
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}")


def _import(api, url):
    return api.post("/api/lifecycle/import/endoflife/", {"url": url}, content_type="application/json")


def test_by_default_only_https_endoflife_date(api, web):
    for url in (f"http://{web}/api/ubuntu.json", f"https://{web}/api/ubuntu.json", "ftp://endoflife.date/x",
                "http://endoflife.date/api/ubuntu.json", "https://user:pw@endoflife.date/x",
                "https://169.254.169.254/latest/meta-data/", "https://[::1]:22/"):
        response = _import(api, url)
        assert response.status_code == 400, (url, response.content)
        assert response.json()["error"]["message"]
    assert _Handler.hits == []  # nothing reached the loopback server


def test_the_form_refuses_too(db, web):
    user = UserFactory(username="former", is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post(reverse("inventory:lifecycle_import"), {"action": "endoflife", "url": f"http://{web}/x"})
    assert response.status_code == 400 and b"https:// URL" in response.content
    assert _Handler.hits == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "100.64.0.1",
                                     "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1"])
def test_an_allowed_host_resolving_to_a_private_address_is_refused(monkeypatch, address):
    def resolve(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    with pytest.raises(ValidationError, match="not a public address"):
        endoflife_download(url="https://endoflife.date/api/v1/products/ubuntu")
    assert connects == []


def test_redirects_are_checked_again(web, settings, monkeypatch):
    settings.ESTATE_ENDOFLIFE_HOSTS = ["127.0.0.1", "metadata.test"]
    settings.ESTATE_ENDOFLIFE_ALLOW_LOCAL_HTTP = True  # tests only: plain http on loopback
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):  # an allowed name that points at the metadata service
        if host == "metadata.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert endoflife_download(url=f"http://{web}/ok.json") == V1  # the server works
    with pytest.raises(ValidationError, match="not a public address"):
        endoflife_download(url=f"http://{web}/redirect?to=http://metadata.test/latest/meta-data/")
    with pytest.raises(ValidationError, match="not an allowed host"):
        endoflife_download(url=f"http://{web}/redirect?to=http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ValidationError, match="not an allowed host"):
        endoflife_download(url=f"http://{web}/redirect?to=http://internal.example/")
    with pytest.raises(ValidationError, match="Too many redirects"):
        endoflife_download(url=f"http://{web}/redirect?to=/redirect?to=/redirect?to=/redirect?to=/ok.json")


def test_open_non_http_port_and_trickle_and_size(api, raw_port, web, settings):
    settings.ESTATE_ENDOFLIFE_HOSTS = ["127.0.0.1"]
    settings.ESTATE_ENDOFLIFE_ALLOW_LOCAL_HTTP = True
    response = _import(api, f"http://127.0.0.1:{raw_port('banner')}/")
    assert response.status_code == 400, response.content
    started = time.monotonic()
    with pytest.raises(FetchError, match="longer than"):
        fetch(f"http://127.0.0.1:{raw_port('slow')}/", hosts=["127.0.0.1"], timeout=1, max_bytes=10**6,
              allow_local_http=True)
    assert time.monotonic() - started < 2.5
    with pytest.raises(FetchError, match="larger than"):
        fetch(f"http://{web}/big", hosts=["127.0.0.1"], timeout=5, max_bytes=10_000, allow_local_http=True)
