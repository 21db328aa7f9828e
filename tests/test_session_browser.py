"""Sessions against a running Voilà (issue #18), the demo café served with a token as on a network
(no automatic sign-in), one server for the module:

- signing out ends the page's kernel: from the sign-in screen of the fresh page, a widget-state
  request on its kernel websocket gets nothing of the owner's views back (the same probe on the
  signed-in page does: the positive control), and the old kernel is gone;
- staff demoted by another process (the `themoon` CLI): the page's next save is refused with a
  message, the page goes back to sign-in, and nothing is written (seen from a subprocess, after a
  save that was: the positive control);
- a page left idle for the owner's idle time signs itself out;
- out-of-range values sent to every input widget of every tab over the websocket: no traceback,
  no server path, no error or stderr message in anything the browser receives; a field message is;
- `/logout` (token and password sessions): 302 to the sign-in page, the login cookie cleared;
  `../` and `%2e%2e` under the template's static path: 404.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import subprocess
import sys
import time
import uuid

import pytest
import requests
from browser_support import DEMO_TODAY, demo_copy
from jupyter_server.auth import passwd
from kernel_socket import KernelSocket, kernel_id, one, with_class
from page_support import open_tab, shot
from playwright import sync_api

from themoon.ui import browser
from themoon.ui.app import TABS

expect = sync_api.expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOKEN = secrets.token_urlsafe(24)
PAGE_TIMEOUT_S = 120
# Traces of the owner's views in widget states: the users table, an export link, the batch table.
OWNER_TRACES = (
    "themoon-users-table",
    "themoon-reports-download",
    "data:application/vnd.openxml",
    "themoon-batch-table",
)
# Traces of a Python traceback or of the server's files in what the browser receives.
LEAKS = ("Traceback", 'File "', '.py"', "site-packages", "/work/", "/tmp/", "Error:")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert browser.CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it"
    root = tmp_path_factory.mktemp("sessions")
    env = {
        "THEMOON_TODAY": DEMO_TODAY.isoformat(),
        "THEMOON_LANG": "en",
        "THEMOON_DATA_DIR": str(root),
        "THEMOON_SERVE_HOST": "0.0.0.0",  # as served for the network: nobody is signed in by default
        "THEMOON_REPORTS_DIR": str(root / "reports"),
    }
    with browser.voila_server(demo_copy(root), root, env=env, token=TOKEN, timeout=90) as srv:
        yield srv


def new_page(chromium, server):
    context = chromium.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(browser.LOAD_TIMEOUT_MS)
    page.goto(server.url + "?token=" + TOKEN, wait_until="domcontentloaded")
    browser.wait_for_dashboard(page)
    return page


def sign_in(page, username: str, password: str = "moon") -> None:
    signin = page.locator(".themoon-signin")
    expect(signin).to_be_visible()
    signin.locator(".themoon-input-username input").fill(username)
    signin.locator(".themoon-input-password input").fill(password)
    signin.locator(".themoon-sign-in").click()
    expect(page.locator(".themoon-user")).to_contain_text("Owner" if username == "owner" else "Staff", timeout=90_000)


def page_kernel(page) -> str:
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


def cookie_of(page) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())


def all_states(server, kernel: str, cookie: str) -> str:
    ws = KernelSocket(server.url, kernel, cookie)
    try:
        states = ws.states()
    finally:
        ws.close()
    text = json.dumps(states)
    print(f"kernel {kernel[:8]}: {len(states)} widget states, {len(text) / 1024:.0f} KB")
    return text


def rows_seen_by_another_process(path, table: str) -> int:
    code = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM ' + sys.argv[2]).fetchone()[0])"  # noqa: E501
    return int(subprocess.check_output([sys.executable, "-c", code, str(path), table], text=True))


def wait_for_fresh_sign_in(page, reason: str) -> None:
    page.wait_for_url(re.compile(rf"\?signed_out={reason}$"), timeout=browser.LOAD_TIMEOUT_MS)
    browser.wait_for_dashboard(page)
    expect(page.locator(".themoon-signin")).to_be_visible()


# --- signing out ---------------------------------------------------------------------------------------


def test_signing_out_leaves_nothing_of_the_owners_views_in_reach(chromium, server):
    page = new_page(chromium, server)
    sign_in(page, "owner")
    open_tab(page, "roasting", timeout_ms=60_000)
    expect(page.locator(".themoon-batch-table table")).to_be_visible()
    open_tab(page, "settings", timeout_ms=60_000)
    expect(page.locator(".themoon-users-table")).to_contain_text("staff")
    open_tab(page, "reports", timeout_ms=60_000)
    page.locator(".themoon-reports-export-excel").click()
    expect(page.locator(".themoon-reports-export-card .themoon-reports-download")).to_be_visible(timeout=120_000)
    old_kernel, cookie = page_kernel(page), cookie_of(page)
    signed_in_states = all_states(server, old_kernel, cookie)
    for trace in OWNER_TRACES:  # positive control: the probe sees what a signed-in page holds
        assert trace in signed_in_states, trace

    page.locator(".themoon-sign-out").click()
    wait_for_fresh_sign_in(page, "signed_out")
    expect(page.locator(".themoon-app-message")).to_contain_text("You signed out")
    shot(page, "session-signed-out")
    new_kernel = page_kernel(page)
    assert new_kernel != old_kernel
    states = all_states(server, new_kernel, cookie_of(page))
    assert "themoon-signin" in states  # the probe works on this page too
    for trace in (*OWNER_TRACES, "themoon-tab"):
        assert trace not in states, trace

    # the old kernel is gone (Voilà's script shut it down as the page left; else it exits itself)
    deadline = time.monotonic() + 60
    session = requests.Session()
    session.cookies.update({c["name"]: c["value"] for c in page.context.cookies()})
    while session.get(server.url + f"api/kernels/{old_kernel}", timeout=10).status_code != 404:
        assert time.monotonic() < deadline, "the signed-out kernel still runs"
        time.sleep(1)
    page.context.close()


# --- a demoted user's open page -----------------------------------------------------------------------


def fill_purchase(page) -> None:
    card = page.locator(".themoon-purchase")
    card.locator(".themoon-field-bean select").select_option(index=1)  # the first bean
    card.locator(".themoon-field-grams input").fill("1000")
    card.locator(".themoon-field-total_won input").fill("6000")
    card.locator(".themoon-field-total_won input").press("Tab")


def test_a_demoted_staff_members_next_save_is_refused(chromium, server):
    page = new_page(chromium, server)
    sign_in(page, "staff")
    open_tab(page, "inventory", timeout_ms=60_000)
    before = rows_seen_by_another_process(server.db_path, "purchases")
    fill_purchase(page)
    page.locator(".themoon-save-purchase").click()  # positive control: staff may record a purchase
    expect(page.locator(".themoon-purchase .themoon-form-status")).to_contain_text("Purchase #")
    assert rows_seen_by_another_process(server.db_path, "purchases") == before + 1

    fill_purchase(page)
    page.wait_for_timeout(500)  # the typed values have reached the kernel
    subprocess.run(
        [sys.executable, "-m", "themoon.cli", "user", "set", "--db", str(server.db_path), "--username", "staff",
         "--role", "viewer"],
        check=True, timeout=60,
    )  # fmt: skip
    try:
        page.locator(".themoon-save-purchase").click()
        wait_for_fresh_sign_in(page, "account")
        expect(page.locator(".themoon-app-message")).to_contain_text("account was changed")
        shot(page, "session-demoted")
        assert rows_seen_by_another_process(server.db_path, "purchases") == before + 1
    finally:
        subprocess.run(
            [sys.executable, "-m", "themoon.cli", "user", "set", "--db", str(server.db_path), "--username", "staff",
             "--role", "staff"],
            check=True, timeout=60,
        )  # fmt: skip
    page.context.close()


# --- idle timeout ----------------------------------------------------------------------------------------


def test_an_idle_page_signs_itself_out(chromium, server):
    """The owner's idle time (1 minute here, set from another process) without a message from the
    page: the page ends up at the sign-in screen, told why."""
    page = new_page(chromium, server)
    sign_in(page, "owner")
    cli = [sys.executable, "-m", "themoon.cli", "settings", "session", "--db", str(server.db_path)]
    subprocess.run([*cli, "--idle-minutes", "1"], check=True, timeout=60)
    try:
        started = time.monotonic()
        page.wait_for_url(re.compile(r"\?signed_out=idle$"), timeout=180_000)
        print(f"signed out after {time.monotonic() - started:.0f} s idle")
        browser.wait_for_dashboard(page)
        expect(page.locator(".themoon-app-message")).to_contain_text("after 1 min without activity")
        expect(page.locator(".themoon-signin")).to_be_visible()
    finally:
        subprocess.run([*cli, "--idle-minutes", "30"], check=True, timeout=60)
    page.context.close()


# --- hostile widget values over the websocket ------------------------------------------------------------

BAD = {
    "value": [{"year": 99999, "month": 0, "date": 1}, {"year": 1, "month": 0, "date": 1}, "x" * 100_000, 10**30,
              -1e308, None, ["a"], {"a": 1}, "9" * 5000, "1e999999999", "2026-13-45", "../../etc/passwd"],
    "index": [10**9, -5, "x", None, [99]],
    "label": ["no such option", 5],
}  # fmt: skip
INPUT_MODELS = {
    "TextModel", "TextareaModel", "PasswordModel", "DropdownModel", "DatePickerModel", "ToggleButtonsModel",
    "CheckboxModel", "IntSliderModel", "FileUploadModel", "ComboboxModel", "IntTextModel", "FloatTextModel",
    "SelectModel", "RadioButtonsModel",
}  # fmt: skip


def test_out_of_range_values_in_every_input_of_every_tab_leak_nothing(server):
    session = requests.Session()
    html = session.get(server.url + "?token=" + TOKEN, timeout=PAGE_TIMEOUT_S).text
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.get_dict().items())
    ws = KernelSocket(server.url, kernel_id(html), cookie, timeout=5)
    try:
        states = ws.states()
        ws.update(one(states, "themoon-input-username"), {"value": "owner"})
        ws.update(one(states, "themoon-input-password"), {"value": "moon"})
        ws.settle(ws.click(one(states, "themoon-sign-in")))
        for key in TABS:
            ws.settle(ws.click(one(ws.states(), f"themoon-nav-{key}")))
        states = ws.states()
        assert len(with_class(states, "themoon-tab")) == len(TABS), "not every tab was opened"
        inputs = {mid: s for mid, s in states.items() if s["model_name"] in INPUT_MODELS}
        assert len(inputs) > 80
        sent = 0
        start = len(ws.received)
        for mid, s in inputs.items():
            for trait, values in BAD.items():
                if trait in s["state"]:
                    for value in values:
                        last = ws.update(mid, {trait: value})
                        sent += 1
            ws.settle(last)
        ws.settle(ws.comm_msg(next(iter(inputs)), {"method": "nonsense"}))
        ws.settle(ws.send("comm_msg", {"comm_id": next(iter(inputs))}))  # no data at all
        received = ws.received[start:]
        frames = ws.raw[start:]
    finally:
        ws.close()
    print(f"{sent} hostile values to {len(inputs)} inputs; {len(received)} messages back")
    kinds = {m["header"]["msg_type"] for m in received}
    assert "error" not in kinds and "stream" not in kinds, kinds
    text = "\n".join(f if isinstance(f, str) else f.decode("utf-8", "replace") for f in frames)
    for leak in LEAKS:
        assert leak not in text, leak
    assert "This value cannot be used here" in text  # the app's own field message reached the page


# --- /logout and traversal (plain HTTP) ----------------------------------------------------------------------


def login_cookie(session: requests.Session, port: int) -> str | None:
    return session.cookies.get(f"username-127-0-0-1-{port}")


def assert_logout(server, session: requests.Session) -> None:
    assert login_cookie(session, server.port)
    out = session.get(server.url + "logout", allow_redirects=False, timeout=10)
    assert out.status_code == 302, (out.status_code, out.text[:300])
    assert out.headers["Location"].endswith("/login")
    cleared = out.headers["Set-Cookie"]
    assert cleared.startswith(f'username-127-0-0-1-{server.port}=""') and "expires=" in cleared.lower()
    assert not login_cookie(session, server.port)
    again = session.get(server.url, allow_redirects=False, timeout=10)
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def login(server, secret: str) -> requests.Session:
    """A session that posted `secret` (the token or the password) to the sign-in page's form."""
    session = requests.Session()
    session.get(server.url + "login", timeout=10)
    form = {"password": secret, "_xsrf": session.cookies.get("_xsrf", "")}
    session.post(server.url + "login?next=%2F", data=form, allow_redirects=False, timeout=10)
    return session


def kernel_api(server, session: requests.Session) -> int:
    """403 without credentials; with them, 404 (no such kernel): a probe that starts no kernel."""
    return session.get(server.url + "api/kernels/" + str(uuid.uuid4()), timeout=10).status_code


def test_logout_ends_a_token_session(server):
    session = login(server, TOKEN)
    assert kernel_api(server, session) == 404  # signed in (the positive control)
    assert_logout(server, session)
    assert kernel_api(server, session) == 403


def test_logout_ends_a_password_session(tmp_path):
    password = "full-moon-" + secrets.token_hex(4)
    db_path = demo_copy(tmp_path)
    env = {"THEMOON_SERVE_HOST": "0.0.0.0"}
    with browser.voila_server(db_path, tmp_path, env=env, password_hash=passwd(password)) as srv:
        session = login(srv, password)
        assert kernel_api(srv, session) == 404
        assert_logout(srv, session)
        assert kernel_api(srv, session) == 403


@pytest.mark.parametrize(
    "path",
    [
        "voila/templates/themoon/static/../../../../../../etc/passwd",
        "voila/templates/themoon/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "voila/templates/themoon/static/%2e%2e/conf.json",
        "voila/templates/themoon/static/..%2f..%2fconf.json",
        "voila/templates/%2e%2e/themoon/static/themoon.css",
        "voila/templates/themoon/nostatic/themoon.css",
        "voila/templates/themoon",
    ],
)
def test_climbing_out_of_the_template_static_folder_is_404(server, path):
    def get(raw: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/" + raw)  # sent as is: no client-side normalising of ../
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    assert get("voila/templates/themoon/static/themoon.css")[0] == 200  # positive control
    status, body = get(path)
    assert status == 404, (path, status)
    assert b"root:" not in body and b"Traceback" not in body
