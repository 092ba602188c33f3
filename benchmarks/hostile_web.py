"""Print what `tracker check` makes of hostile and broken pages in a policy's place, with the real CLI.

    python benchmarks/hostile_web.py [--database sqlite|postgresql] [--first] [--checks N] [NAME ...]

A server on 127.0.0.1 (in this process) serves document `policy` a real capture (LinkedIn's Privacy Policy of
June 2025, Markdown from ../shared/corpus rendered as a page with a header and a footer) and document `control`
another (Google's Privacy Policy). Each case checks once with the real page, then N times (default 3, a second
apart, with `checks.confirm_span: 2s`: a page that stays N checks, as if for 12 hours) with the case's page in
its place, then `tracker status`, then once more with the real page. `--first`: the case's page is the first
capture. Printed per case: the exit codes, versions, changes and AI alerts of `policy`, each check's outcome and
refusal, whether `control` was checked every time, and what the real page was afterwards. PostgreSQL: a schema
of its own in 127.0.0.1:5432/test ($TRACKER_TEST_POSTGRES_URL). Needs the corpus; the internet is never used.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("TRACKER_CORPUS", REPO.parent / "shared" / "corpus"))
POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
HTML = "text/html; charset=utf-8"

Respond = Callable[[BaseHTTPRequestHandler], None]
ROUTES: dict[str, Respond] = {}


def page(body: bytes, status: int = 200, content_type: str | None = HTML, **headers: str) -> Respond:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)

    return respond


def drip(handler: BaseHTTPRequestHandler) -> None:
    """A 700 KB page, one byte a second: only the check's deadline ends it."""
    handler.send_response(200)
    handler.send_header("Content-Type", HTML)
    handler.send_header("Content-Length", "700000")
    handler.end_headers()
    try:
        for _ in range(600):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        respond = ROUTES.get(self.path.split("?")[0]) or page(b"", 404)
        respond(self)

    def log_message(self, *args: object) -> None:
        pass


def as_page(markdown: str, title: str = "Privacy Policy", before: str = "", wrap: tuple[str, str] = ("", "")) -> bytes:
    """A Markdown capture as a site serves it: header, the policy in <main>, footer."""
    blocks = []
    for block in (block.strip() for block in re.split(r"\n\s*\n", markdown)):
        if heading := re.match(r"^(#+)\s*(.*)", block):
            level = min(len(heading.group(1)), 6)
            blocks.append(f"<h{level}>{html.escape(heading.group(2))}</h{level}>")
        elif block:
            blocks.append(f"<p>{html.escape(' '.join(block.split()))}</p>")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head><body><header>"
        f"<a href='/'>Home</a> <a href='/login'>Sign in</a></header>{before}<main>{wrap[0]}{''.join(blocks)}{wrap[1]}"
        "</main><footer>© 2025 Example Corp · Cookie policy · Help</footer></body></html>"
    ).encode()


def in_chrome(inner: str, title: str = "Example") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body><header><a href='/'>"
        f"Home</a></header><main>{inner}</main><footer>© 2025 Example Corp · Help</footer></body></html>"
    ).encode()


POLICY_MD = (CORPUS / "linkedin/privacy-policy/pga/2025-06-10T003238Z.md").read_text(encoding="utf-8")
POLICY = as_page(POLICY_MD)
CONTROL = as_page((CORPUS / "google/privacy-policy/contrib/2024-09-16T180646Z.md").read_text(encoding="utf-8"))
OTHER = as_page((CORPUS / "facebook/privacy-policy/pga/2025-06-16T123149Z.md").read_text(encoding="utf-8"))
FRENCH = (CORPUS / "linkedin/privacy-policy/cote-d-ivoire/2023-03-14T113120Z.html").read_bytes()  # real capture
LOGIN = in_chrome(
    "<h1>Sign in</h1><form><label>Email or phone</label><input name=u><label>Password</label><input type=password>"
    "<a href='/f'>Forgot password?</a><button>Sign in</button></form><p>New to LinkedIn? <a>Join now</a></p>",
    "LinkedIn Login",
)
CONSENT = (
    "<div id='onetrust-consent-sdk'><div id='onetrust-banner-sdk' role='dialog'><p>We use cookies to improve your "
    "experience. By clicking Accept all cookies you agree to the storing of cookies on your device.</p><button>"
    "Accept all cookies</button><button>Reject all</button></div></div>"
)
CLOUDFLARE = in_chrome(
    "<h1>www.example.com</h1><h2>Checking if the site connection is secure</h2><noscript>Enable JavaScript and "
    "cookies to continue</noscript><p>www.example.com needs to review the security of your connection before "
    "proceeding.</p><p>Ray ID: 7f1a2b3c4d5e6f70</p><p>Performance &amp; security by Cloudflare</p>",
    "Just a moment...",
)
CASES: dict[str, Callable[[], Respond]] = {
    # Issue 10's list.
    "cut at 80 % of its bytes": lambda: page(POLICY[: int(len(POLICY) * 0.8)]),
    "another company's policy": lambda: page(OTHER),
    "random bytes as text/html": lambda: page(random.Random(1).randbytes(300_000)),
    "a million tiny elements": lambda: page(b"<html><body><main>" + b"<i>x</i>" * 1_000_000 + b"</main></body></html>"),
    "login page": lambda: page(LOGIN),
    "gzip that is not": lambda: page(POLICY, Content_Encoding="gzip"),
    "br that is not": lambda: page(POLICY, Content_Encoding="br"),
    "503 Retry-After: ²": lambda: page(b"busy", 503, Retry_After="²"),
    "redirect to data:": lambda: page(b"", 302, Location="data:text/html,<main>hello</main>"),
    "NUL byte in text/plain": lambda: page(POLICY_MD.replace("\n\n", "\n\na\x00b\n\n", 1).encode(), 200, "text/plain"),
    "200,000 '[' in text/plain": lambda: page(b"[" * 200_000, 200, "text/plain"),
    "one byte a second": lambda: drip,
    "UTF-8 labelled latin-1": lambda: page(
        POLICY.replace(b"<meta charset='utf-8'>", b""), 200, "text/html; charset=latin-1"
    ),
    # The open web.
    "cookie wall around the policy": lambda: page(as_page(POLICY_MD, before=CONSENT)),
    "script shell, empty root": lambda: page(
        b"<html><head><title>Privacy</title></head><body><noscript>You need to enable JavaScript to run this app."
        b"</noscript><main><div id='root'></div></main><script>boot()</script></body></html>"
    ),
    "script shell asking for JavaScript": lambda: page(
        in_chrome(
            "<p>Please enable JavaScript in your browser to view this page. This site requires JavaScript to work "
            "correctly. Learn how to enable it in your browser settings, then reload the page to read our privacy "
            "policy, terms and community guidelines.</p><script>boot()</script>"
        )
    ),
    "200 OK 'Something went wrong'": lambda: page(in_chrome("<h1>Something went wrong</h1><p>Please try later.</p>")),
    "200 OK 'Oops, we hit a snag'": lambda: page(
        in_chrome(
            "<h1>Oops!</h1><p>We hit a snag while loading this page. Our team has been notified and is working on a "
            "fix. In the meantime you can browse our help center, read our blog or check our status page for updates "
            "on the incident. We apologise for the inconvenience. Reference code: 5f2c-91ab.</p>"
        )
    ),
    "geo-IP: the French page": lambda: page(FRENCH),
    "Cloudflare challenge, 403": lambda: page(CLOUDFLARE, 403),
    "Cloudflare challenge, 200": lambda: page(CLOUDFLARE),
    "the policy twice": lambda: page(as_page(POLICY_MD + "\n\n" + POLICY_MD)),
    "empty 200": lambda: page(b""),
    "the policy inside <noscript>": lambda: page(as_page(POLICY_MD, wrap=("<noscript>", "</noscript>"))),
    "maintenance page, 200": lambda: page(
        in_chrome(
            "<h1>We'll be back soon!</h1><p>Sorry for the inconvenience. We're performing some scheduled maintenance "
            "at the moment. Our legal pages will be available again shortly. Thank you for your patience.</p>"
        )
    ),
}


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in `folder`, or a PostgreSQL schema of its own, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'tracker.db'}"
        return
    import psycopg

    schema = f"hostile_{uuid.uuid4().hex[:10]}"
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


def tracker(config: Path, *args: str) -> tuple[int, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    environment.update(NO_COLOR="1", COLUMNS="200", TRACKER_CONFIG=str(config))
    done = subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args], capture_output=True, text=True, env=environment, timeout=300
    )
    output = done.stdout + done.stderr
    if "Traceback" in output:
        print(output)
    return done.returncode, output


def policy_facts(url: str) -> dict[str, object]:
    engine = sa.create_engine(url)
    with engine.connect() as db:
        ids = dict(db.execute(sa.text("select key, id from documents")).all())  # type: ignore[arg-type]
        policy = ids.get("policy", -1)
        facts = {
            "versions": db.execute(sa.text(f"select count(*) from versions where document_id={policy}")).scalar(),
            "changes": db.execute(
                sa.text(f"select count(*) from changes where document_id={policy} and kind<>'return_of_known_version'")
            ).scalar(),
            "ai": db.execute(sa.text(f"select count(*) from changes where document_id={policy} and ai")).scalar(),
            "checks": db.execute(
                sa.text(f"select outcome, refusal, reason from checks where document_id={policy} order by id")
            ).all(),
            "control": db.execute(
                sa.text(f"select count(*) from checks where document_id={ids.get('control', -1)}")
            ).scalar(),
        }
    engine.dispose()
    return facts


def run_case(name: str, port: int, url: str, first: bool, checks: int, folder: Path) -> None:
    config = folder / "config.yaml"
    config.write_text(
        f'database:\n  url: "{url}"\nfetch:\n  retries: 1\n  backoff: 0.1\n  host_gap: 0\n  read_timeout: 5\n'
        "checks:\n  deadline: 12\n  confirm_span: 2s\nservices:\n  site:\n    documents:\n"
        f'      policy:\n        url: http://127.0.0.1:{port}/policy\n        select: ["main"]\n'
        f'      control:\n        url: http://127.0.0.1:{port}/control\n        select: ["main"]\n'
    )
    ROUTES["/control"] = page(CONTROL)
    if not first:
        ROUTES["/policy"] = page(POLICY)
        tracker(config, "check")
    ROUTES["/policy"] = CASES[name]()
    codes = []
    for attempt in range(checks):
        codes.append(tracker(config, "check")[0])
        if attempt < checks - 1:
            time.sleep(1.1)
    status, _ = tracker(config, "status")
    facts = policy_facts(url)
    ROUTES["/policy"] = page(POLICY)
    tracker(config, "check")
    back = policy_facts(url)["checks"][-1]  # type: ignore[index]
    hostile = facts["checks"][0 if first else 1 :]  # type: ignore[index]
    outcomes = " ".join(f"{outcome}{':' + refusal if refusal else ''}" for outcome, refusal, _ in hostile)
    print(
        f"{name:<36} check exit {codes} status exit {status}; versions {facts['versions']} changes "
        f"{facts['changes']} AI {facts['ai']}; control checked {facts['control']}x; real page after: {back[0]}\n"
        f"    {outcomes}\n    {(hostile[0][2] or '')[:150]}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="cases whose name contains one of these (default: all)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--first", action="store_true", help="the case's page is the document's first capture")
    parser.add_argument("--checks", type=int, default=3, help="checks that see the case's page (default 3)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    chosen = [name for name in CASES if not args.names or any(part.lower() in name.lower() for part in args.names)]
    for name in chosen:
        with tempfile.TemporaryDirectory() as folder, database(args.database, Path(folder)) as url:
            run_case(name, server.server_address[1], url, args.first, args.checks, Path(folder))
    server.shutdown()


if __name__ == "__main__":
    main()
