"""Builds Open Terms Archive-style git repositories for the import tests and the benchmark (local, no network)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

OTA_AUTHOR = "Open Terms Archive Bot <bot@opentermsarchive.org>"


@dataclass(frozen=True)
class Commit:
    """One commit of the archive: a file's new contents (None deletes it) at the time the archive fetched it."""

    path: str
    content: bytes | None
    when: datetime
    subject: str
    body: str = ""


def build_ota_repository(path: Path, commits: Iterable[Commit], *, bare: bool = False) -> Path:
    """A git repository at `path` with these commits on its default branch, in the given order (appended when
    the repository exists)."""
    parent = path.exists()
    if not parent:
        subprocess.run(["git", "init", "--quiet", *(["--bare"] if bare else []), str(path)], check=True)
    stream = bytearray()
    for commit in commits:
        stamp = f"{int(commit.when.timestamp())} +0000"
        message = f"{commit.subject}\n\n{commit.body}\n".encode() if commit.body else f"{commit.subject}\n".encode()
        stream += f"commit refs/heads/main\nauthor {OTA_AUTHOR} {stamp}\ncommitter {OTA_AUTHOR} {stamp}\n".encode()
        stream += f"data {len(message)}\n".encode() + message
        if parent:
            stream += b"from refs/heads/main^0\n"
            parent = False
        quoted = json.dumps(commit.path)  # fast-import reads C-style quoted paths: spaces are fine inside quotes
        if commit.content is None:
            stream += f"D {quoted}\n".encode()
        else:
            stream += f"M 100644 inline {quoted}\ndata {len(commit.content)}\n".encode() + commit.content + b"\n"
        stream += b"\n"
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=bytes(stream), check=True)
    subprocess.run(["git", "-C", str(path), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    return path


def corpus_commits(corpus: Path, service: str, doc_types: tuple[str, ...], source: str, until: str) -> list[Commit]:
    """The corpus's versions of these documents as the archive committed them: real texts, dates and subjects."""
    manifest = json.loads((corpus / "manifest.json").read_text())
    entries = [
        entry
        for entry in manifest
        if entry["service"] == service
        and entry["doc_type"] in doc_types
        and entry["source"] == source
        and entry["kind"] == "version"
        and entry["timestamp"] <= until
    ]
    commits = []
    for entry in sorted(entries, key=lambda e: e["timestamp"]):
        snapshots = " ".join(
            f"https://github.com/{ref.split('@')[0]}/commit/{ref.split('@')[1]}" for ref in entry["snapshot_refs"]
        )
        commits.append(
            Commit(
                path=entry["source_path"],
                content=(corpus / entry["path_md"]).read_bytes(),
                when=datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")),
                subject=entry["commit_subject"],
                body=f"This version was recorded after filtering snapshot {snapshots}",
            )
        )
    return commits
