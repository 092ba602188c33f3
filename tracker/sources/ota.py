"""Open Terms Archive: a document's versions from a git repository of the archive (`<Service>/<Type>.md`).

Each commit that touches the file is a capture: its author date is when the archive fetched the page, its subject
says what kind of record it is. "Apply technical or declaration upgrade on …" and "Refilter …" re-extract an
unchanged page under new rules: technical, never a change. With a snapshots repository beside it, the raw page a
version was extracted from (named in the commit message) is read instead, and extracted with this document's rules.
Git runs as a subprocess: one `git log` lists the commits, one `git cat-file --batch` streams the files.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from tracker.config import Document
from tracker.sources import ArchivedCapture, CaptureRef, NotAnArchive, SourceError

TECHNICAL_SUBJECTS = ("Apply technical or declaration upgrade", "Refilter")
RUN_GAP = timedelta(minutes=30)  # commits closer than this are one run of the archive
_SNAPSHOT_COMMIT = re.compile(r"snapshots?/commit/([0-9a-f]{40})")
_FIELD, _RECORD = "\x1f", "\x1e"


class Repository:
    """A local git repository (bare or not) of Open Terms Archive."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name  # what the user gave: the URL, or the local path

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(self.path), *args], input=input, capture_output=True, check=False)
        except FileNotFoundError as exc:
            raise SourceError("git is not installed (tracker import ota runs it)") from exc
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            raise SourceError(f"git {args[0]} failed in {self.name}: {message[-1] if message else done.returncode}")
        return done.stdout

    def commits(self, path: str, since: datetime | None = None) -> list[tuple[str, datetime, str, str]]:
        """(commit, author date, subject, body) of every commit of HEAD that touches `path`, oldest first."""
        # Not D: a commit that deletes the file records no page.
        args = ["log", f"--format=%H{_FIELD}%aI{_FIELD}%s{_FIELD}%b{_RECORD}", "--reverse", "--diff-filter=ACMRT"]
        if since is not None:
            args.append(f"--since={since.isoformat()}")
        out = self.git(*args, "--", path).decode("utf-8", errors="replace")
        commits = []
        for record in out.split(_RECORD):
            if record.strip():
                sha, date, subject, body = record.strip("\n").split(_FIELD, 3)
                commits.append((sha, datetime.fromisoformat(date).astimezone(UTC), subject, body))
        return commits

    @functools.cached_property
    def cadence(self) -> timedelta | None:
        """How often the archive looks at its pages, at most: the smallest gap between two of its runs (commits more
        than RUN_GAP apart; one run commits each changed document within minutes)."""
        out = self.git("log", "--format=%aI").decode("utf-8", errors="replace")
        runs = sorted({datetime.fromisoformat(line).astimezone(UTC) for line in out.split() if line})
        gaps = [later - earlier for earlier, later in itertools.pairwise(runs) if later - earlier > RUN_GAP]
        return min(gaps, default=None)

    def deletions(self, path: str, since: datetime | None = None) -> list[datetime]:
        """When commits of HEAD deleted `path`, oldest first."""
        args = ["log", "--format=%aI", "--reverse", "--diff-filter=D"]
        if since is not None:
            args.append(f"--since={since.isoformat()}")
        out = self.git(*args, "--", path).decode("utf-8", errors="replace")
        return [datetime.fromisoformat(line).astimezone(UTC) for line in out.split() if line]

    def read(self, objects: Sequence[str]) -> Iterator[bytes | None]:
        """The contents of `commit:path` objects, in order, from one `git cat-file --batch`; None when missing."""
        process = subprocess.Popen(
            ["git", "-C", str(self.path), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            for name in objects:
                process.stdin.write(name.encode() + b"\n")
                process.stdin.flush()
                header = process.stdout.readline().decode(errors="replace").split()
                if len(header) != 3:
                    yield None  # "<name> missing": the file was deleted in that commit, or never there
                    continue
                size = int(header[2])
                content = process.stdout.read(size)
                process.stdout.read(1)  # the newline after the contents
                yield content
        finally:
            process.stdin.close()
            process.stdout.close()
            process.wait()


def open_repository(location: str, cache_dir: Path | None = None) -> Repository:
    """A local repository as it is; a git URL cloned (or brought up to date) in the cache directory."""
    if _is_url(location):
        return _cached_clone(location, cache_dir or default_cache_dir())
    path = Path(location).expanduser()
    if not path.is_dir():
        raise NotAnArchive(
            f"{location} is not a directory (give a clone of an Open Terms Archive repository or its URL)"
        )
    repository = Repository(path, location)
    try:
        inside = repository.git("rev-parse", "--is-inside-work-tree", "--is-bare-repository").split()
    except SourceError:
        inside = []
    if b"true" not in inside:
        raise NotAnArchive(f"{location} is not a git repository (clone one of Open Terms Archive's *-versions)")
    return repository


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tracker" / "archives"


def _is_url(location: str) -> bool:
    return "://" in location or bool(re.match(r"^[\w.-]+@[\w.-]+:", location))


def _cached_clone(url: str, cache_dir: Path) -> Repository:
    name = Path(urlsplit(url).path).name.removesuffix(".git") or "repository"
    target = cache_dir / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:8]}.git"
    repository = Repository(target, url)
    if (target / "HEAD").exists():
        repository.git("fetch", "--quiet", "--prune", "origin", "+refs/heads/*:refs/heads/*")
        return repository
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    # Cloned beside and renamed when complete: an interrupted clone is never taken for a repository.
    subprocess.run(["rm", "-rf", str(partial)], check=False)
    done = subprocess.run(["git", "clone", "--bare", "--quiet", url, str(partial)], stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(f"cannot clone {url}: {message[-1] if message else 'git clone failed'}")
    partial.rename(target)
    return repository


class OpenTermsArchive:
    """The `ota` archive: a versions repository, and optionally the snapshots repository beside it."""

    origin = "ota"

    def __init__(self, versions: Repository, snapshots: Repository | None = None, since: datetime | None = None):
        self.versions = versions
        self.snapshots = snapshots
        self.since = since
        self.source = versions.name

    def list_captures(self, document: Document) -> list[CaptureRef]:
        if not document.ota:
            raise SourceError(
                f"{document.service} {document.key} has no `ota:` key in the config "
                '(its path in the archive, like ota: "LinkedIn/Privacy Policy")'
            )
        path = f"{document.ota}.md"
        commits = self.versions.commits(path, self.since)
        if not commits and self.since is None:
            raise SourceError(f"no commit of {self.versions.name} touches '{path}' (check the document's `ota:` key)")
        # The archive commits a text only when it changes: each text was seen until the next commit of the file (by
        # position: one of the same second replaced it at once), or its deletion (the archive stopped tracking it).
        times = [when for _, when, _, _ in commits]
        deletions = self.versions.deletions(path, self.since)
        cadence = self.versions.cadence
        captures = []
        for number, (sha, when, subject, body) in enumerate(commits):
            following = times[number + 1 : number + 2] + [deleted for deleted in deletions if deleted >= when]
            captures.append(
                CaptureRef(
                    ref=sha,
                    observed_at=when,
                    provenance=_provenance(self.versions.name, sha, path, when, subject, body),
                    technical=subject.startswith(TECHNICAL_SUBJECTS),
                    kept_until=min(following, default=None),
                    cadence=cadence,
                    newest_record=not following,
                )
            )
        return captures

    def load(self, document: Document, refs: Sequence[CaptureRef]) -> Iterator[ArchivedCapture]:
        path = f"{document.ota}.md"
        pages = self._pages(document, refs) if self.snapshots else iter([None] * len(refs))
        for ref, text, page in zip(refs, self.versions.read([f"{r.ref}:{path}" for r in refs]), pages, strict=True):
            if page is not None:
                yield ArchivedCapture(ref, document.url, document.url, page, "text/html; charset=utf-8")
            elif text is None:
                yield ArchivedCapture(
                    ref, document.url, document.url, b"", None, error=f"'{path}' is not in commit {ref.ref[:12]}"
                )
            else:
                yield ArchivedCapture(
                    ref, document.url, document.url, text, "text/markdown; charset=utf-8", archive_text=True
                )

    def _pages(self, document: Document, refs: Sequence[CaptureRef]) -> Iterator[bytes | None]:
        """The raw page of each version, from the snapshot commit its message names (None: use the text)."""
        assert self.snapshots is not None
        names = [f"{ref.provenance.get('snapshot_commit', '')}:{document.ota}.html" for ref in refs]
        for ref, page in zip(refs, self.snapshots.read(names), strict=True):
            yield page if "snapshot_commit" in ref.provenance else None


def _provenance(repository: str, sha: str, path: str, when: datetime, subject: str, body: str) -> dict[str, str]:
    provenance = {
        "repository": repository,
        "commit": sha,
        "path": path,
        "fetched_at": when.isoformat(),
        "subject": subject,
    }
    snapshots = set(_SNAPSHOT_COMMIT.findall(body))
    if len(snapshots) == 1:  # a document of several pages names several snapshots: no single page to read
        provenance["snapshot_commit"] = snapshots.pop()
    return provenance
