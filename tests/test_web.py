"""themoon.web: which template static paths Voilà's handler may look up (the rest are 404). The
handlers themselves are tested against a running server in tests/test_session_browser.py."""

from __future__ import annotations

import pytest
from tornado import web as tornado_web

from themoon import serve, web


@pytest.mark.parametrize("path", ["themoon/static/themoon.css", "lab/static/voila.js", "themoon/static/sub/a.png"])
def test_files_under_a_template_static_folder(path):
    assert web.template_static_path(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "themoon/static/../../../../etc/passwd",
        "themoon/static/../conf.json",
        "../themoon/static/themoon.css",
        "themoon/static/./themoon.css",
        "themoon/static//etc/passwd",
        "themoon/static/",
        "themoon/other/x.css",
        "themoon",
        "",
        "themoon/static/a\\..\\b",
        "themoon/static/a\x00.css",
        None,
    ],
)
def test_anything_else_is_404(path):
    with pytest.raises(tornado_web.HTTPError) as refused:
        web.template_static_path(path)
    assert refused.value.status_code == 404


def test_configure_voila_installs_both(monkeypatch, tmp_path):
    import voila.app
    from traitlets.config import Config

    monkeypatch.setattr(voila.app, "TemplateStaticFileHandler", voila.app.TemplateStaticFileHandler)
    monkeypatch.setenv("THEMOON_COOKIE_SECRET_FILE", str(tmp_path / "secret"))
    monkeypatch.setenv("THEMOON_SHARED_ENGINE", "0")  # tests/test_engine_service.py starts one
    c = Config()
    serve.configure_voila(c)
    assert c.IdentityProvider.logout_handler_class is web.LogoutHandler
    assert voila.app.TemplateStaticFileHandler is web.TemplateStaticFiles
    assert c.KernelRestarter.restart_limit == 0  # a kernel that ended its session is not restarted
