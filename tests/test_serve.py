"""Serving, without a server: the cookie secret file, the password hash kept off the command line,
and our Voilà config file (issue #7). The same against a running Voilà: tests/test_serve_auth.py."""

from __future__ import annotations

import os
import stat
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from browser_support import build_small_db
from jupyter_server.auth import passwd
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from themoon import serve

NOTEBOOK = serve.default_notebook()
HASH = passwd("full-moon")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the cookie secret file --------------------------------------------------------------------


def test_cookie_secret_is_made_once_with_mode_600(tmp_path):
    path = tmp_path / "data" / "voila_cookie_secret"  # the directory is made too
    old_umask = os.umask(0)  # the mode does not depend on the umask
    try:
        secret = serve.cookie_secret(path)
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600
    assert len(secret) >= 32 and secret == path.read_bytes().strip()
    assert len(set(secret)) > 8  # random hex, not a constant
    assert serve.cookie_secret(path) == secret  # reused, not remade
    assert sorted(p.name for p in path.parent.iterdir()) == ["voila_cookie_secret"]  # no temporary left


def test_two_secret_files_differ(tmp_path):
    assert serve.cookie_secret(tmp_path / "a") != serve.cookie_secret(tmp_path / "b")


def test_cookie_secret_made_by_racing_servers_is_one(tmp_path):
    path = tmp_path / "voila_cookie_secret"
    with ProcessPoolExecutor(6) as pool:
        secrets = set(pool.map(serve.cookie_secret, [path] * 12))
    assert secrets == {path.read_bytes().strip()}


@pytest.mark.parametrize("bad_mode", [0o640, 0o604, 0o644, 0o660])
def test_cookie_secret_readable_by_others_is_refused(tmp_path, bad_mode):
    path = tmp_path / "voila_cookie_secret"
    secret = serve.cookie_secret(path)
    path.chmod(bad_mode)
    with pytest.raises(serve.ServeError, match="readable by others.*delete it"):
        serve.cookie_secret(path)
    assert path.read_bytes().strip() == secret  # left alone: the operator decides
    path.chmod(0o600)
    assert serve.cookie_secret(path) == secret


@pytest.mark.parametrize("content", [b"", b"short\n", b"   \n"])
def test_cookie_secret_too_short_is_refused(tmp_path, content):
    path = tmp_path / "voila_cookie_secret"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(serve.ServeError, match="fewer than 32"):
        serve.cookie_secret(path)


def test_cookie_secret_that_is_a_directory_is_refused(tmp_path):
    path = tmp_path / "voila_cookie_secret"
    path.mkdir(mode=0o700)
    with pytest.raises(serve.ServeError, match="not a regular file"):
        serve.cookie_secret(path)


def test_cookie_secret_file_location(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = serve.COOKIE_SECRET_NAME
    assert serve.cookie_secret_file({"THEMOON_DATA_DIR": "var"}) == tmp_path / "var" / name
    assert (
        serve.cookie_secret_file({"THEMOON_DATA_DIR": "var", "THEMOON_COOKIE_SECRET_FILE": "s/k"}) == tmp_path / "s/k"
    )
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path / "d"))
    assert serve.cookie_secret_file({}) == tmp_path / "d" / name  # the default data directory


def test_env_for_voila_names_the_secret_file_and_carries_the_hash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("THEMOON_COOKIE_SECRET_FILE", raising=False)
    monkeypatch.setenv("THEMOON_DATA_DIR", "d")
    monkeypatch.setenv("THEMOON_PASSWORD_HASH", HASH)  # e.g. from .env: used only when passed
    env = serve.env_for_voila("x.db")
    assert env["THEMOON_COOKIE_SECRET_FILE"] == str(tmp_path / "d" / serve.COOKIE_SECRET_NAME)
    assert "THEMOON_PASSWORD_HASH" not in env
    assert serve.env_for_voila("x.db", password_hash=HASH)["THEMOON_PASSWORD_HASH"] == HASH
    # kernels are told what one upload may hold: what the websocket takes, less room for the rest
    assert env["THEMOON_UPLOAD_MAX_MB"] == "99"
    assert 50 * 2**20 < int(env["THEMOON_UPLOAD_MAX_MB"]) * 2**20 < serve.WEBSOCKET_MAX_MESSAGE_BYTES - 2**19
    monkeypatch.setenv("THEMOON_COOKIE_SECRET_FILE", "etc/secret")
    assert serve.env_for_voila("x.db")["THEMOON_COOKIE_SECRET_FILE"] == str(tmp_path / "etc" / "secret")
    assert not (tmp_path / "d").exists()  # naming it makes nothing


# --- the command line ------------------------------------------------------------------------------


def test_voila_command_loads_only_our_config_file_and_never_the_hash():
    command = serve.voila_command(NOTEBOOK, password_hash=HASH, token="s3cret")
    paths = [part.split("=", 1)[1] for part in command if part.startswith("--Voila.config_file_paths=")]
    assert paths == [str(serve.VOILA_CONFIG_DIR)] and (serve.VOILA_CONFIG_DIR / "voila.py").is_file()
    assert not any(HASH in part or "$argon2" in part or "s3cret" in part for part in command)
    assert serve.PASSWORD_REQUIRED_FLAG in command
    assert serve.PASSWORD_REQUIRED_FLAG not in serve.voila_command(NOTEBOOK, token="s3cret")
    assert not any("hashed_password" in part or "cookie_secret" in part for part in command)


def test_voila_command_refuses_to_run_without_our_config_file(monkeypatch, tmp_path):
    monkeypatch.setattr(serve, "VOILA_CONFIG_DIR", tmp_path)
    with pytest.raises(serve.ServeError, match="config file is missing"):
        serve.voila_command(NOTEBOOK)


# --- the password hash ----------------------------------------------------------------------------


def test_check_password_hash():
    assert serve.check_password_hash(f" {HASH}\n") == HASH
    for bad in (
        "",
        "full-moon",
        "sha1:0123:abcdef",  # jupyter's old format: not argon2
        "argon2:=19,m=10240,t=10,p=8$abc$def",  # what docker compose leaves of an unquoted hash
        HASH.rsplit("$", 1)[0] + "$",
    ):
        with pytest.raises(serve.ServeError, match="not an argon2 hash"):
            serve.check_password_hash(bad)


# --- our Voilà config file ----------------------------------------------------------------------


@pytest.fixture()
def server_env(tmp_path, monkeypatch):
    """The environment our config file sees inside Voilà."""
    secret_file = tmp_path / "voila_cookie_secret"
    monkeypatch.setenv("THEMOON_COOKIE_SECRET_FILE", str(secret_file))
    monkeypatch.delenv("THEMOON_PASSWORD_HASH", raising=False)
    monkeypatch.setattr(sys, "argv", ["voila", "dashboard.ipynb"])
    monkeypatch.setenv("THEMOON_SHARED_ENGINE", "0")  # tests/test_engine_service.py starts one
    return secret_file


def load_our_config_file() -> Config:
    return PyFileConfigLoader("voila.py", path=str(serve.VOILA_CONFIG_DIR)).load_config()


def test_our_config_file(server_env, monkeypatch):
    monkeypatch.setenv("THEMOON_PASSWORD_HASH", HASH)
    c = load_our_config_file()
    assert mode(server_env) == 0o600
    assert c.Voila.cookie_secret == server_env.read_bytes().strip()
    assert c.PasswordIdentityProvider.hashed_password == HASH
    assert "THEMOON_PASSWORD_HASH" not in os.environ  # kernels inherit Voilà's environment: not this
    assert c.PasswordIdentityProvider.allow_password_change is False
    assert c.VoilaConfiguration.file_allowlist == []
    assert c.Voila.tornado_settings == {"websocket_max_message_size": 100 * 1024 * 1024}
    assert load_our_config_file().Voila.cookie_secret == c.Voila.cookie_secret  # the next start


def test_our_config_file_without_a_password(server_env):
    c = load_our_config_file()
    assert "hashed_password" not in c.PasswordIdentityProvider
    assert c.Voila.cookie_secret == server_env.read_bytes().strip()


def test_our_config_file_stops_voila_instead_of_starting_open(server_env, monkeypatch, capsys):
    """Voilà only logs an exception from a config file and starts without it: ours exits instead."""
    server_env.write_bytes(b"x" * 64)
    server_env.chmod(0o644)
    with pytest.raises(SystemExit) as stopped:
        load_our_config_file()
    assert stopped.value.code == 1
    assert "readable by others" in capsys.readouterr().err
    # a password asked for on the command line that did not arrive in the environment
    server_env.chmod(0o600)
    monkeypatch.setattr(sys, "argv", ["voila", serve.PASSWORD_REQUIRED_FLAG])
    with pytest.raises(SystemExit):
        load_our_config_file()
    assert "THEMOON_PASSWORD_HASH did not reach the server" in capsys.readouterr().err
    monkeypatch.setenv("THEMOON_PASSWORD_HASH", "sha1:0123:abcdef")
    with pytest.raises(SystemExit):
        load_our_config_file()
    assert "not an argon2 hash" in capsys.readouterr().err


def test_importing_our_config_file_does_nothing():
    import importlib

    importlib.import_module("themoon.voila_config.voila")  # e.g. by a tool that imports every module


# --- serve() ----------------------------------------------------------------------------------------


@pytest.fixture()
def small_path(tmp_path) -> Path:
    path = tmp_path / "small.db"
    build_small_db(path).close()
    return path


@pytest.fixture()
def no_exec(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("THEMOON_COOKIE_SECRET_FILE", raising=False)
    monkeypatch.delenv("THEMOON_TOKEN", raising=False)
    monkeypatch.delenv("THEMOON_PASSWORD_HASH", raising=False)
    return calls


def test_serve_passes_the_hash_in_the_environment(small_path, no_exec, monkeypatch):
    monkeypatch.setenv("THEMOON_PASSWORD_HASH", HASH)
    serve.serve(db_path=small_path, host="0.0.0.0")
    ((_, argv, env),) = no_exec
    assert env["THEMOON_PASSWORD_HASH"] == HASH and serve.PASSWORD_REQUIRED_FLAG in argv
    assert not any("$argon2" in part for part in argv)
    # the secret file is Voilà's to make (in the data directory), not serve()'s
    assert env["THEMOON_COOKIE_SECRET_FILE"] == str(small_path.parent / "data" / serve.COOKIE_SECRET_NAME)
    assert not Path(env["THEMOON_COOKIE_SECRET_FILE"]).exists()


def test_serve_refuses_a_bad_hash_before_starting(small_path, no_exec):
    with pytest.raises(serve.ServeError, match="argon2"):
        serve.serve(db_path=small_path, host="0.0.0.0", password_hash="sha1:0123:abcdef")
    assert no_exec == []


def test_serve_refuses_a_leaked_secret_before_starting(small_path, no_exec, tmp_path):
    path = tmp_path / "data" / serve.COOKIE_SECRET_NAME
    serve.cookie_secret(path)
    path.chmod(0o644)
    with pytest.raises(serve.ServeError, match="readable by others"):
        serve.serve(db_path=small_path)
    assert no_exec == []


def test_cli_serve_keeps_one_kernel_ready_by_default(small_path, no_exec, monkeypatch):
    from themoon import cli

    cli.main(["serve", "--db", str(small_path), "--port", "9125"])
    ((_, argv, _),) = no_exec
    assert "--preheat_kernel=True" in argv and "--pool_size=1" in argv
    monkeypatch.setenv("THEMOON_PREHEAT", "0")
    cli.main(["serve", "--db", str(small_path), "--port", "9126"])
    assert "--preheat_kernel=True" not in no_exec[1][1]


def test_cli_serve_refusal_is_one_line_and_exit_2(small_path, no_exec, capsys):
    from themoon import cli

    assert cli.main(["serve", "--db", str(small_path), "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: refusing to serve on '0.0.0.0'") and "Traceback" not in err
    assert no_exec == []


# --- a light page (issue #12) ----------------------------------------------------------------------


def test_our_config_file_keeps_the_page_light(server_env):
    c = load_our_config_file()
    assert set(c.VoilaConfiguration.extension_denylist) >= {"jupyterlab-plotly", "jupyterlab_pygments"}
    assert c.VoilaKernelManager.fill_delay >= 10  # no pool refill during a visitor's page render
    # the language reaches kernels as the guard's header, never the Cookie header (the sign-in cookie)
    assert "X-Themoon-Lang" in c.VoilaConfiguration.http_header_envs
    assert "Cookie" not in c.VoilaConfiguration.http_header_envs
    page = c.VoilaConfiguration.page_config_hook({"appVersion": "x", "fullMathjaxUrl": "https://cdn/x"}, "/base/")
    assert page["appVersion"] == "x"
    assert page["fullMathjaxUrl"] == "/base/voila/templates/themoon/static/no-mathjax.js"
    assert page["themoonPlotlyUrl"] == f"/base/voila/templates/themoon/static/{serve.PLOTLY_BUNDLE}"


def test_a_closed_tab_frees_its_kernel_within_two_minutes():
    command = serve.voila_command(Path("dashboard.ipynb"))
    timeout = int(next(a for a in command if a.startswith("--MappingKernelManager.cull_idle_timeout=")).split("=")[1])
    interval = int(next(a for a in command if a.startswith("--MappingKernelManager.cull_interval=")).split("=")[1])
    assert timeout + interval <= 120
    assert "--MappingKernelManager.cull_connected=False" in command  # an open page keeps its kernel


def test_the_plotly_bundle_is_the_plotly_wheels_version():
    """The charts' plotly.js (npm, fetched by `make install`) is the one the plotly wheel was made
    for: the figures' JSON is plotly.py's, and plotly.js reads it."""
    from plotly.offline import get_plotlyjs_version

    assert serve.PLOTLY_JS_VERSION == get_plotlyjs_version()
    head = serve.plotly_bundle_path().read_text(encoding="utf-8")[:200]
    assert f"plotly.js (cartesian - minified) v{serve.PLOTLY_JS_VERSION}" in head


def test_serving_without_the_plotly_bundle_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(serve, "PLOTLY_BUNDLE", "vendor/plotly-cartesian-0.0.0.min.js")
    with pytest.raises(serve.ServeError, match="make install"):
        serve.voila_command(Path("dashboard.ipynb"))
