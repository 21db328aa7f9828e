"""Every write leaves an audit row and, once committed, one log line; a rolled-back write neither."""

import pytest

from themoon import audit, catalog, inventory, roasting
from themoon.models import ValidationError
from themoon.ops import logs


@pytest.fixture
def log_lines(tmp_path):
    logs.setup(directory=tmp_path / "logs", force=True)
    yield lambda: (tmp_path / "logs" / logs.FILE_NAME).read_text(encoding="utf-8").splitlines()
    logs.reset()


def test_a_write_is_audited_and_logged_with_its_user(conn, log_lines):
    bean_id = catalog.add_bean(conn, code="KEN-AA", name_en="Kenya AA", user="minji")
    (entry,) = audit.entries(conn, entity="bean")
    assert (entry["username"], entry["action"], entry["entity_id"]) == ("minji", "create", bean_id)
    writes = [line for line in log_lines() if "event=write" in line]
    assert len(writes) == 1
    assert "user=minji" in writes[0] and "entity=bean" in writes[0] and f"entity_id={bean_id}" in writes[0]


def test_a_rolled_back_action_logs_nothing(conn, log_lines):
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya AA")
    inventory.add_purchase(conn, bean="KEN-AA", grams=5000, total_won=31000, purchased_on="2026-01-02")
    before = len(log_lines())
    good = {"product": "KEN-AA", "green_g": 1000, "roasted_g": 830, "roasted_on": "2026-01-03"}
    bad = {**good, "roasted_g": 1200}
    with pytest.raises(ValidationError, match="row 2"):
        roasting.add_session(conn, [good, bad], user="minji")
    assert len(log_lines()) == before
    assert audit.entries(conn, entity="roast_batch") == []
