"""How many cut pages the screen holds: python benchmarks/cuts.py [--corpus P] [--documents N] [--seed S].

Takes N captures of each form of the corpus (Markdown and HTML, chosen at random with the seed), cuts each one's
raw bytes at 50, 55 ... 95 % and at five random points between 40 and 99.5 %, extracts the cut page as a check
would, and screens its text against the whole capture as the version in force (docs/decisions/0027). A cut that
changes no text (it fell in a script) or leaves none is not counted. Prints, per form, the cuts tried and the share
the screen refused: figures for people to read, no assertion.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from tracker.extract import extract_text
from tracker.screen import fingerprint, screen_text

REPO = Path(__file__).resolve().parents[1]
CONTENT_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not (args.corpus / "manifest.json").exists():
        raise SystemExit(f"no corpus at {args.corpus}: pass --corpus PATH")
    manifest = json.loads((args.corpus / "manifest.json").read_text())
    chance = random.Random(args.seed)
    for form, content_type in CONTENT_TYPES.items():
        entries = [entry for entry in manifest if entry.get(f"path_{form}")]
        chance.shuffle(entries)
        tried = refused = 0
        for entry in entries[: args.documents]:
            body = (args.corpus / entry[f"path_{form}"]).read_bytes()
            try:
                whole = extract_text(body, content_type)
            except Exception:  # a capture the extractor refuses whole is no version to cut
                continue
            shares = [percent / 100 for percent in range(50, 99, 5)] + [chance.uniform(0.4, 0.995) for _ in range(5)]
            for share in shares:
                cut = body[: int(len(body) * share)]
                try:
                    text = extract_text(cut, content_type)
                except Exception:  # refused before the screen: held apart anyway
                    continue
                if text == whole or not text.strip():
                    continue
                tried += 1
                refused += screen_text(text, "", [fingerprint(whole)], body=cut, in_force=whole) is not None
        print(f"{form:<5} {tried:5} cuts, {refused / max(tried, 1):6.1%} refused")


if __name__ == "__main__":
    main()
