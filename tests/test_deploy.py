"""The deployment files say what the code does: the Dockerfile, compose, nginx, systemd units,
.env.example and docs/operations.md are checked statically (and with nginx / systemd-analyze
when this machine has them), and the image's `themoon init` runs here against a temp DB."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from themoon import db
from themoon.ops import backup, logs, metrics

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
UNITS = ROOT / "deploy" / "systemd"


@pytest.fixture(autouse=True)
def _reset_logs():
    yield
    logs.reset()


# --- Dockerfile -----------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, buffer = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, rest = buffer.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        buffer = ""
    assert not buffer, "Dockerfile ends inside a continued line"
    return instructions


def instruction(name: str) -> list[str]:
    return [args for keyword, args in dockerfile() if keyword == name]


def docker_env() -> dict[str, str]:
    env = {}
    for args in instruction("ENV"):
        for item in shlex.split(args):
            key, _, value = item.partition("=")
            env[key] = value
    return env


def test_base_image_is_a_slim_python_matching_the_project():
    (base,) = instruction("FROM")
    match = re.fullmatch(r"python:(3\.\d+)-slim(-[a-z]+)?", base.split()[0])
    assert match, f"base image {base!r} is not a slim Python image"
    assert tuple(map(int, match.group(1).split("."))) >= (3, 11)


def test_runs_as_a_non_root_user():
    users = instruction("USER")
    assert users, "no USER: the container would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    cmd_index = max(i for i, (k, _) in enumerate(dockerfile()) if k == "CMD")
    user_index = max(i for i, (k, _) in enumerate(dockerfile()) if k == "USER")
    assert user_index < cmd_index


def test_healthcheck_probes_a_static_file_of_the_template():
    (check,) = instruction("HEALTHCHECK")
    assert " CMD " in f" {check} "
    url = re.search(r"http://127\.0\.0\.1:(\d+)/(\S+?)['\"]", check)
    assert url, check
    port, path = url.groups()
    assert port == "8866"
    from themoon import serve

    assert path == serve.PROBE_PATH
    assert (ROOT / "share" / "jupyter" / path).is_file(), f"the probed file share/jupyter/{path} is missing"


def test_every_copy_source_exists_in_the_repo():
    copies = instruction("COPY") + instruction("ADD")
    assert copies
    for args in copies:
        parts = [p for p in shlex.split(args) if not p.startswith("--")]
        assert not any(p.startswith("--from") for p in shlex.split(args))
        for source in parts[:-1]:
            assert (ROOT / source).exists(), f"COPY source {source!r} does not exist"


def test_data_and_reports_are_volumes_and_the_database_lives_in_one():
    volumes = set()
    for args in instruction("VOLUME"):
        volumes |= set(json.loads(args) if args.startswith("[") else args.split())
    assert {"/app/data", "/app/reports"} <= volumes
    env = docker_env()
    assert any(Path(env["THEMOON_DB"]).is_relative_to(v) for v in volumes)
    for key in ("THEMOON_BACKUP_DIR", "THEMOON_LOG_DIR", "THEMOON_REPORTS_DIR"):
        assert any(Path(env[key]).is_relative_to(v) for v in volumes), key


def test_the_package_runs_from_app_where_serve_finds_notebooks_and_template():
    """serve.py looks for notebooks/ and share/ beside the imported package: a plain
    `pip install .` would import a copy in site-packages that has neither."""
    runs = " ".join(instruction("RUN"))
    assert re.search(r"pip install [^&]*-e \.", runs) or "PYTHONPATH" in docker_env()
    assert instruction("WORKDIR") == ["/app"]


def cmd_parts() -> list[str]:
    (cmd,) = instruction("CMD")
    argv = json.loads(cmd)
    assert argv[:2] == ["sh", "-c"], "CMD is expected as [sh, -c, '... && exec themoon serve ...']"
    return [part.strip() for part in argv[2].split("&&")]


def test_cmd_serves_on_the_exposed_port():
    parts = cmd_parts()
    serve = parts[-1]
    assert serve.startswith("exec themoon serve") and "--port 8866" in serve
    assert instruction("EXPOSE") == ["8866"]


def test_the_images_init_step_runs_here_against_a_temp_database(tmp_path):
    init = [p for p in cmd_parts() if p.startswith("themoon init")]
    assert init, "the image no longer runs `themoon init` before serving"
    env = {
        key: value.replace("/app", str(tmp_path / "app"))
        for key, value in docker_env().items()
        if key.startswith(("THEMOON_", "PYTHON"))
    }
    env |= {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    database = Path(env["THEMOON_DB"])
    for _ in range(2):  # a restarted container runs it again
        result = subprocess.run(["sh", "-c", init[0]], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    assert database.is_file() and database.parent == tmp_path / "app" / "data"
    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.schema_version()
    assert conn.execute("SELECT count(*) FROM cost_settings").fetchone()[0] == 1
    conn.close()


# --- docker compose -------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_app_and_an_optional_nginx():
    services = compose()["services"]
    app, nginx = services["app"], services["nginx"]
    assert app["build"] == "." and "profiles" not in app
    assert nginx["profiles"] == ["nginx"]
    assert all(str(p).startswith("127.0.0.1:") for p in app["ports"]), "the app must stay on loopback"
    targets = {v.split(":")[1] for v in app["volumes"]}
    assert {"/app/data", "/app/reports"} <= targets
    # nginx uses deploy/nginx.conf unchanged: host networking makes 127.0.0.1:8866 the app
    assert nginx["network_mode"] == "host"
    mounts = {v.split(":")[0]: v.split(":")[1] for v in nginx["volumes"]}
    assert mounts["./deploy/nginx.conf"].startswith("/etc/nginx/conf.d/")
    for source in mounts:
        assert (ROOT / source).exists(), source
    tls_target = mounts["./deploy/tls"]
    assert f"{tls_target}/fullchain.pem" in (ROOT / "deploy" / "nginx.conf").read_text()


def test_compose_variables_are_documented_in_env_example():
    used = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))
    assert used and used <= env_example_keys()


# --- nginx ----------------------------------------------------------------------------------


def nginx_conf() -> str:
    return (ROOT / "deploy" / "nginx.conf").read_text()


def _locations(text: str) -> dict[str, str]:
    found = {}
    for match in re.finditer(r"location\s+([^{]+?)\s*\{", text):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found[match.group(1)] = text[match.end() : i]
    return found


def test_nginx_proxies_to_loopback_with_websockets_tls_and_timeouts():
    text = re.sub(r"#.*", "", nginx_conf())
    assert text.count("{") == text.count("}")
    assert re.search(r"server\s+127\.0\.0\.1:8866", text)
    assert re.search(r"ssl_certificate\s+/\S+\.pem;", text) and re.search(r"ssl_certificate_key\s+/\S+\.pem;", text)
    assert re.search(r"listen\s+443\s+ssl", text)
    locations = _locations(text)
    channels = [body for where, body in locations.items() if "/api/kernels/" in where and "channels" in where]
    assert channels, "no location for the kernel websockets /api/kernels/<id>/channels"
    for where, body in locations.items():
        if "proxy_pass" not in body:
            continue
        # proxy_set_header in a location replaces every inherited one: each must set them all
        for header in ("Upgrade $http_upgrade", "Connection $connection_upgrade", "Host $host"):
            assert re.search(rf"proxy_set_header\s+{re.escape(header)};", body), (where, header)
        assert "proxy_http_version 1.1;" in body and "proxy_read_timeout" in body, where
        # the app refuses proxied requests without credentials: it must see that they are proxied
        for header in ("X-Real-IP $remote_addr", "X-Forwarded-For $proxy_add_x_forwarded_for"):
            assert re.search(rf"proxy_set_header\s+{re.escape(header)};", body), (where, header)
    assert int(re.search(r"proxy_read_timeout\s+(\d+)s", channels[0]).group(1)) >= 600


def test_nginx_limits_page_loads_and_the_login_form():
    """Each page view of / starts a kernel; /login is the token/password form (issue #15)."""
    text = re.sub(r"#.*", "", nginx_conf())
    zones = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"limit_req_zone\s+\$binary_remote_addr\s+zone=(\w+):\d+m\s+rate=(\d+)r/m;", text)
    }
    assert set(zones) == {"themoon_pages", "themoon_login"}
    assert zones["themoon_login"] <= zones["themoon_pages"] <= 60  # per minute, per address
    locations = _locations(text)
    for where, zone in (("= /", "themoon_pages"), ("= /login", "themoon_login")):
        burst = re.search(rf"limit_req\s+zone={zone}\s+burst=(\d+)\s+nodelay;", locations[where])
        assert burst and 5 <= int(burst.group(1)) <= 50, where  # a café's tablets behind one address
    assert "limit_req " not in locations["/"]  # static files and the API: a page view needs dozens
    assert re.search(r"limit_req_status\s+429;", text)


def test_nginx_accepts_the_configuration(tmp_path):
    assert shutil.which("nginx") and shutil.which("openssl"), "nginx/openssl missing: `make test` installs them"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test"]
        + ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True,
        capture_output=True,
    )
    site = nginx_conf().replace("/etc/ssl/themoon/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "tmp").mkdir()
    temp_paths = " ".join(f"{kind}_temp_path {tmp_path}/tmp;" for kind in ("client_body", "proxy", "fastcgi"))
    temp_paths += f" uwsgi_temp_path {tmp_path}/tmp; scgi_temp_path {tmp_path}/tmp;"
    (tmp_path / "main.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; {temp_paths} include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "main.conf"), "-p", f"{tmp_path}/"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "warn" not in result.stderr.lower(), result.stderr


# --- systemd --------------------------------------------------------------------------------


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(sections: dict, section: str, key: str) -> str:
    values = sections[section][key]
    assert len(values) == 1, (section, key, values)
    return values[0]


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
}


@pytest.mark.parametrize("name", ["themoon.service", "themoon@.service"])
def test_the_service_runs_themoon_serve_as_a_non_root_user_hardened(name):
    service = unit(name)["Service"]
    assert service["User"][0] not in ("root", "0") and service["Group"][0] not in ("root", "0")
    exec_start = service["ExecStart"][0]
    assert re.search(r"/themoon serve\b", exec_start) and "--host 127.0.0.1" in exec_start
    assert "--behind-proxy" in exec_start  # behind nginx: no start without a token or password
    assert service["Restart"] == ["on-failure"]
    for key, value in HARDENING.items():
        assert service.get(key) == [value], key
    assert "multi-user.target" in unit(name)["Install"]["WantedBy"]


def test_the_backup_runs_nightly_and_catches_up_missed_nights():
    service = unit("themoon-backup.service")["Service"]
    assert service["Type"] == ["oneshot"] and service["ExecStart"][0].endswith("/themoon backup")
    assert service["User"][0] not in ("root", "0")
    for key, value in HARDENING.items():
        assert service.get(key) == [value], key
    timer = unit("themoon-backup.timer")
    assert one(timer, "Timer", "Persistent") == "true"
    assert re.fullmatch(r"(\*-\*-\* \d\d:\d\d(:\d\d)?|daily)", one(timer, "Timer", "OnCalendar"))
    assert one(timer, "Timer", "Unit") == "themoon-backup.service"
    assert one(timer, "Install", "WantedBy") == "timers.target"


def test_units_and_the_admin_wrapper_agree_on_paths():
    def settings(sections):
        return {v for v in sections["Service"]["Environment"] if not v.startswith("JUPYTER_RUNTIME_DIR=")}

    reference = settings(unit("themoon.service"))
    for name in ("themoon@.service", "themoon-backup.service", "themoon-metrics.service"):
        assert settings(unit(name)) == reference, name
        assert unit(name)["Service"]["EnvironmentFile"] == unit("themoon.service")["Service"]["EnvironmentFile"]
    admin = (ROOT / "deploy" / "themoon-admin").read_text()
    assert set(re.findall(r"--setenv=(\S+)", admin)) == reference
    env_file = unit("themoon.service")["Service"]["EnvironmentFile"][0].lstrip("-")
    assert f"EnvironmentFile=-{env_file}" in admin
    assert os.access(ROOT / "deploy" / "themoon-admin", os.X_OK)
    assert subprocess.run(["sh", "-n", str(ROOT / "deploy" / "themoon-admin")]).returncode == 0


def test_systemd_analyze_verify_finds_nothing(tmp_path):
    themoon = VENV_BIN / "themoon"
    assert themoon.exists(), "no themoon console script in .venv: `make test` installs it"
    assert shutil.which("systemd-analyze"), "systemd-analyze missing: `make test` installs it"
    names = sorted(p.name for p in UNITS.iterdir())
    for name in names:
        text = (UNITS / name).read_text().replace("/opt/themoon/.venv/bin/themoon", str(themoon))
        (tmp_path / name).write_text(text)
    targets = [str(tmp_path / n.replace("@.service", "@8867.service")) for n in names]
    for name in names:
        if "@." in name:
            shutil.copy(tmp_path / name, tmp_path / name.replace("@.service", "@8867.service"))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *targets], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "Failed to connect to bus" not in line
    ]
    assert result.returncode == 0 and not problems, "\n".join(problems)


# --- .env.example ---------------------------------------------------------------------------

_READS = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\[|\benv\.get|\benv_flag|\benv|\benv_int)\(?\s*["']((?:THEMOON_|LOG_)[A-Z_]+)["']"""
)


def variables_read_by_the_code() -> set[str]:
    found = set()
    for path in (ROOT / "themoon").rglob("*.py"):
        found |= set(_READS.findall(path.read_text(encoding="utf-8")))
    return found


def env_example_keys() -> set[str]:
    keys = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            keys.add(match.group(1))
    return keys


def test_env_example_lists_every_variable_the_app_reads():
    read = variables_read_by_the_code()
    assert {"THEMOON_DB", "THEMOON_TOKEN", "THEMOON_BACKUP_KEEP", "LOG_LEVEL", "THEMOON_LOG_DIR"} <= read
    assert read - env_example_keys() == set(), "add these to .env.example"
    assert env_example_keys() - read == set(), "these in .env.example are read by nothing"


def test_env_example_as_a_dotenv_changes_nothing_by_accident(tmp_path, monkeypatch):
    """Copied to .env unchanged, it sets no path or behaviour (only an empty token)."""
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert key == "THEMOON_TOKEN" and value == "", line


# --- docs -----------------------------------------------------------------------------------


def all_commands() -> set[str]:
    from themoon import cli

    def names(parser: argparse.ArgumentParser) -> set[str]:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return set(action.choices)

    return names(cli.build_parser())


def test_operations_doc_covers_the_topics():
    text = (ROOT / "docs" / "operations.md").read_text()
    headings = {h.lower() for h in re.findall(r"^#+ (.+)$", text, re.M)}
    for topic in (
        "install",
        "upgrade",
        "backups",
        "restore",
        "rollback",
        "logs",
        "metrics",
        "health",
        "reverse proxy",
        "scaling",
        "security notes",
    ):
        assert any(h.startswith(topic) for h in headings), topic
    for needle in ("sticky", "PostgreSQL", "127.0.0.1", "THEMOON_TOKEN", "drill", "pre-restore"):
        assert needle in text, needle


def test_every_command_in_the_doc_exists():
    text = (ROOT / "docs" / "operations.md").read_text()
    code = "\n".join(re.findall(r"```.*?\n(.*?)```", text, re.S) + re.findall(r"`([^`\n]+)`", text))
    code = re.sub(
        r"(systemctl|journalctl|docker compose (up|stop|start|logs))[^&;|\n]*", "", code
    )  # units, not commands
    used = set(re.findall(r"(?:^|[\s/])(?:themoon|themoon-admin) ([a-z][a-z-]+)", code, re.M))
    known = all_commands()
    assert {"backup", "restore", "health", "metrics", "init", "serve"} <= used
    assert used <= known, used - known


def test_every_metric_in_the_doc_is_exported(tmp_path, monkeypatch):
    for key, sub in (("THEMOON_BACKUP_DIR", "b"), ("THEMOON_REPORTS_DIR", "r"), ("THEMOON_LOG_DIR", "l")):
        monkeypatch.setenv(key, str(tmp_path / sub))
    live = tmp_path / "live.db"
    db.connect(live).close()
    backup.create_backup(live)
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "index.json").write_text(
        json.dumps([{"name": "monthly", "status": "ok", "finished_at": "2026-11-01T06:00:00Z", "duration_seconds": 3}])
    )
    exported = set(re.findall(r"^(themoon_[a-z_]+)", metrics.render(live), re.M))
    documented = set(re.findall(r"\b(themoon_[a-z_]+)", (ROOT / "docs" / "operations.md").read_text()))
    assert {"themoon_kernels_running", "themoon_db_size_bytes", "themoon_stock_value_won"} <= documented
    assert documented <= exported, documented - exported
    assert exported <= documented, exported - documented
