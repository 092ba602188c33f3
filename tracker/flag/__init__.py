"""Does a change touch AI or model training? A pure judgement over the sentences a diff changed.

Recall comes first: every changed sentence that speaks of AI counts (explicit AI wording in any inflection,
model training, automated decisions, an AI product by name or by its shape), unless it can be shown not to be
news: its words did not change, the other version or an earlier one holds it, it is page furniture, or the page
now serves a different document. `language` holds what the flag knows about English, French and German,
`vocabulary` judges one sentence, `verdict` judges a change. docs/flagging.md explains the rules to users.
"""

from tracker.flag.sentences import dropped_sentences, sentence_key, sentence_keys
from tracker.flag.verdict import DOCUMENT_REPLACED, NO_FLAG, Evidence, Flag, flag_change
from tracker.flag.vocabulary import AI_THRESHOLD, DEFAULT_VOCABULARY, Judgement, Vocabulary, judge_sentence

__all__ = [
    "AI_THRESHOLD",
    "DEFAULT_VOCABULARY",
    "DOCUMENT_REPLACED",
    "NO_FLAG",
    "Evidence",
    "Flag",
    "Judgement",
    "Vocabulary",
    "dropped_sentences",
    "flag_change",
    "judge_sentence",
    "sentence_key",
    "sentence_keys",
]
