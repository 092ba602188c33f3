"""The pages and the JSON of the web view: documents, changes, a change, a document's history, raw captures, feeds.

Every handler only reads. The JSON is the CLI's (tracker.payloads), byte for byte; the HTML goes through one
autoescaping Jinja environment whose `finalize` also shows bidirectional controls as visible placeholders, so no
page text can add markup or reorder what a reader sees.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tracker.config import Config, Document
from tracker.diff import diff_texts
from tracker.diffpage import page_change, visible
from tracker.feeds import FeedSpec, atom_feed, feed_changes, feed_spec
from tracker.payloads import changes_json, diff_json, history_json
from tracker.resources import template_environment
from tracker.status import document_health
from tracker.store import ChangeRecord, Store
from tracker.story import absent_from
from tracker.terminal import KIND_WORDS, ai_label, change_header, story_lines

PAGE_SIZE = 50
AI_FIRST = 20  # the AI changes listed above all changes on a listing's first page
CONTEXT_WORDS = 20
# A change page is rendered once and served from memory for a while: its versions never change, but the line
# "not in the EU version" follows the variants' latest checks, and "takes effect in N days" follows the date.
PAGE_CACHE_SECONDS = 60.0
PAGE_CACHE_SIZE = 512


def _finalize(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


TEMPLATES = template_environment(finalize=_finalize)


@dataclass(frozen=True)
class Listed:
    """A change as a listing shows it."""

    change: ChangeRecord
    title: str
    what: str
    notice: str


class RecentPages:
    """A small LRU of rendered pages, each kept at most `seconds`."""

    def __init__(self, size: int, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._pages: OrderedDict[object, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found and time.monotonic() - found[0] < self.seconds:
                self._pages.move_to_end(key)
                return found[1]
        return None

    def put(self, key: object, page: bytes) -> bytes:
        with self._lock:
            self._pages[key] = (time.monotonic(), page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page


class Views:
    """The handlers, over one config and one read-only store."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.documents: dict[tuple[str, str], Document] = {(d.service, d.key): d for d in config.documents()}
        self.service_names = {d.service: d.service_name for d in self.documents.values()}
        self.base_url = config.settings.web.base_url
        self.pages = RecentPages(PAGE_CACHE_SIZE, PAGE_CACHE_SECONDS)
        self.stylesheet = "\n".join(
            TEMPLATES.loader.get_source(TEMPLATES, name)[0]  # type: ignore[union-attr]
            for name in ("diff.css", "web/web.css")
        ).encode()

    # -- pages --------------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        health = document_health(self.config, self.store)
        if _wants_json(request):
            return _json([h.as_json() for h in health])
        latest = {(h.service, h.document): self.store.changes(h.service, h.document, limit=1) for h in health}
        ai = self.store.changes(ai_only=True, limit=5)
        return self._html(
            "web/home.html.j2",
            title="Documents",
            health=health,
            latest={key: self._listed(found[0]) for key, found in latest.items() if found},
            ai_changes=[self._listed(c) for c in ai],
        )

    def changes(self, request: Request) -> Response:
        query = request.query_params
        service, document, origin = query.get("service"), query.get("document"), query.get("origin")
        ai_only = _flag(query.get("ai"))
        if _wants_json(request):
            since = _since(query.get("since"))
            limit = _positive(query.get("limit"), 50)
            found = self.store.changes(service, document, ai_only=ai_only, since=since, limit=limit, origin=origin)
            return _json(changes_json(found))
        page = _positive(query.get("page"), 1)
        found = self.store.changes(
            service, document, ai_only=ai_only, origin=origin, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
        ai_first = []
        if page == 1 and not ai_only:
            ai_first = self.store.changes(service, document, ai_only=True, origin=origin, limit=AI_FIRST)
        kept = {k: v for k, v in (("service", service), ("document", document), ("origin", origin)) if v}
        if ai_only:
            kept["ai"] = "1"

        def page_link(number: int) -> str:
            return "/changes?" + urlencode({**kept, "page": str(number)})

        name = self.service_names.get(service or "", service)
        return self._html(
            "web/changes.html.j2",
            title=("AI changes" if ai_only else "Changes") + (f" of {name}" if service else ""),
            ai_changes=[self._listed(c) for c in ai_first],
            changes=[self._listed(c) for c in found[:PAGE_SIZE]],
            ai_only=ai_only,
            service=service,
            services=sorted(self.service_names.items()),
            page=page,
            previous=page_link(page - 1) if page > 1 else None,
            next=page_link(page + 1) if len(found) > PAGE_SIZE else None,
            feed=f"/{service}/feed.atom" if service else ("/ai.atom" if ai_only else "/feed.atom"),
        )

    async def change(self, request: Request) -> Response:
        """The page most shared (a link sent round): served from memory, without a query, once rendered."""
        change_id = request.path_params["change_id"]
        if _wants_json(request):
            return await run_in_threadpool(self._change_json, change_id)
        key = (change_id, datetime.now(UTC).date())
        body = self.pages.get(key)
        if body is None:
            body = self.pages.put(key, await run_in_threadpool(self._change_page, change_id, key[1]))
        return HTMLResponse(body)

    def history(self, request: Request) -> Response:
        service = request.path_params["service"]
        document = request.path_params.get("document") or request.query_params.get("document")
        versions = self.store.versions(service, document)
        known = (service, document) in self.documents if document else service in self.service_names
        if not versions and not known:
            raise HTTPException(404, f"No document {' '.join(filter(None, (service, document)))} here.")
        if _wants_json(request):
            return _json(history_json(self.store, versions))
        keys = list(dict.fromkeys(v.document for v in versions)) or ([document] if document else [])
        shown = []
        for key in keys:
            rows = []
            for v in versions:
                if v.document == key:
                    rows.append((v, self.store.snapshot(v.snapshot_id) if v.snapshot_id is not None else None))
            changes = [self._listed(c) for c in self.store.changes(service, key, limit=PAGE_SIZE)]
            shown.append((key, self._title(service, key), rows, changes))
        title = self._title(service, document) if document else self.service_names.get(service, service)
        return self._html("web/history.html.j2", title=f"History of {title}", service=service, documents=shown)

    def snapshot(self, request: Request) -> Response:
        """The raw capture, the stored bytes exactly, always as a download: a captured page never runs here."""
        snapshot_id = request.path_params["snapshot_id"]
        try:
            record = self.store.snapshot(snapshot_id)
            body = self.store.snapshot_body(snapshot_id)
        except KeyError:
            raise HTTPException(404, f"No snapshot {snapshot_id}.") from None
        digest = base64.b64encode(bytes.fromhex(record.raw_sha256)).decode()
        return Response(
            body,
            media_type="application/octet-stream",
            headers={
                "content-disposition": f'attachment; filename="snapshot-{record.id}{_extension(record.content_type)}"',
                "repr-digest": f"sha-256=:{digest}:",
                "etag": f'"{record.raw_sha256}"',
                "content-security-policy": "default-src 'none'; sandbox",
            },
        )

    def stylesheet_file(self, _request: Request) -> Response:
        return Response(self.stylesheet, media_type="text/css", headers={"cache-control": "max-age=3600"})

    # -- feeds --------------------------------------------------------------------------------------------

    def feed(self, request: Request) -> Response:
        return self._feed(request, feed_spec(self._url(request, "")))

    def ai_feed(self, request: Request) -> Response:
        return self._feed(request, feed_spec(self._url(request, ""), ai_only=True))

    def service_feed(self, request: Request) -> Response:
        service = request.path_params["service"]
        if service not in self.service_names and not self.store.changes(service, limit=1):
            raise HTTPException(404, f"No service {service} here.")
        name = self.service_names.get(service, service)
        return self._feed(
            request, feed_spec(self._url(request, ""), service, name, _flag(request.query_params.get("ai")))
        )

    def _feed(self, request: Request, spec: FeedSpec) -> Response:
        body = atom_feed(
            spec,
            feed_changes(self.store, spec),
            lambda change: self._url(request, f"/changes/{change.id}"),
            lambda change: self._title(change.service, change.document),
            datetime.now(UTC),
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    # -- helpers --------------------------------------------------------------------------------------------

    def _change_json(self, change_id: int) -> Response:
        change = self._change(change_id)
        text_diff = diff_texts(self._text(change.from_version_id), self._text(change.to_version_id))
        return _json([diff_json(self.store, self._service_documents(change), change, text_diff, CONTEXT_WORDS)])

    def _change_page(self, change_id: int, today: date) -> bytes:
        change = self._change(change_id)
        title = self._title(change.service, change.document)
        text_diff = diff_texts(self._text(change.from_version_id), self._text(change.to_version_id))
        story = story_lines(change, today, absent_from(self.store, self._service_documents(change), change))
        doc = self.documents.get((change.service, change.document))
        item = page_change(
            change,
            title,
            change_header(self.store, change, title),
            doc.url if doc else None,
            text_diff,
            CONTEXT_WORDS,
            story,
        )
        versions = []
        for label, version_id in (("before", change.from_version_id), ("after", change.to_version_id)):
            version = self.store.version(version_id)
            snapshot = self.store.snapshot(version.snapshot_id) if version.snapshot_id is not None else None
            versions.append((label, version, snapshot))
        return self._render("web/change.html.j2", title=f"{title}, change {change.id}", item=item, versions=versions)

    def _change(self, change_id: int) -> ChangeRecord:
        change = self.store.change(change_id)
        if change is None:
            raise HTTPException(404, f"No change {change_id}.")
        return change

    def _text(self, version_id: int) -> str:
        return self.store.version_text(version_id)

    def _service_documents(self, change: ChangeRecord) -> list[Document]:
        return [d for d in self.documents.values() if d.service == change.service]

    def _title(self, service: str, document: str) -> str:
        doc = self.documents.get((service, document))
        return doc.title if doc else f"{service} {document}"

    def _listed(self, change: ChangeRecord) -> Listed:
        what = (
            f"{ai_label(change.category)} {change.score:.2f}" if change.ai else KIND_WORDS.get(change.kind, "changed")
        )
        notice = "-"
        if change.notice_days is not None:
            notice = f"{change.notice_days:+d} day{'' if abs(change.notice_days) == 1 else 's'}"
        return Listed(change, self._title(change.service, change.document), what, notice)

    def _url(self, request: Request, path: str) -> str:
        base = self.base_url or str(request.base_url)
        return base.rstrip("/") + path

    def _render(self, template: str, **values: Any) -> bytes:
        return TEMPLATES.get_template(template).render(**values).encode()

    def _html(self, template: str, **values: Any) -> HTMLResponse:
        return HTMLResponse(self._render(template, **values))


def error_page(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    detail = exc.detail if isinstance(exc, HTTPException) else "Not found."
    if request.url.path.startswith("/api/") or _wants_json(request):
        return Response(json.dumps({"error": detail}) + "\n", status_code=status, media_type="application/json")
    page = TEMPLATES.get_template("web/error.html.j2").render(title=f"{status}", detail=detail)
    return HTMLResponse(page, status_code=status)


def _json(payload: Any) -> Response:
    """The CLI's --json output, byte for byte (it ends with the newline `click.echo` adds)."""
    return Response(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", media_type="application/json")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.query_params.get("format") == "json"


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _positive(value: str | None, default: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise HTTPException(400, f"'{value}' is not a positive whole number.")
    return int(value)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"since: '{value}' is not a date (YYYY-MM-DD).") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _extension(content_type: str | None) -> str:
    kind = (content_type or "").split(";")[0].strip().lower()
    return {"text/html": ".html", "text/markdown": ".md", "text/plain": ".txt", "application/xhtml+xml": ".xhtml"}.get(
        kind, ".bin"
    )
