"""`tracker try` in a subprocess, on pages served on 127.0.0.1: what a check would make of a page, before adding it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import PageServer, fixture_bytes, run_tracker
from test_browser import needs_chromium, scripted_page

from tracker.extract import Rules, extract_text

LOGIN_PAGE = (
    '<html lang="en"><body><h1>Log in to continue</h1><form><input name="email"><button>Log in</button></form>'
    "<p>Log in to see this page.</p></body></html>"
)


@pytest.fixture
def config(tmp_path: Path, page_server: PageServer) -> Path:
    """No documents: `try` needs only the fetch settings. Chromium's requests beyond loopback go to a dead proxy."""
    browser = {"timeout": 20, "args": [f"--proxy-server=http://127.0.0.1:{page_server.port}"]}
    settings = {"fetch": {"retries": 0, "host_gap": 0, "accept_language": "fr-FR", "browser": browser}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def test_try_on_a_real_capture_prints_the_matched_selector_the_text_and_a_config_entry(
    page_server: PageServer, config: Path
) -> None:
    page = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
    url = page_server.serve("/legal/l/service-terms", page)
    tried = run_tracker("try", url, "--select", "#nothing-here", "--select", "main", config=config)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "select #nothing-here: no match" in tried.stdout
    assert "select main: 1 element" in tried.stdout
    text = extract_text(page, "text/html", Rules(select=("main",)))
    assert f"{len(text):,} characters" in tried.stdout
    assert text.splitlines()[0] in tried.stdout
    assert "verdict: accepted as a version" in tried.stdout
    entry = yaml.safe_load(tried.stdout.split("rename the keys as you like):\n", 1)[1])
    assert entry == {
        "services": {"site": {"documents": {"service-terms": {"url": url, "select": ["#nothing-here", "main"]}}}}
    }


def test_try_json_gives_the_fields_scripts_need(page_server: PageServer, config: Path) -> None:
    page = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
    url = page_server.serve("/terms", page)
    tried = run_tracker("try", url, "-s", "main", "--json", config=config)
    assert tried.returncode == 0
    result = json.loads(tried.stdout)
    assert {"url", "final_url", "status", "rendered", "selector", "characters", "text", "verdict", "warnings"} <= set(
        result
    )
    assert (result["status"], result["rendered"], result["selector"], result["verdict"]) == (
        200,
        False,
        "main",
        "accepted",
    )
    assert result["characters"] == len(result["text"]) > 1000


def test_try_on_a_login_page_warns_and_exits_1(page_server: PageServer, config: Path) -> None:
    url = page_server.serve("/login", LOGIN_PAGE)
    tried = run_tracker("try", url, config=config)
    assert tried.returncode == 1
    assert "refused: looks like a login wall" in tried.stdout
    assert "warning: not the policy: looks like a login wall" in tried.stdout
    # The language of the page differs from the one asked for: said too.
    assert "the page is in 'en' while fetch.accept_language asks for 'fr'" in tried.stdout
    # No entry to paste for a page the tracker would refuse (a user's test pasted one).
    assert "In config.yaml" not in tried.stdout and "No config.yaml entry while the page is refused" in tried.stdout


def test_try_on_a_script_shell_suggests_the_browser(page_server: PageServer, config: Path) -> None:
    url = page_server.serve("/shell", scripted_page())
    tried = run_tracker("try", url, "--select", "main", "--json", config=config)
    assert tried.returncode == 1
    result = json.loads(tried.stdout)
    assert result["selector"] is None
    assert any("try --browser" in warning for warning in result["warnings"]), result["warnings"]


@needs_chromium
def test_try_browser_renders_the_shell_and_the_entry_says_fetch_browser(page_server: PageServer, config: Path) -> None:
    url = page_server.serve("/shell", scripted_page())
    tried = run_tracker("try", url, "--select", "main", "--browser", config=config)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "rendered in Chromium" in tried.stdout
    assert "select main: 1 element" in tried.stdout
    assert "fetch: browser" in tried.stdout


def test_try_refuses_a_bad_selector_or_url_with_exit_2(config: Path) -> None:
    bad_selector = run_tracker("try", "http://127.0.0.1:9/x", "--select", "a[", config=config)
    assert bad_selector.returncode == 2
    assert "--select: 'a[' is not a CSS selector" in bad_selector.stderr
    bad_url = run_tracker("try", "file:///etc/passwd", config=config)
    assert bad_url.returncode == 2
    assert "URL: must start with http:// or https://" in bad_url.stderr


def test_try_on_an_unreachable_page_says_why_and_exits_1(config: Path) -> None:
    tried = run_tracker("try", "http://127.0.0.1:9/nothing", "--json", config=config)
    assert tried.returncode == 1
    assert "127.0.0.1:9 refused the connection" in json.loads(tried.stdout)["verdict"]
