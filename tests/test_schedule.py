"""The schedules: the files in deploy/ are what `themoon schedule install` writes, the timers are
persistent and fire when the issue says, the services run real `themoon report` commands with the
settings and hardening of the other units, and the docs say how to enable them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from themoon import cli
from themoon.reports import cli as reports_cli
from themoon.reports import schedule

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
VENV_BIN = Path(sys.executable).parent


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_files_in_deploy_are_the_generators_output():
    for relative, text in schedule.render().items():
        assert (DEPLOY / relative).read_text() == text, f"deploy/{relative} is stale: run `themoon schedule install`"
    generated = {f"themoon-report-{job.key}.{kind}" for job in schedule.JOBS for kind in ("service", "timer")}
    assert {p.name for p in UNITS.glob("themoon-report-*")} == generated


def test_install_writes_only_what_changed(tmp_path):
    first = schedule.install(tmp_path)
    assert all(changed for _, changed in first) and len(first) == 7
    assert not any(changed for _, changed in schedule.install(tmp_path))
    (tmp_path / "cron" / "themoon").write_text("edited\n")
    again = dict(schedule.install(tmp_path))
    assert again[tmp_path / "cron" / "themoon"] and sum(again.values()) == 1


def test_other_hosts_get_their_paths(tmp_path):
    files = schedule.render(root="/srv/themoon", user="cafe", data="/data/themoon")
    service = files["systemd/themoon-report-monthly.service"]
    assert "ExecStart=/srv/themoon/.venv/bin/themoon report monthly_cost" in service
    assert "User=cafe" in service and "Environment=THEMOON_DB=/data/themoon/themoon.db" in service
    assert " cafe  cd /srv/themoon && " in files["cron/themoon"]


@pytest.mark.parametrize(
    ("key", "calendar"),
    [("monthly", "*-*-01 06:00:00"), ("weekly", "Mon *-*-* 06:00:00"), ("inventory", "Mon *-*-* 06:15:00")],
)
def test_timers_fire_when_due_and_catch_up(key, calendar):
    timer = unit(UNITS / f"themoon-report-{key}.timer")
    assert timer["Timer"]["OnCalendar"] == [calendar]
    assert timer["Timer"]["Persistent"] == ["true"]
    assert timer["Timer"]["Unit"] == [f"themoon-report-{key}.service"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "PrivateNetwork": "yes",
    "CapabilityBoundingSet": "",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
}


@pytest.mark.parametrize("job", schedule.JOBS, ids=lambda j: j.key)
def test_services_run_a_real_report_command_as_the_service_user(job):
    service = unit(UNITS / f"themoon-report-{job.key}.service")["Service"]
    assert service["Type"] == ["oneshot"] and service["User"] == ["themoon"]
    for key, value in HARDENING.items():
        assert service.get(key) == [value], key
    reference = unit(UNITS / "themoon.service")["Service"]

    def settings(values):
        return {v for v in values if not v.startswith("JUPYTER_RUNTIME_DIR=")}

    assert settings(service["Environment"]) == settings(reference["Environment"])
    assert service["EnvironmentFile"] == reference["EnvironmentFile"]
    runtime = f"themoon-report-{job.key}"
    assert service["RuntimeDirectory"] == [runtime] and f"JUPYTER_RUNTIME_DIR=/run/{runtime}" in service["Environment"]
    (exec_start,) = service["ExecStart"]
    program, *argv = exec_start.split()
    assert program == "/opt/themoon/.venv/bin/themoon"
    args = cli.build_parser().parse_args(argv)
    assert args.handler is reports_cli.cmd_report and args.name == job.report
    assert args.period == "previous" and args.scheduled


def test_the_backup_is_referenced_not_duplicated():
    assert {p.name for p in UNITS.glob("*backup*")} == set(schedule.BACKUP_UNITS)
    assert "themoon-backup.timer" in schedule.enable_instructions()
    cron = (DEPLOY / "cron" / "themoon").read_text()
    assert re.search(r"^30 3 \* \* \* +themoon +cd /opt/themoon && \.venv/bin/themoon backup", cron, re.M)


def test_cron_lines_are_cron_d_lines_running_real_commands():
    lines = [
        line
        for line in (DEPLOY / "cron" / "themoon").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 4
    parser = cli.build_parser()
    for line in lines:
        fields = line.split(None, 6)
        minute, hour, dom, month, dow, user, command = fields
        assert user == "themoon" and command.startswith("cd /opt/themoon && .venv/bin/themoon ")
        argv = command.split("&&", 1)[1].split(">", 1)[0].split()[1:]
        if argv[0] == "report":
            assert parser.parse_args(argv).period == "previous"
    schedule_fields = [" ".join(line.split()[:5]) for line in lines]
    assert schedule_fields == ["0 6 1 * *", "0 6 * * 1", "15 6 * * 1", "30 3 * * *"]
    environment = (DEPLOY / "cron" / "themoon").read_text()
    assert "THEMOON_DB=/var/lib/themoon/themoon.db" in environment


def test_schedule_install_print_writes_nothing(tmp_path, capsys):
    assert cli.main(["schedule", "install", "--print", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "# ===== deploy/systemd/themoon-report-weekly.timer =====" in out
    assert "systemctl enable --now" in out and "themoon-backup.timer" in out
    assert list(tmp_path.iterdir()) == []
    assert cli.main(["schedule", "install", "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "systemd" / "themoon-report-monthly.timer").is_file()


def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    themoon = VENV_BIN / "themoon"
    assert themoon.exists(), "no themoon console script in .venv: `make test` installs it"
    assert shutil.which("systemd-analyze"), "systemd-analyze missing: `make test` installs it"
    names = sorted(p.name for p in UNITS.glob("themoon-report-*"))
    for name in names:
        text = (UNITS / name).read_text().replace("/opt/themoon/.venv/bin/themoon", str(themoon))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "Failed to connect" not in line
    ]
    assert result.returncode == 0 and not problems, "\n".join(problems)


def test_operations_doc_says_how_to_enable_them():
    text = (ROOT / "docs" / "operations.md").read_text()
    section = text[text.index("## Reports and schedules") :]
    for needle in (
        "themoon schedule install",
        "themoon-report-monthly.timer",
        "themoon-report-weekly.timer",
        "themoon-report-inventory.timer",
        "themoon-backup.timer",
        "Persistent=true",
        "/etc/cron.d/themoon",
        "systemctl enable --now",
        "docs/reports.md",
    ):
        assert needle in section, needle
