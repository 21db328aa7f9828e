"""Authentication against a running Voilà (issue #7): started as `themoon serve` starts it for the
network — a token (in the environment) or a password hash — but on a free 127.0.0.1 port.

- no credentials → no page, no kernel, no kernel API, no kernel websocket;
- the right token / password → the dashboard page (the positive control: these tests can fail);
- with credentials, the kernel websocket still refuses `execute_request` (and any other message
  but comm, kernel-info and shutdown ones): Voilà 0.5.13 builds its kernel manager with
  `allowed_message_types` (config cannot widen it: constructor arguments win over config);
- the token never appears in the server log nor on any command line of the process group; nor
  does the password hash (which no kernel inherits either);
- the login cookie outlives a restart: its secret is a file of mode 600, made at the first start
  and reused (deleting it signs everyone out);
- nothing is served from /voila/files (Voilà serves images there without credentials);
- the kernel websocket takes a 20 MB message (an upload in the Import panel), above tornado's
  default limit of 10 MiB.

Plain HTTP (requests) and websocket-client; no browser.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import stat
import time
import uuid
from pathlib import Path

import psutil
import pytest
import requests
import websocket
from browser_support import build_small_db
from jupyter_server.auth import passwd
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

from themoon import serve
from themoon.ui import browser

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

TOKEN = secrets.token_urlsafe(32)
PASSWORD = "full-moon-" + secrets.token_hex(4)
PAGE_TIMEOUT_S = 90  # the first page view starts a kernel and runs the notebook
# Only the served dashboard has these: the notebook's cell, Voilà's kernel id, the rendered cells.
DASHBOARD_MARKERS = ("cell-id=themoon-dashboard", '"kernelId"', 'id="rendered_cells"')
V1 = "v1.kernel.websocket.jupyter.org"


def _small_db(folder: Path) -> Path:
    path = folder / "small.db"
    build_small_db(path).close()
    return path


@pytest.fixture(scope="module")
def token_server(tmp_path_factory):
    """Voilà protected by a token, as `themoon serve --host 0.0.0.0` with THEMOON_TOKEN runs it."""
    root = tmp_path_factory.mktemp("serve-token")
    env = {"THEMOON_SERVE_HOST": "0.0.0.0", "THEMOON_DATA_DIR": str(root)}
    with browser.voila_server(_small_db(root), root, env=env, token=TOKEN) as server:
        yield server


def kernels(server) -> list[psutil.Process]:
    """The kernels the server runs (its ipykernel child processes)."""
    children = psutil.Process(server.process.pid).children(recursive=True)
    return [c for c in children if any("ipykernel" in part for part in _cmdline(c))]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def assert_no_dashboard(response: requests.Response) -> None:
    assert response.status_code in (302, 401, 403), (response.status_code, response.text[:300])
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    for marker in DASHBOARD_MARKERS:
        assert marker not in response.text


def load_dashboard(session: requests.Session, url: str) -> str:
    """GET the page (following a login redirect, if any); returns the HTML of the served dashboard."""
    response = session.get(url, timeout=PAGE_TIMEOUT_S)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    for marker in DASHBOARD_MARKERS:
        assert marker in response.text, marker
    return response.text


def kernel_id(html: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html).group(1)


def ws_url(server, kernel: str, query: str = "") -> str:
    return server.url.replace("http://", "ws://", 1) + f"api/kernels/{kernel}/channels?session_id=test{query}"


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{name}={value}" for name, value in session.cookies.get_dict().items())


def message(msg_type: str, content: dict, channel: str = "shell") -> dict:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "visitor",
        "session": uuid.uuid4().hex,
        "version": "5.3",
        "date": "",
    }
    return {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": channel}


def encode(msg: dict, protocol: str | None) -> str | bytes:
    if protocol == V1:
        pack = lambda part: json.dumps(part).encode()  # noqa: E731
        return serialize_msg_to_ws_v1(msg, msg["channel"], pack=pack)
    return json.dumps({**msg, "buffers": []})


def decode(frame: str | bytes, protocol: str | None) -> dict:
    if protocol == V1:
        offsets_n = int.from_bytes(frame[:8], "little")
        offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(offsets_n)]
        parts = [frame[offsets[i] : offsets[i + 1]] for i in range(offsets_n - 1)]
        channel, header, parent = parts[0].decode(), json.loads(parts[1]), json.loads(parts[2])
        return {"channel": channel, "header": header, "parent_header": parent, "content": json.loads(parts[4])}
    return json.loads(frame)


def assert_kept_secret(server, secret: str) -> None:
    """Not in Voilà's log, nor in the app's logs (THEMOON_LOG_DIR), nor on a command line."""
    logs = [server.log_path, *(p for p in (server.log_path.parent / "logs").rglob("*") if p.is_file())]
    for log in logs:
        assert secret not in log.read_text(errors="replace"), f"the secret is in {log}"
    group = [psutil.Process(server.process.pid), *psutil.Process(server.process.pid).children(recursive=True)]
    for process in group:
        assert not any(secret in part for part in _cmdline(process)), "the secret is on a command line (ps shows it)"


def assert_token_kept_secret(server) -> None:
    assert_kept_secret(server, TOKEN)


def sign_in(server, password: str) -> requests.Session:
    """A session that posted `password` to /login (as the sign-in page's form does)."""
    session = requests.Session()
    assert session.get(server.url + "login", timeout=10).status_code == 200  # sets the _xsrf cookie
    form = {"password": password, "_xsrf": session.cookies.get("_xsrf", "")}
    session.post(server.url + "login?next=%2F", data=form, allow_redirects=False, timeout=10)
    return session


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- no credentials → no page -------------------------------------------------------------------


def test_no_token_no_page_no_kernel(token_server):
    before = len(kernels(token_server))
    anonymous = requests.Session()
    for path in ("", "?token=wrong-" + TOKEN[:8], "api/kernels", "api/kernels/" + str(uuid.uuid4())):
        assert_no_dashboard(anonymous.get(token_server.url + path, allow_redirects=False, timeout=10))
    shutdown = anonymous.post(token_server.url + "voila/api/shutdown/" + str(uuid.uuid4()), timeout=10)
    assert shutdown.status_code in (401, 403)
    time.sleep(0.5)
    assert len(kernels(token_server)) == before, "an unauthenticated request started a kernel"

    # positive control: the right token serves the dashboard, which starts a kernel
    session = requests.Session()
    html = load_dashboard(session, token_server.url + "?token=" + TOKEN)
    assert len(kernels(token_server)) == before + 1
    # the token buys a cookie: the next view needs no token in the URL, and the kernel API answers
    assert kernel_id(load_dashboard(session, token_server.url)) != kernel_id(html)
    info = session.get(token_server.url + "api/kernels/" + kernel_id(html), timeout=10)
    assert info.status_code == 200 and info.json()["id"] == kernel_id(html)
    assert_token_kept_secret(token_server)


def test_no_password_no_page(tmp_path):
    password_hash = passwd(PASSWORD)
    with browser.voila_server(
        _small_db(tmp_path), tmp_path, env={"THEMOON_SERVE_HOST": "0.0.0.0"}, password_hash=password_hash
    ) as server:
        anonymous = requests.Session()
        assert_no_dashboard(anonymous.get(server.url, allow_redirects=False, timeout=10))
        assert_no_dashboard(sign_in(server, "new-moon").get(server.url, allow_redirects=False, timeout=10))
        assert not kernels(server)
        load_dashboard(sign_in(server, PASSWORD), server.url)  # positive control
        assert len(kernels(server)) == 1
        assert PASSWORD not in server.log_path.read_text(errors="replace")
        # the hash is neither on a command line (ps shows those to every local user) nor logged,
        # and the kernel (which runs the dashboard) does not inherit it
        assert_kept_secret(server, password_hash)
        assert_kept_secret(server, password_hash.rsplit("$", 1)[1])
        (kernel,) = kernels(server)
        assert "THEMOON_PASSWORD_HASH" not in kernel.environ()
        assert kernel.environ()["THEMOON_UPLOAD_MAX_MB"] == "99"  # the websocket's limit, less room


# --- the cookie secret: a file of mode 600, kept across restarts ---------------------------------------


@pytest.mark.timeout(300)
def test_login_outlives_a_restart(tmp_path):
    """Signed in once; the server restarts on the same secret file: still signed in. The secret file
    deleted (rotated) and the server restarted: signed out."""
    data = tmp_path / "data"
    env = {"THEMOON_SERVE_HOST": "0.0.0.0", "THEMOON_DATA_DIR": str(data)}  # the secret's default home
    secret_file = data / "voila_cookie_secret"
    port = browser.free_port()  # the login cookie's name holds the port: restart on the same one
    db_path = _small_db(tmp_path)

    def start(log_dir: str):
        return browser.voila_server(db_path, tmp_path / log_dir, env=env, password_hash=passwd(PASSWORD), port=port)

    with start("first") as server:
        assert mode(secret_file) == 0o600
        secret = secret_file.read_bytes()
        assert len(secret.strip()) >= 32
        session = sign_in(server, PASSWORD)
        load_dashboard(session, server.url)
        assert_kept_secret(server, secret.strip().decode())
    assert session.cookies.get(f"username-127-0-0-1-{port}")

    with start("again") as server:
        assert secret_file.read_bytes() == secret and mode(secret_file) == 0o600  # reused, not remade
        load_dashboard(session, server.url)  # the cookie from before the restart: no /login
        assert_no_dashboard(requests.get(server.url, allow_redirects=False, timeout=10))

    secret_file.unlink()  # rotation: everyone signs in again
    with start("rotated") as server:
        assert mode(secret_file) == 0o600 and secret_file.read_bytes() != secret
        assert_no_dashboard(session.get(server.url, allow_redirects=False, timeout=10))
        assert not kernels(server)


def test_a_secret_file_others_can_read_stops_the_server(tmp_path):
    secret_file = tmp_path / "voila_cookie_secret"
    secret_file.write_text(secrets.token_hex(32))
    secret_file.chmod(0o644)
    with pytest.raises(RuntimeError, match="voila exited with 1"):
        with browser.voila_server(
            _small_db(tmp_path), tmp_path, env={"THEMOON_COOKIE_SECRET_FILE": str(secret_file)}, timeout=60
        ):
            pytest.fail("voila served with a cookie secret others can read")
    (log,) = tmp_path.glob("voila-*.log")
    assert "readable by others" in log.read_text()


# --- /voila/files ---------------------------------------------------------------------------------------


def test_no_files_are_served(tmp_path):
    """Voilà serves images beside the notebook at /voila/files/ to anyone, signed in or not: not ours."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(serve.default_notebook(), notebooks / "dashboard.ipynb")
    png = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(64)
    for name in ("menu.png", "sub/logo.svg"):
        (notebooks / name).parent.mkdir(exist_ok=True)
        (notebooks / name).write_bytes(png)
    with browser.voila_server(
        _small_db(tmp_path), tmp_path, notebook=notebooks / "dashboard.ipynb", token=TOKEN
    ) as server:
        for name in ("menu.png", "sub/logo.svg"):
            for query in ("", "?token=" + TOKEN):  # neither without credentials nor with them
                response = requests.get(server.url + "voila/files/" + name + query, timeout=10)
                assert response.status_code == 403, (name, query[:7], response.status_code)
                assert png not in response.content
    assert "File not allowlisted" in server.log_path.read_text()  # refused by the (empty) allow-list


# --- the kernel websocket --------------------------------------------------------------------------


def test_kernel_websocket_needs_credentials(token_server):
    session = requests.Session()
    kernel = kernel_id(load_dashboard(session, token_server.url + "?token=" + TOKEN))
    for url, cookie in ((ws_url(token_server, kernel), None), (ws_url(token_server, kernel, "&token=wrong"), None)):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(url, timeout=10, cookie=cookie)
        assert refused.value.status_code == 403
    # positive control: the page's cookie opens it
    websocket.create_connection(ws_url(token_server, kernel), timeout=10, cookie=cookie_header(session)).close()


@pytest.mark.parametrize("protocol", [None, V1], ids=["json", "v1-binary"])
def test_kernel_websocket_refuses_execute_request(token_server, tmp_path, protocol):
    session = requests.Session()
    kernel = kernel_id(load_dashboard(session, token_server.url + "?token=" + TOKEN))
    target = tmp_path / "executed.txt"
    code = f"import pathlib; pathlib.Path({str(target)!r}).write_text('code ran')"
    execute = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}
    refused = [
        message("execute_request", execute),
        message("execute_request", execute, channel="control"),
        message("complete_request", {"code": "import o", "cursor_pos": 8}),  # would list the kernel's names
        message("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 1}),
        message("history_request", {"output": True, "raw": True, "hist_access_type": "tail", "n": 10}),
    ]
    # positive control: what the page needs (widgets talk comm_*) still gets answers on this socket
    allowed = [message("comm_info_request", {}), message("kernel_info_request", {})]
    refused_ids = {m["header"]["msg_id"] for m in refused}
    allowed_ids = {m["header"]["msg_id"] for m in allowed}

    ws = websocket.create_connection(
        ws_url(token_server, kernel), timeout=2, cookie=cookie_header(session), subprotocols=[V1] if protocol else None
    )
    try:
        assert (ws.getsubprotocol() or None) == protocol
        for msg in [*refused, *allowed]:
            ws.send(
                encode(msg, protocol), opcode=websocket.ABNF.OPCODE_BINARY if protocol else websocket.ABNF.OPCODE_TEXT
            )
        # shell messages are handled in order: a forwarded execute_request would be answered before
        # the kernel_info_request sent after it; a little grace covers the control channel
        answered, to_refused, grace_until = set(), [], None
        deadline = time.monotonic() + 30
        while time.monotonic() < (grace_until or deadline):
            try:
                reply = decode(ws.recv(), protocol)
            except websocket.WebSocketTimeoutException:
                continue
            parent = reply["parent_header"].get("msg_id")
            if parent in refused_ids:
                to_refused.append((reply["channel"], reply["header"]["msg_type"], reply["content"]))
            elif parent in allowed_ids and reply["header"]["msg_type"].endswith("_reply"):
                answered.add(parent)
            if grace_until is None and answered == allowed_ids:
                grace_until = time.monotonic() + 2
    finally:
        ws.close()
    assert answered == allowed_ids, "comm/kernel-info requests got no reply: the socket did not work"
    assert to_refused == [], "the kernel answered a message the browser must not send"
    time.sleep(1)
    assert not target.exists(), "execute_request from the browser ran code in the kernel"
    log = token_server.log_path.read_text(errors="replace")
    assert 'Received message of type "execute_request", which is not allowed' in log
    assert_token_kept_secret(token_server)


# --- the kernel websocket takes a big message -------------------------------------------------------------


def test_kernel_websocket_takes_a_20_mb_message(token_server):
    """An upload travels as one comm_msg: tornado's default limit (10 MiB) would close the socket."""
    session = requests.Session()
    kernel = kernel_id(load_dashboard(session, token_server.url + "?token=" + TOKEN))
    big = message("comm_msg", {"comm_id": uuid.uuid4().hex, "data": {"pad": "x" * 20_000_000}})
    frame = encode(big, None)
    assert 20_000_000 < len(frame) < serve.WEBSOCKET_MAX_MESSAGE_BYTES
    assert len(frame) > 10 * 1024 * 1024  # tornado's default limit
    info = message("kernel_info_request", {})

    ws = websocket.create_connection(ws_url(token_server, kernel), timeout=30, cookie=cookie_header(session))
    try:
        ws.send(frame)
        ws.send(encode(info, None))
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, "no kernel_info_reply after the big message"
            try:
                raw = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            assert raw, "the server closed the socket"
            reply = decode(raw, None)
            if reply["parent_header"].get("msg_id") == info["header"]["msg_id"]:
                if reply["header"]["msg_type"] == "kernel_info_reply":  # (not its busy/idle status)
                    break
    except (websocket.WebSocketConnectionClosedException, ConnectionError) as error:
        pytest.fail(f"the server closed the socket: {error!r} (message too big?)")
    finally:
        ws.close()
    assert "message too big" not in token_server.log_path.read_text(errors="replace")
