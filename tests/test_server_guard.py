"""What the Voilà server refuses before any kernel starts (themoon.server_guard).

Unit tests of the pieces (proxy headers, the client's address, memory and the kernel limit, the
pages), then HTTP against a running Voilà started as `themoon serve` starts it: a proxied request
without server credentials gets the refusal page and no kernel; a page beyond the kernel limit
gets the "busy" page and no kernel; positive controls show the same server does serve pages.
The browser tests of the first run and the sign-in limits are in tests/test_signin_browser.py.
"""

from __future__ import annotations

import re
import time

import psutil
import pytest
import requests
from browser_support import build_small_db

from themoon import serve, server_guard
from themoon.ui import browser

PAGE_TIMEOUT_S = 120
PROXIED = [
    {"X-Forwarded-For": "203.0.113.9"},
    {"Forwarded": "for=203.0.113.9;proto=https"},
    {"X-Real-IP": "203.0.113.9"},
    {"x-forwarded-for": "203.0.113.9, 10.0.0.1"},
]


def kernels(server) -> list[psutil.Process]:
    """The server's kernel processes (ipykernel children, whatever their state)."""
    found = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


# --- the pieces -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", PROXIED)
def test_proxy_headers_mark_a_request_as_proxied(headers):
    from tornado.httputil import HTTPHeaders

    assert server_guard.is_proxied(HTTPHeaders(headers))
    assert not server_guard.is_proxied(HTTPHeaders({"Host": "example.com", "X-Forwarded-Proto": "https"}))


def test_the_client_address_is_the_proxys_word_only_when_the_proxy_is_local():
    from tornado.httputil import HTTPHeaders

    named = HTTPHeaders({"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
    assert server_guard.client_address("127.0.0.1", named) == "203.0.113.9"
    chain = HTTPHeaders({"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})  # a client's own header, then nginx's hop
    assert server_guard.client_address("::1", chain) == "203.0.113.9"
    assert server_guard.client_address("192.168.0.20", named) == "192.168.0.20"  # a peer elsewhere cannot lie
    assert server_guard.client_address("127.0.0.1", HTTPHeaders({})) == "127.0.0.1"
    assert server_guard.client_address("127.0.0.1", HTTPHeaders({"X-Real-IP": "<script>"})) == "unknown"


def test_trusted_proxies_widen_who_may_name_the_client():
    from tornado.httputil import HTTPHeaders

    named = HTTPHeaders({"X-Real-IP": "203.0.113.9"})
    docker = server_guard.trusted_proxies({"THEMOON_TRUSTED_PROXIES": "127.0.0.0/8, ::1, 172.16.0.0/12, bogus"})
    assert len(docker) == 3  # the bogus entry is ignored (and logged)
    assert server_guard.client_address("172.18.0.1", named, docker) == "203.0.113.9"  # the compose bridge
    assert server_guard.client_address("172.18.0.1", named, server_guard.trusted_proxies({})) == "172.18.0.1"
    assert server_guard.client_address("10.0.0.5", named, docker) == "10.0.0.5"


def test_available_memory_takes_the_cgroup_limit_into_account():
    meminfo = "MemTotal:  8000000 kB\nMemAvailable:    4096000 kB\n"
    assert server_guard.available_memory_bytes(meminfo) == 4096000 * 1024
    limited = server_guard.available_memory_bytes(meminfo, "2147483648\n", "1073741824\n")
    assert limited == 1073741824  # systemd MemoryMax=2G with 1 GiB used
    assert server_guard.available_memory_bytes(meminfo, "max\n", "1\n") == 4096000 * 1024
    assert server_guard.available_memory_bytes("garbage") is None


def test_the_kernel_limit_is_configurable_or_follows_memory():
    gib = 2**30
    assert server_guard.max_kernels({"THEMOON_MAX_KERNELS": "3"}, available=100 * gib) == 3
    assert server_guard.max_kernels({}, available=gib) == 6  # 1 GiB ÷ 150 MB
    assert server_guard.max_kernels({"THEMOON_KERNEL_RSS_MB": "512"}, available=gib) == 2
    assert server_guard.max_kernels({}, available=10) == 1  # always at least one
    assert server_guard.max_kernels({"THEMOON_MAX_KERNELS": "lots"}, available=gib) == 6  # ignored, logged
    assert server_guard.max_kernels({}, available=None) == 8  # memory unknown
    assert server_guard.max_kernels({}) >= 1  # this machine


def test_the_pages_are_in_english_and_korean_and_name_what_to_set():
    text = server_guard.page("server.proxy_title", "server.proxy_body")
    for needle in ("THEMOON_TOKEN", "THEMOON_PASSWORD_HASH", "/etc/themoon/themoon.env", "docs/operations.md"):
        assert needle in text
    assert 'lang="en"' in text and 'lang="ko"' in text and "리버스 프록시" in text
    assert "<script" not in text
    busy = server_guard.page("server.busy_title", "server.busy_body", n="<b>", s=60)
    assert "&lt;b&gt;" in busy and "<b>" not in busy and "대시보드가 사용 중" in busy


def test_configure_voila_installs_the_guard(monkeypatch, tmp_path):
    from traitlets.config import Config

    monkeypatch.setenv("THEMOON_COOKIE_SECRET_FILE", str(tmp_path / "secret"))
    monkeypatch.delenv("THEMOON_PASSWORD_HASH", raising=False)
    monkeypatch.setenv("THEMOON_SHARED_ENGINE", "0")  # tests/test_engine_service.py starts one
    c = Config()
    serve.configure_voila(c)
    assert c.Voila.identity_provider_class == "themoon.server_guard.GuardedIdentityProvider"
    assert c.VoilaConfiguration.http_header_envs == ["X-Themoon-Client", "X-Themoon-Proxied", "X-Themoon-Lang"]


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [("ko", "ko"), ("en", "en"), ("KO", ""), ("<script>", ""), ("kor", ""), ("k1", ""), (None, "")],
)
def test_only_a_language_code_from_the_cookie_reaches_kernels(cookie, expected):
    class Handler:
        def get_cookie(self, name):
            return cookie if name == server_guard.LANG_COOKIE else "the sign-in cookie"

    assert server_guard.chosen_language(Handler()) == expected


def test_serve_behind_a_proxy_refuses_to_start_without_credentials(tmp_path, monkeypatch):
    for name in ("THEMOON_TOKEN", "THEMOON_PASSWORD_HASH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("THEMOON_BEHIND_PROXY", "1")
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(serve.os, "execve", lambda *a: pytest.fail("served without credentials"))
    with pytest.raises(serve.ServeError, match="THEMOON_BEHIND_PROXY"):
        serve.serve(db_path=tmp_path / "x.db", host="127.0.0.1")
    started = []
    monkeypatch.setattr(serve.os, "execve", lambda *a: started.append(a))  # positive control: with a token
    serve.serve(db_path=tmp_path / "x.db", host="127.0.0.1", token="t" * 32)
    assert started


def test_serve_prints_a_setup_code_while_the_database_has_no_owner(tmp_path, monkeypatch, capsys):
    from themoon import db, signin

    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(serve.os, "execve", lambda *a: None)
    path = tmp_path / "fresh.db"
    db.connect(path).close()
    serve.serve(db_path=path)
    code = re.search(r"setup code: (\S+)", capsys.readouterr().err).group(1)
    assert f"code={code}" in (tmp_path / "logs" / "themoon.log").read_text()
    conn = db.connect(path)
    signin.create_first_owner(
        conn, setup_code=code, address="127.0.0.1", username="minji", password="moonlight", password_repeat="moonlight"
    )
    conn.close()
    serve.serve(db_path=path)  # an owner exists: no code
    assert "setup code" not in capsys.readouterr().err


@pytest.fixture(autouse=True)
def _reset_logs():
    """serve() sets the `themoon` logger up in this process: undo it for the next test."""
    yield
    from themoon.ops import logs

    logs.reset()


# --- against a running server ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_proxied_without_credentials_and_beyond_the_kernel_limit_start_no_kernel(tmp_path):
    path = tmp_path / "small.db"
    build_small_db(path).close()
    env = {"THEMOON_DATA_DIR": str(tmp_path), "THEMOON_MAX_KERNELS": "1"}
    with browser.voila_server(path, tmp_path, env=env) as server:
        assert kernels(server) == []
        for headers in PROXIED:
            for url in (server.url, server.url + "login", server.url + "api/kernels"):
                response = requests.get(url, headers=headers, timeout=30, allow_redirects=False)
                assert response.status_code == 403, (headers, url, response.status_code)
                assert "THEMOON_TOKEN" in response.text and "리버스 프록시" in response.text
                assert "kernelId" not in response.text
        time.sleep(1)
        assert kernels(server) == [], "a proxied request started a kernel"
        # positive control: the same server serves a page to a local browser (one kernel)
        # (what a browser says about itself is replaced by what the server saw)
        spoofed = {"X-Themoon-Client": "6.6.6.6", "X-Themoon-Proxied": "0"}
        first = requests.get(server.url, headers=spoofed, timeout=PAGE_TIMEOUT_S)
        assert first.status_code == 200 and '"kernelId"' in first.text
        assert len(kernels(server)) == 1
        # the limit (1): the next page is refused before a kernel starts, with a clear page
        busy = requests.get(server.url, timeout=30)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "60"
        assert "The dashboard is busy" in busy.text and "대시보드가 사용 중" in busy.text
        time.sleep(1)
        assert len(kernels(server)) == 1, "a page beyond the limit started a kernel"
        # the kernel of the page got the client's address and the proxy mark from the server
        environ = kernels(server)[0].environ()
        assert environ["HTTP_X_THEMOON_CLIENT"] == "127.0.0.1" and environ["HTTP_X_THEMOON_PROXIED"] == "0"
        assert environ["THEMOON_SERVER_AUTH"] == "none"
        log = server.log_tail(20000)
    assert "refused a proxied request" in log and "refused a page: 1 of 1" in log
