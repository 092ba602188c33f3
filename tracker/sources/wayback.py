"""The Wayback Machine: a document's past captures, listed by the CDX API and read raw through their `id_` URLs.

The CDX query keeps HTTP 200 captures only and collapses runs of identical bytes (`collapse=digest`), so each
listed capture is a page that differed from the one before. Every request goes through the fetcher's politeness
gate for the archive's host, `wayback.request_gap` seconds apart. A capture the archive fails to serve is left for
the next import; a 429 (the archive asks us to slow down) ends this one, keeping what was imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from tracker.config import Document, WaybackSettings
from tracker.fetch import Fetcher
from tracker.sources import ArchivedCapture, CaptureRef, SourceError

CDX_FIELDS = ("timestamp", "original", "mimetype", "statuscode", "digest")


class WaybackMachine:
    """The `wayback` archive."""

    origin = "wayback"

    def __init__(
        self, settings: WaybackSettings, fetcher: Fetcher, since: date | None = None, until: date | None = None
    ) -> None:
        self.base = settings.url
        self.source = settings.url
        self.fetcher = fetcher
        self.since = since
        self.until = until

    def list_captures(self, document: Document) -> list[CaptureRef]:
        query = {
            "url": document.url,
            "output": "json",
            "filter": "statuscode:200",
            "collapse": "digest",
            "fl": ",".join(CDX_FIELDS),
        }
        if self.since:
            query["from"] = self.since.strftime("%Y%m%d")
        if self.until:
            query["to"] = self.until.strftime("%Y%m%d")
        url = f"{self.base}/cdx/search/cdx?{urlencode(query)}"
        fetched = self.fetcher.fetch(url)
        if not fetched.ok or fetched.body is None:
            raise SourceError(f"the Wayback Machine's CDX API failed for {document.url}: {fetched.error}")
        return [self._capture_ref(row) for row in _cdx_rows(fetched.body, document.url)]

    def load(self, document: Document, refs: Sequence[CaptureRef]) -> Iterator[ArchivedCapture]:
        for ref in refs:
            url = ref.provenance["capture_url"]
            fetched = self.fetcher.fetch(url)
            if fetched.status == 429:
                raise SourceError(
                    "the Wayback Machine asks us to slow down (HTTP 429): run the import again later, it resumes"
                )
            if not fetched.ok or fetched.body is None:
                yield ArchivedCapture(ref, url, fetched.final_url, None, None, error=fetched.error or "no body")
                continue
            yield ArchivedCapture(
                ref,
                url,
                fetched.final_url,
                fetched.body,
                fetched.content_type,
                status=fetched.status or 200,
                headers=fetched.headers,
            )

    def _capture_ref(self, row: dict[str, str]) -> CaptureRef:
        timestamp, original = row["timestamp"], row["original"]
        return CaptureRef(
            ref=f"{timestamp} {original}",
            observed_at=datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC),
            provenance={
                "timestamp": timestamp,
                "original": original,
                "digest": row.get("digest", ""),
                # id_: the bytes as captured, without the archive's banner and rewritten links.
                "capture_url": f"{self.base}/web/{timestamp}id_/{original}",
            },
        )


def _cdx_rows(body: bytes, url: str) -> list[dict[str, str]]:
    """CDX JSON: a header row of field names, then one row per capture (an empty list when there is none)."""
    try:
        table = json.loads(body)
    except ValueError:
        raise SourceError(f"the Wayback Machine's CDX API did not answer JSON for {url}: {body[:80]!r}") from None
    if not isinstance(table, list) or not all(isinstance(row, list) for row in table):
        raise SourceError(f"the Wayback Machine's CDX API answered an unexpected shape for {url}")
    if not table:
        return []
    header, rows = table[0], table[1:]
    if "timestamp" not in header or "original" not in header:
        raise SourceError(f"the Wayback Machine's CDX answer for {url} lacks timestamp and original: {header}")
    captures = []
    for row in rows:
        record = dict(zip(header, row, strict=False))
        timestamp = str(record.get("timestamp", ""))
        if len(timestamp) != 14 or not timestamp.isdigit():
            raise SourceError(f"the Wayback Machine's CDX answer for {url} has a bad timestamp: {timestamp!r}")
        if record.get("statuscode", "200") != "200":
            continue  # the filter should have kept these out; an archive that ignores it is not believed
        captures.append({key: str(value) for key, value in record.items()})
    return captures
