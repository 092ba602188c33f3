"""The peer pipeline `benchmarks/compare.py` measures tracker against: inscriptis, difflib, a keyword check.

    python benchmarks/peer_pipeline.py OLD.html NEW.html

In the style of changedetection.io: the whole page converted to text (inscriptis), a line diff (difflib), and the
added lines searched for AI words. It prints what it found, so that both pipelines do comparable work.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

from inscriptis import get_text

AI_WORDS = re.compile(
    r"\b(?:artificial intelligence|AI|machine learning|generative|large language models?|train(?:s|ing|ed)?)\b",
    re.IGNORECASE,
)


def main() -> None:
    old, new = (get_text(Path(path).read_text(encoding="utf-8", errors="replace")) for path in sys.argv[1:3])
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    hits = [line for line in added if AI_WORDS.search(line)]
    print(f"{len(added)} lines added, {len(hits)} of them mention AI")


if __name__ == "__main__":
    main()
