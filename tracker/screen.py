"""Refuse captures that are not the policy: error pages, walls, login forms, what is not prose, and what the
document's accepted versions say it cannot be (far shorter or longer, cut mid-sentence, another document)."""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tracker.config import ChecksSettings
from tracker.flag.sentences import different_titles, title

# What sites serve instead of the page when they fail, block or want a login. Matched only on short
# texts (see WALL_MAX_CHARS): a real policy may well say "sign in" or "page not found" somewhere. In the
# languages a server may answer in by the reader's address, not only the one asked for (Accept-Language).
WALL_PHRASES: dict[str, tuple[str, ...]] = {
    "error page": (
        r"this page isn'?t available",
        r"this content isn'?t available",
        r"something went wrong",
        r"page not found",
        r"\b404\b.{0,40}not found",
        r"cette page n'?est pas disponible",
        r"diese seite ist (?:leider )?nicht verfügbar",
        r"service unavailable",
        r"temporarily unavailable",
        r"\boops\b",
        r"we hit a snag",
        r"(?:unexpected|internal server) error",
        r"try again later",
        r"(?:down for|scheduled|undergoing|under) maintenance",
        r"we(?:'?ll| will) be back (?:soon|shortly)",
        r"page introuvable",
        r"une erreur (?:s'est produite|est survenue)",
        r"réessayez plus tard",
        r"seite nicht gefunden",
        r"etwas ist schiefgelaufen",
        r"es ist ein fehler aufgetreten",
        r"versuchen sie es (?:bitte )?später",
        r"wartungsarbeiten",
        r"página no encontrada",
        r"algo (?:salió|ha salido) mal",
        r"se ha producido un error",
        r"int[ée]nt(?:alo|elo) (?:de nuevo )?más tarde",
        r"esta página no está disponible",
        r"página não encontrada",
        r"algo deu errado",
        r"ocorreu um erro",
        r"tente novamente mais tarde",
        r"pagina non trovata",
        r"qualcosa è andato storto",
        r"si è verificato un errore",
        r"riprova più tardi",
        r"pagina niet gevonden",
        r"er is iets misgegaan",
        r"er is een fout opgetreden",
        r"probeer het later opnieuw",
        r"ページが見つかりません",
        r"エラーが発生しました",
        r"找不到(?:该|此)?页面",
        r"页面不存在",
        r"페이지를 찾을 수 없습니다",
        r"오류가 발생했습니다",
    ),
    "captcha or bot check": (
        r"captcha",
        r"are you a robot",
        r"verify(?:ing)? (?:that )?you are (?:a )?human",
        r"just a moment\.\.\.",
        r"checking (?:if the site connection is secure|your browser)",
        r"review the security of your connection",
        r"\bray id\b",
        r"attention required",
        r"ddos protection",
        r"unusual traffic",
        r"security check",
        r"access denied",
        r"request blocked",
        r"(?:je ne suis|no soy|non sono|não sou|ik ben geen|ich bin kein) (?:pas )?(?:un |um )?rob[oô]",
        r"accès refusé",
        r"zugriff verweigert",
        r"acceso denegado",
        r"accesso negato",
        r"acesso negado",
        r"toegang geweigerd",
        r"アクセスが拒否されました",
        r"trafic inhabituel",
        r"ungewöhnliche[nr]? (?:daten)?verkehr",
        r"tráfico inusual",
        r"traffico insolito",
        r"tráfego incomum",
    ),
    # A shell whose scripts build the page: its text is the note for browsers without them.
    "JavaScript notice": (
        r"(?:enable|turn on|activate|allow) javascript",
        r"javascript (?:is )?(?:disabled|required|not enabled|turned off)",
        r"requires javascript",
        r"javascript aktivieren",
        r"activ(?:er|ez) (?:le )?javascript",
        r"(?:habilita|activa|habilite|active)r? (?:el )?javascript",
        r"(?:attiva|abilita)(?:re)? (?:il )?javascript",
        r"(?:ative|ativar|habilite|habilitar) o javascript",
        r"schakel javascript in",
        r"javascript inschakelen",
        r"javascriptを有効に",
        r"(?:启用|开启) ?javascript",
        r"javascript를 (?:활성화|사용)",
    ),
    "login wall": (
        r"sign in to (?:continue|view|see)",
        r"log ?in to (?:continue|view|see)",
        r"join linkedin",
        r"you must log in",
        r"connectez-vous pour",
        r"melde dich an",
        r"melden sie sich an, um",
        r"inici[ae] sesión para",
        r"accedi per (?:continuare|vedere)",
        r"faça login para",
        r"log (?:in|je in) om",
        r"meld je aan om",
        r"ログインして(?:続行|表示)",
    ),
    "cookie wall": (
        r"before you continue to google",
        r"avant d'accéder à google",
        r"bevor sie zu google weitergehen",
        r"antes de ir a google",
        r"prima di passare a google",
        r"voordat je doorgaat naar google",
        r"antes de continuar (?:para o|no) google",
        r"allow (?:the use of )?(?:all )?cookies",
        r"accept (?:all )?cookies to continue",
    ),
}
WALL_MAX_CHARS = 5000

# Where sites redirect to when they want a login or a bot check instead of serving the page.
WALL_URL_PARTS = ("/login", "/authwall", "/checkpoint", "/captcha", "consent.google.", "/signin", "/uas/login")

# What every sign-in page asks, in the languages tracked: a way in, a secret, a way to join, an identifier.
# A policy mentions these too, which is why a page needs several of them *and* to be short (see login_form).
LOGIN_CUES: dict[str, str] = {
    "sign in": r"\bsign(?:ed)? ?in\b|\blog ?in\b|\blogin\b|se connecter|\bconnexion\b|\banmelden\b|\beinloggen\b"
    r"|iniciar sesión|\baccedi\b|\bentrar\b",
    "password": r"\bpassword\b|mot de passe|\bpasswort\b|\bkennwort\b|contraseña|\bsenha\b|\bpasscode\b",
    "join": r"\bjoin (?:now|today|free)\b|\bsign ?up\b|create (?:an |a new |your )?account|\bregister\b"
    r"|not a member|new to \w+|s'inscrire|créer un compte|\bregistrieren\b|konto erstellen|regístrate"
    r"|crear (?:una )?cuenta",
    "identifier": r"\bemail or (?:phone|username|mobile)|\bphone or email|\busername\b|e-?mail address"
    r"|adresse e-?mail|e-?mail-adresse|correo electrónico|\bremember me\b|keep me (?:signed|logged) in"
    r"|forgot (?:your )?password|mot de passe oublié|passwort vergessen|continue with (?:google|apple|facebook)",
}
LOGIN_MAX_CHARS = 5000
PROSE_LINE_WORDS = 12  # a line of running prose, not a label or a button
_PASSWORD_FIELD = re.compile(rb"<input\b[^>]{0,500}?\btype\s*=\s*[\"']?password", re.IGNORECASE)

# Not prose: a text whose "words" are mostly not words (random bytes, code, markup), or that shows the marks
# of text decoded with the wrong charset (UTF-8 read as Latin-1 or Windows-1252: "Ã©", "â€™").
MIN_WORDLIKE = 0.5  # share of tokens that must read as words
MAX_MARKUP = 0.15  # share of tokens carrying markup or code punctuation
MAX_UNREADABLE = 0.01  # share of characters that are U+FFFD or control characters
MAX_MOJIBAKE = 0.01  # share of tokens with a mojibake pair
PROSE_SAMPLE = 4000  # tokens looked at, spread over the text: the verdict stays cheap on any size
_MOJIBAKE = re.compile(r"[ÃÂ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]|â€")
_UNREADABLE = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")
_MARKUP_TOKEN = re.compile(r"[<>{}=;\\]|&#?\w+;|^/|\(\)")
_LEADING = "([\"'“‘«¿¡*_„"
_TRAILING = ".,;:!?)]\"'”’»*_…"
_INNER = "'’-.·，、。：；！？「」『』（）《》"  # CJK texts run whole clauses between spaces

# A capture whose last CUT_TAIL_WORDS words (give or take CUT_LOOSE_WORDS at the very end) stand inside the version
# in force, after as many of its words (give or take CUT_PREFIX_SLACK), was cut short when the version goes on: in
# the middle of a word; inside a line, for CUT_INSIDE words or more; at a line's end of an HTML page cut before its
# end, for CUT_AT_AN_END words and a CUT_AT_AN_END_SHARE of the version.
CUT_ENDING_CHARS = 600
CUT_TAIL_WORDS = 8
CUT_LOOSE_WORDS = 2
CUT_INSIDE = 30
CUT_AT_AN_END = 300
CUT_AT_AN_END_SHARE = 0.05
CUT_PREFIX_SLACK = 0.25  # a cut text's words, against the version's up to the cut: edits since, at most this share
# What a cut leaves unfinished at the end of a text: a Markdown link's address, an HTML tag.
_UNFINISHED = re.compile(r"\]\([^)\s]*\s*$|<[^>]*$")
_CLOSING = ")]\"'”’»*_ \t"
_SENTENCE_ENDS = (".", "!", "?", "…", "。", "！", "？", "।")
# Texts whose last line runs on like a sentence yet stops without an end: cut short in transfer.
MID_SENTENCE_WORDS = 12  # fewer is a table cell, a link or a label as often as a cut (real captures ended so)
# Two suspect captures are the same new text (a lasting change, not a glitch) when most of one is in the other.
ALIKE_SHARE = 0.5
_HEADING_UNDERLINE = re.compile(r"^(?:=+|-+)$")

SHINGLE_WORDS = 5
SHINGLE_SAMPLE = 8  # one shingle in 8 (by hash) is kept: the same ones in every text, so shares compare
FINGERPRINT_FORMAT = 1
_WORD = re.compile(r"\w+")

# Stop words tell the language of a text in its first few thousand words; scripts tell the others.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for with you your we our are this by or be".split()),
    "fr": frozenset("le la les et des du est que pour vous votre nous nos une dans sur avec".split()),
    "de": frozenset("der die das und ist zu den mit sie ihre wir unsere nicht von für auf".split()),
    "es": frozenset("el la los las y de que en para con su sus nosotros usted por una".split()),
    "it": frozenset("il di che per con gli della delle sono una nel non questo".split()),
    "pt": frozenset("o os da do das dos que para com seu sua você não uma em".split()),
    "nl": frozenset("de het een van en dat voor met je jouw wij onze niet zijn".split()),
}
SCRIPTS = {"DEVANAGARI": "hi", "CYRILLIC": "ru", "ARABIC": "ar", "HEBREW": "he", "GREEK": "el", "HANGUL": "ko",
           "HIRAGANA": "ja", "KATAKANA": "ja", "CJK": "zh", "THAI": "th"}  # fmt: skip


@dataclass(frozen=True)
class Refusal:
    """Why a capture is not (yet) a version. `confirmable`: the verdict rests on the document's history, which
    can be wrong or can really change, so checks that keep seeing the text over time may overrule it."""

    kind: str  # fetch | empty | not_text | not_policy | wall | login | not_prose | short | truncated | shorter |
    #            longer | unfamiliar
    message: str
    confirmable: bool = False


@dataclass(frozen=True)
class Fingerprint:
    """What the screen remembers of an accepted version: cheap to store, enough to judge a new capture by."""

    size: int
    title: str | None
    language: str | None
    ending: str  # the last line, normalised: a version's own ending is never a cut
    shingles: frozenset[int]  # sampled hashes of 5-word runs

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FINGERPRINT_FORMAT,
            "size": self.size,
            "title": self.title,
            "language": self.language,
            "ending": self.ending,
            "shingles": sorted(self.shingles),
        }

    @staticmethod
    def from_json(data: dict[str, Any] | None) -> Fingerprint | None:
        """None when absent or of another format (the caller computes it afresh from the text)."""
        if not data or data.get("format") != FINGERPRINT_FORMAT:
            return None
        return Fingerprint(data["size"], data["title"], data["language"], data["ending"], frozenset(data["shingles"]))


@dataclass(frozen=True)
class Suspect:
    """An earlier suspect capture of the document, since the last accepted one: what may confirm a new one."""

    seen_at: datetime
    text_sha256: str | None
    fingerprint: Fingerprint | None


def confirmed(
    text_sha256: str, print_: Fingerprint, now: datetime, earlier: Sequence[Suspect], settings: ChecksSettings
) -> bool:
    """Do checks spanning `confirm_span`, `confirm_checks` of them with this one, keep seeing this text (or one
    alike: a page that keeps changing slightly is confirmed too)? A glitch passes; a real change stays."""
    if settings.confirm_checks <= 1:
        return True  # the operator believes every capture the history alone doubts
    alike = [
        suspect.seen_at
        for suspect in earlier
        if suspect.text_sha256 == text_sha256
        or (suspect.fingerprint is not None and share(print_.shingles, suspect.fingerprint.shingles) >= ALIKE_SHARE)
    ]
    return len(alike) + 1 >= settings.confirm_checks and now - min(alike, default=now) >= settings.confirm_after


def share(mine: frozenset[int], theirs: frozenset[int]) -> float:
    """The share of one text's sampled runs found in the other."""
    return len(mine & theirs) / len(mine) if mine else 0.0


@functools.lru_cache(maxsize=4)
def fingerprint(text: str) -> Fingerprint:
    """Cached: the screen, the suspect capture's record and the new version's row all ask for the same text's."""
    return Fingerprint(len(text), _title(text), guess_language(text), _ending(text), shingles(text))


def shingles(text: str) -> frozenset[int]:
    words = _WORD.findall(text.lower())
    kept = set()
    for start in range(max(0, len(words) - SHINGLE_WORDS) + 1):
        code = zlib.crc32(" ".join(words[start : start + SHINGLE_WORDS]).encode())
        if code % SHINGLE_SAMPLE == 0:
            kept.add(code)
    return frozenset(kept)


def guess_language(text: str) -> str | None:
    """A two-letter guess from stop words (or the script), None when the text does not say clearly."""
    sample = text[:20000]
    letters = [char for char in sample if char.isalpha()]
    if not letters:
        return None
    scripts = Counter(_script(char) for char in letters[:: max(1, len(letters) // 2000)])
    script, count = scripts.most_common(1)[0]
    if script != "LATIN" and count > 0.3 * sum(scripts.values()):
        return SCRIPTS.get(script, script.lower())
    words = _WORD.findall(sample.lower())[:3000]
    counts = Counter({language: sum(word in stops for word in words) for language, stops in STOP_WORDS.items()})
    ranked = counts.most_common(2)
    best, hits = ranked[0]
    if hits < max(5, 0.05 * len(words)) or hits < 2 * ranked[1][1]:
        return None
    return best


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return "CJK" if first == "CJK" else first


def _title(text: str) -> str | None:
    found = title(text)
    return found.lower()[:200] if found else None


def _ending(text: str) -> str:
    return " ".join(_last_line(text).lower().split())[-200:]


def _last_line(text: str) -> str:
    end = len(text.rstrip())
    start = text.rfind("\n", 0, end) + 1
    return text[start:end].strip()


def _was_wall_redirect(final_url: str, url: str) -> Refusal | None:
    landed, asked = urlsplit(final_url.lower()), urlsplit(url.lower())
    for part in WALL_URL_PARTS:
        # Only where the redirect led: a document whose own address says /login is not a wall.
        if part in f"{landed.netloc}{landed.path}" and part not in f"{asked.netloc}{asked.path}":
            where = urlsplit(final_url)
            return Refusal("wall", f"redirected to {where.netloc}{where.path}: a login or bot wall")
    return None


_WALL_PATTERNS = {reason: re.compile("|".join(phrases), re.IGNORECASE) for reason, phrases in WALL_PHRASES.items()}
_LOGIN_PATTERNS = {cue: re.compile(pattern, re.IGNORECASE) for cue, pattern in LOGIN_CUES.items()}


def screen_text(
    text: str,
    final_url: str,
    versions: Sequence[Fingerprint] = (),
    settings: ChecksSettings = ChecksSettings(),
    url: str = "",
    body: bytes = b"",
    in_force: str | None = None,
) -> Refusal | None:
    """Why this capture must not become a version, or None when it reads like the policy. `versions`: the
    fingerprints of every accepted version of the document (none for a first capture); `body`: the raw page;
    `in_force`: the text of the version in force, when there is one."""
    if not text.strip():
        return Refusal("empty", "empty page: no text after extraction")
    if refusal := _was_wall_redirect(final_url, url):
        return refusal
    if len(text) <= WALL_MAX_CHARS:
        for reason, pattern in _WALL_PATTERNS.items():
            if match := pattern.search(text):
                article = "an" if reason[0] in "aeiou" else "a"
                return Refusal(
                    "wall", f"looks like {article} {reason}: “{match.group(0)}” in a {len(text)}-character page"
                )
    if refusal := login_form(text, body):
        return refusal
    if refusal := not_prose(text):
        return refusal
    if len(text) < settings.min_chars:
        return Refusal("short", f"too short to be a policy ({len(text)} characters)")
    if versions:
        return _against_history(text, versions, settings) or _cut_short_of(text, in_force, body)
    if len(text) < settings.first_min_chars:
        return Refusal(
            "short",
            f"short for a first version ({len(text)} characters, under checks.first_min_chars "
            f"{settings.first_min_chars}): a stub or a notice, until checks over checks.confirm_span see it again",
            confirmable=True,
        )
    if mid_sentence(text):
        return Refusal(
            "truncated",
            f"looks truncated: the text stops mid-sentence or on a heading (“…{_last_line(text)[-60:]}”)",
            confirmable=True,
        )
    return None


def login_form(text: str, body: bytes) -> Refusal | None:
    """A sign-in page served at the policy's address: short, and asking for several of the things every login
    form asks (a way in, a password, a way to join, an e-mail or user name)."""
    if len(text) > LOGIN_MAX_CHARS:
        return None
    # A short policy may name all of these too, in sentences; a form is labels and buttons.
    prose = sum(len(line) for line in text.splitlines() if len(_WORD.findall(line)) >= PROSE_LINE_WORDS)
    if prose > 0.5 * len(text):
        return None
    found = [cue for cue, pattern in _LOGIN_PATTERNS.items() if pattern.search(text)]
    if body and "password" not in found and _PASSWORD_FIELD.search(body):
        found.append("password")
    if len(found) >= 3 or (len(found) == 2 and "password" in found):
        return Refusal("login", f"looks like a sign-in page: {', '.join(found)} in a {len(text)}-character page")
    return None


def not_prose(text: str) -> Refusal | None:
    """Binary, mis-decoded text, markup or code where prose should be; judged on a sample of its tokens."""
    sample = text[:200_000]
    unreadable = len(_UNREADABLE.findall(sample))
    if unreadable > MAX_UNREADABLE * len(sample):
        return Refusal("not_prose", f"not text: {unreadable / len(sample):.0%} of its characters are unreadable")
    tokens = text.split()
    if not tokens:
        return None
    tokens = tokens[:: max(1, len(tokens) // PROSE_SAMPLE)]
    mojibake = sum(1 for token in tokens if _MOJIBAKE.search(token))
    if mojibake > max(3, MAX_MOJIBAKE * len(tokens)):
        return Refusal("not_prose", f"mis-decoded text: {mojibake} of {len(tokens)} words sampled show mojibake")
    markup = sum(1 for token in tokens if _MARKUP_TOKEN.search(token))
    if markup > MAX_MARKUP * len(tokens):
        return Refusal("not_prose", f"markup or code, not prose: {markup / len(tokens):.0%} of its words")
    # Prose repeats its words: each distinct token is judged once.
    verdicts = {token: _wordlike(token) for token in set(tokens)}
    words = sum(verdicts[token] for token in tokens)
    if words < MIN_WORDLIKE * len(tokens):
        return Refusal("not_prose", f"not prose: only {words / len(tokens):.0%} of its words read as words")
    return None


def _wordlike(token: str) -> bool:
    core = token.lstrip(_LEADING).rstrip(_TRAILING)
    if not core:
        return False
    letters = 0
    for char in core:
        if char.isalpha():
            letters += 1
        elif char not in _INNER and not unicodedata.category(char).startswith("M"):
            return False
    return letters > 0


def mid_sentence(text: str) -> bool:
    """Does the text stop inside a sentence (a last line of running words that ends on a letter or a comma), or
    on a heading, which always announces something that follows?"""
    line = _last_line(text)
    if line.startswith("#") or (_HEADING_UNDERLINE.match(line) and "\n" in text.rstrip()):
        return True
    if line.startswith(("|", ">", "*", "-")) or "|" in line:
        return False  # a table row, a list item: pages end on these
    words = _WORD.findall(line)
    if len(words) < MID_SENTENCE_WORDS:
        # A few words of a paragraph right after a heading, with no end: the section's text was cut.
        before = _last_line(text.rstrip()[: -len(line)])
        return before.startswith("#") and line[-1].isalpha() and not line.startswith(("|", ">", "*", "-"))
    if line[-1] in ",-":
        return True
    # "…we use your inform" stops mid-word; "…Information CentreGroups" is a glued menu, not a cut.
    return words[-1].isalpha() and words[-1].islower() and line.endswith(words[-1])


def _against_history(text: str, versions: Sequence[Fingerprint], settings: ChecksSettings) -> Refusal | None:
    smallest = min(version.size for version in versions)
    largest = max(version.size for version in versions)
    count = f"{len(versions)} accepted version{'s' if len(versions) > 1 else ''}"
    if len(text) < settings.shorter_ratio * smallest:
        return Refusal(
            "shorter",
            f"far shorter than every accepted version: {len(text):,} characters, the shortest of {count} has "
            f"{smallest:,} (under {settings.shorter_ratio:.0%})",
            confirmable=True,
        )
    if len(text) > settings.longer_ratio * largest:
        return Refusal(
            "longer",
            f"far longer than every accepted version: {len(text):,} characters, the longest of {count} has "
            f"{largest:,} (over {settings.longer_ratio:g}x)",
            confirmable=True,
        )
    ending = _ending(text)
    if mid_sentence(text) and all(version.ending != ending for version in versions):
        return Refusal(
            "truncated",
            f"looks truncated: the text stops mid-sentence or on a heading (“…{_last_line(text)[-60:]}”), unlike "
            "every accepted version",
            confirmable=True,
        )
    own = fingerprint(text)
    if len(own.shingles) >= 10:
        shared = max(share(own.shingles, version.shingles) for version in versions)
        if shared < settings.min_shared:
            new_title, new_language = own.title, own.language
            other_title = all(different_titles(version.title, new_title) for version in versions)
            other_language = new_language is not None and all(
                version.language not in (None, new_language) for version in versions
            )
            if other_title or other_language:
                what = f"its title “{new_title}”" if other_title else f"its language ({new_language})"
                return Refusal(
                    "unfamiliar",
                    f"another document: {shared:.0%} of its text is in any accepted version, and {what} is new",
                    confirmable=True,
                )
    return None


def _cut_short_of(text: str, in_force: str | None, body: bytes) -> Refusal | None:
    """A capture that ends where the version in force goes on: its last words stand inside that version, with more
    after them (a response cut by a proxy or a CDN, a page that stopped loading). The ending alone cannot tell: a
    cut ends as often on a list item or a name ("… Google Ireland") as on a lower-case word.

    Read in words, without what a cut leaves unfinished (a link's address, a tag, the last one or two words), at the
    place of the version (a passage may come many times) where the text is about as long as the version up to there:
    a variant of the page that ends on the same words is no cut. A word cut in two is a cut however little follows;
    a stop inside one of the version's lines, when CUT_INSIDE words or more follow (a date line, a footer or a table
    cell shortened are edits). A stop at a line's or a sentence's end is a cut only when a large part is missing and
    the page is HTML whose bytes stop before `</html>`: Meta serves whole pages that end where its longer variant has
    a line end, and a version's last sections deleted are a change like another."""
    if in_force is None or _whole_html(body):
        return None
    ending = _WORD.findall(_UNFINISHED.sub("", text[-CUT_ENDING_CHARS:]))
    if len(ending) < CUT_TAIL_WORDS + CUT_LOOSE_WORDS:
        return None
    spans = [match.span() for match in _WORD.finditer(in_force)]
    joined = f" {' '.join(in_force[start:end] for start, end in spans)} "
    length = len(_WORD.findall(_UNFINISHED.sub("", text)))
    for loose in range(CUT_LOOSE_WORDS + 1):
        tail = f" {' '.join(ending[len(ending) - loose - CUT_TAIL_WORDS : len(ending) - loose])} "
        # The version's words up to where this text stops, at each place the tail stands.
        places = [joined.count(" ", 0, at + len(tail)) - 1 for at in _places(joined, tail)]
        if places:
            before = min(places, key=lambda place: abs(length - loose - place))
            break
    else:
        return None
    rest = len(spans) - before
    if rest <= loose or abs(length - loose - before) > CUT_PREFIX_SLACK * before:
        return None  # nothing more, or not the version's beginning: another variant ending on the same words
    following = in_force[slice(*spans[before])] if rest else ""
    if loose and following != ending[-1] and following.startswith(ending[-1]):
        where, needed = "inside a word", 1  # "… you ar" where the version says "you are"
    else:
        stop = spans[before - 1][1]
        line_end = in_force.find("\n", stop)
        inside = _WORD.search(in_force, stop, len(in_force) if line_end < 0 else line_end) is not None
        if inside and not _ends_a_sentence(text):
            where, needed = "inside a line", CUT_INSIDE
        elif body and _is_html(body):
            where, needed = "at a line's end", max(CUT_AT_AN_END, int(CUT_AT_AN_END_SHARE * len(spans)))
        else:
            return None
    if rest < needed:
        return None
    return Refusal(
        "truncated",
        f"looks truncated: the text stops {where} where the version in force goes on for {rest:,} more words "
        f"(“…{_last_line(text)[-60:]}”)",
        confirmable=True,
    )


def _places(joined: str, tail: str) -> list[int]:
    places, at = [], joined.find(tail)
    while at >= 0:
        places.append(at)
        at = joined.find(tail, at + 1)
    return places


def _ends_a_sentence(text: str) -> bool:
    return text.rstrip().rstrip(_CLOSING).endswith(_SENTENCE_ENDS)


def _is_html(body: bytes) -> bool:
    # Not extract.is_html's sniff: without a content type it asks the page to start with a tag, and saved captures
    # start with a comment or an XML declaration as often.
    head = body[:4096].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _whole_html(body: bytes) -> bool:
    """An HTML page whose bytes reach `</html>`: the transfer was not cut, whatever its text ends with."""
    return _is_html(body) and body.rstrip()[-7:].lower() == b"</html>"


def screen_body(content_type: str | None, body: bytes) -> Refusal | None:
    """Refuse what is not a text page before spending time on extraction."""
    if not body.strip():
        return Refusal("empty", "empty body")
    if content_type:
        kind = content_type.split(";")[0].strip().lower()
        if not (kind.startswith("text/") or kind in ("application/xhtml+xml", "application/xml")):
            return Refusal("not_text", f"not an HTML or text page (Content-Type: {kind})")
    return None
