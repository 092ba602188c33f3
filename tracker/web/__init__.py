"""`tracker serve`: a read-only web view of the record and its Atom feeds (Starlette, served by uvicorn).

`create_app` builds the application over a config and a store opened read-only; `app_from_environment` is the
factory uvicorn's worker processes call (the config named by $TRACKER_CONFIG, the token by the config's
`web.token_env`). See docs/decisions/0017-web-view.md for the security choices.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route

from tracker.config import Config
from tracker.store import Store
from tracker.web.guard import LOOPBACK_NAMES, Guard, is_loopback
from tracker.web.views import Views, error_page

__all__ = ["allowed_hosts", "app_from_environment", "create_app", "is_loopback", "web_token"]


def create_app(
    config: Config, store: Store, token: str | None = None, hosts: frozenset[str] | None = None
) -> Starlette:
    """`hosts`: the Host names answered to (None: any); see Guard."""
    views = Views(config, store)
    routes = [
        Route("/", views.home, name="home"),
        Route("/changes", views.changes, name="changes"),
        Route("/changes/{change_id:int}", views.change, name="change"),
        Route("/history/{service}", views.history, name="service_history"),
        Route("/history/{service}/{document}", views.history, name="history"),
        Route("/snapshots/{snapshot_id:int}", views.snapshot, name="snapshot"),
        Route("/static/tracker.css", views.stylesheet_file, name="stylesheet"),
        Route("/api/documents", views.home),
        Route("/api/changes", views.changes),
        Route("/api/changes/{change_id:int}", views.change),
        Route("/api/history/{service}", views.history),
        Route("/api/history/{service}/{document}", views.history),
        Route("/feed.atom", views.feed, name="feed"),
        Route("/ai.atom", views.ai_feed, name="ai_feed"),
        Route("/{service}/feed.atom", views.service_feed, name="service_feed"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=token, hosts=hosts)],
        exception_handlers={HTTPException: error_page},
    )


def web_token(config: Config) -> str | None:
    """The access token from the variable the config names (TRACKER_WEB_TOKEN by default); None when unset."""
    return os.environ.get(config.settings.web.token_env) or None


def allowed_hosts(config: Config, token: str | None) -> frozenset[str] | None:
    """With a token, any Host (the token guards it); without one, loopback names and web.base_url's host only."""
    if token:
        return None
    base = config.settings.web.base_url
    return LOOPBACK_NAMES | ({urlsplit(base).hostname or ""} if base else set())


def app_from_environment() -> Starlette:
    from tracker.config import load_config

    config = load_config(os.environ.get("TRACKER_CONFIG"))
    store = Store(config.database.url, create=False, read_only=True)
    token = web_token(config)
    return create_app(config, store, token, allowed_hosts(config, token))
