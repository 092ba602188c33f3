"""CSS selectors, as soupsieve reads them, compiled to XPath so that lxml evaluates them in C.

Extraction selects the policy's part of a page and removes chrome from it with the document's CSS rules. Evaluating
them with soupsieve needs a BeautifulSoup tree of the whole page and runs in Python (`:has()` over a 1.5 MB page
costs tens of milliseconds); the same selectors as XPath run inside libxml2 on the tree lxml already built.

The compiler covers the CSS that rules are written in (type, `#id`, `.class`, attribute selectors, the four
combinators, `:not()`, `:is()`, `:where()`, `:has()`, `:-soup-contains()`, `:-soup-contains-own()`, the child and
type position classes, `:empty`, `:root`) with soupsieve's meaning in an HTML document, down to its corner cases.
Anything else (an unusual pseudo-class, a case-insensitive attribute, a namespace) compiles to None, and the
caller evaluates that selector with soupsieve itself: the result is the same either way, only slower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What soupsieve's parser reads as whitespace and as one CSS escape.
_WS = " \t\n\r\f"
_ESCAPE = r"\\(?:[0-9a-fA-F]{1,6}(?:\r\n|[ \t\n\r\f])?|[^\n\r\f0-9a-fA-F]|$)"
_NAME_CHAR = r"(?:[-\w]|" + _ESCAPE + r"|[^\x00-\x7f])"
_IDENT = re.compile(r"-?(?:[_a-zA-Z]|" + _ESCAPE + r"|[^\x00-\x7f])" + _NAME_CHAR + r"*|--" + _NAME_CHAR + r"*")
_NAME = re.compile(_NAME_CHAR + r"+")
_STRING = re.compile(r""""(?:[^"\\\n\r\f]|\\(?:\r\n|[\s\S]))*"|'(?:[^'\\\n\r\f]|\\(?:\r\n|[\s\S]))*'""")
_SPACES = re.compile(r"[ \t\n\r\f]*")
_COMBINATOR = re.compile(r"[ \t\n\r\f]*([>+~])[ \t\n\r\f]*|[ \t\n\r\f]+")
_ATTRIBUTE = re.compile(
    r"\[[ \t\n\r\f]*(?P<name>" + _IDENT.pattern + r")[ \t\n\r\f]*(?:(?P<op>[~|^$*!]?=)[ \t\n\r\f]*)?"
)
_NTH = re.compile(r"(?P<a>[-+]?[0-9]*)n(?:[ \t\n\r\f]*(?P<sign>[-+])[ \t\n\r\f]*(?P<b>[0-9]+))?|(?P<only>[-+]?[0-9]+)")
_HEX_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|\\(\r\n|[\n\r\f])|\\(.)|\\$", re.DOTALL)

# Beautiful Soup splits `class` on any whitespace and soupsieve matches the tokens joined by single spaces.
_CLASS_SPACES = "\t\n\r\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
# Attributes whose values Beautiful Soup keeps as lists, or soupsieve matches without case: left to soupsieve.
_LIST_ATTRIBUTES = frozenset("accesskey dropzone rel rev headers accept-charset archive sizes sandbox for".split())
_CASELESS_ATTRIBUTES = frozenset(
    "accept accept-charset align alink axis bgcolor charset checked clear codetype color compact declare defer dir "
    "direction disabled enctype face frame hreflang http-equiv lang language link media method multiple nohref "
    "noresize noshade nowrap readonly rel rev rules scope scrolling selected shape target text type valign "
    "valuetype vlink".split()
)
_XML_NAME = re.compile(r"[a-z_][a-z0-9_.-]*")
# Characters that XPath cannot be given (some are whitespace to Beautiful Soup and soupsieve).
UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The same in a UTF-8 page, as characters or as character references (which the parser turns into them).
_UNREADABLE_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UNREADABLE_NONCHARACTERS = re.compile(rb"\xef\xbf[\xbe\xbf]")
_UNREADABLE_REFERENCE = re.compile(
    rb"&#(?:[xX]0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]|[fF]{3}[efEF])(?![0-9a-fA-F])"
    rb"|0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01]|6553[45])(?![0-9]))"
)


def xpath_can_read(page: bytes) -> bool:
    """Whether a UTF-8 page is free of the characters XPath cannot be given; if not, soupsieve matches it."""
    return not (
        _UNREADABLE_BYTES.search(page) or _UNREADABLE_NONCHARACTERS.search(page) or _UNREADABLE_REFERENCE.search(page)
    )


@dataclass(frozen=True)
class Compiled:
    """A selector as XPath steps: `path("descendant")` finds what soupsieve's `select()` finds below an element."""

    steps: tuple[str, ...]
    # Beautiful Soup turns a string of ASCII whitespace into one space (or one newline): text matching that can
    # span such a string needs the tree's whitespace made the same first.
    needs_soup_whitespace: bool = False

    def path(self, axis: str) -> str:
        return " | ".join(f"{axis}::{step}" for step in self.steps)


@dataclass
class _Compound:
    """One compound selector: an element name (or *) and tests on the element, the cheap ones first."""

    name: str = "*"
    tests: list[tuple[int, str]] = field(default_factory=list)

    def add(self, test: str, cost: int = 0) -> None:
        self.tests.append((cost, test))

    def step(self) -> str:
        """`name[tests]`, to follow an axis: naming the element lets libxml2 skip the others without a test."""
        tests = self._ordered()
        return self.name + (f"[{_and(tests)}]" if tests else "")

    def predicate(self) -> str:
        """The same tests on the element in hand (inside `:not()` and `:is()`)."""
        return _and(([f"self::{self.name}"] if self.name != "*" else []) + self._ordered())

    def cost(self) -> int:
        return max((cost for cost, _ in self.tests), default=0)

    def _ordered(self) -> list[str]:
        return [test for _, test in sorted(self.tests, key=lambda cost_test: cost_test[0])]


# Costs that order a compound's tests: libxml2 stops at the first false one. An ancestor test walks up to the root
# from every candidate, so it comes last.
_CHILD, _SIBLING, _DESCENDANT, _TEXT, _ANCESTOR = 1, 2, 3, 4, 5
_AXES = {
    ">": ("parent::", _CHILD),
    "+": ("preceding-sibling::*[1]/self::", _SIBLING),
    "~": ("preceding-sibling::", _SIBLING),
    " ": ("ancestor::", _ANCESTOR),
}


class _Unsupported(Exception):
    """Outside what this compiler covers (or not valid CSS): soupsieve decides."""


def compile_selector(selector: str) -> Compiled | None:
    """The XPath that finds what soupsieve's `select(selector)` finds in an HTML tree, or None (soupsieve's job)."""
    try:
        return _Parser(selector).selector_list()
    except _Unsupported:
        return None


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            codepoint = int(match.group(1), 16)
            return (
                "\ufffd" if codepoint == 0 or codepoint > 0x10FFFF or 0xD800 <= codepoint <= 0xDFFF else chr(codepoint)
            )
        if match.group(2):
            return ""
        if match.group(3):
            return match.group(3)
        return "\ufffd"

    return _HEX_ESCAPE.sub(replace, text)


def _literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal (which has no escapes: a text with both quotes is a concat())."""
    if UNREADABLE.search(text):
        raise _Unsupported
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", ".join(f"'{part}'" if part else '"\'"' for part in _split_keep(text)) + ")"


def _split_keep(text: str) -> list[str]:
    parts: list[str] = []
    for index, part in enumerate(text.split("'")):
        if index:
            parts.append("")  # stands for one apostrophe
        if part:
            parts.append(part)
    return parts


def _and(terms: list[str]) -> str:
    if not terms:
        return "true()"
    return " and ".join(f"({term})" if " or " in term else term for term in terms)


def _or(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")"


class _Parser:
    """A recursive-descent reader of one selector list, producing XPath as it reads."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.soup_whitespace = False
        self.in_has = False

    # -- the grammar ------------------------------------------------------------------------------------------

    def selector_list(self) -> Compiled:
        steps = [self.complex_selector()]
        while self._take(","):
            steps.append(self.complex_selector())
        self._skip_spaces()
        if self.at != len(self.text):
            raise _Unsupported
        return Compiled(tuple(steps), self.soup_whitespace)

    def complex_selector(self) -> str:
        """Read right to left as XPath: the last compound is the subject, the ones before conditions on its kin."""
        self._skip_spaces()
        subject = self.compound()
        while True:
            match = _COMBINATOR.match(self.text, self.at)
            if not match or match.end() == len(self.text) or self.text[match.end()] in ",)":
                if match and match.group(1):
                    raise _Unsupported  # a combinator with nothing after it
                if match:
                    self.at = match.end()
                return subject.step()
            self.at = match.end()
            axis, cost = _AXES[match.group(1) or " "]
            relative = subject
            subject = self.compound()
            subject.add(f"{axis}{relative.step()}", cost)

    def compound(self) -> _Compound:
        compound = _Compound()
        universal = self._take("*")
        if universal:
            pass
        elif match := _IDENT.match(self.text, self.at):
            self.at = match.end()
            compound.name = _unescape(match.group()).lower()
            if not _XML_NAME.fullmatch(compound.name):
                raise _Unsupported
        if self.at < len(self.text) and self.text[self.at] == "|":
            raise _Unsupported  # namespaces
        start = self.at
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "#":
                match = _NAME.match(self.text, self.at + 1)
                if not match:
                    raise _Unsupported
                self.at = match.end()
                compound.add(f"@id = {_literal(_unescape(match.group()))}")
            elif char == ".":
                match = _IDENT.match(self.text, self.at + 1)
                if not match:
                    raise _Unsupported
                self.at = match.end()
                compound.add(self._class_test(_unescape(match.group())))
            elif char == "[":
                compound.add(self._attribute())
            elif char == ":":
                self._pseudo(compound)
            else:
                break
        if compound.name == "*" and self.at == start and not universal:
            raise _Unsupported  # an empty compound: not a selector
        return compound

    # -- the parts of a compound -----------------------------------------------------------------------------

    @staticmethod
    def _class_test(name: str) -> str:
        if not name or any(char.isspace() for char in name):
            return "false()"
        # The substring test first: it is cheap and rules out nearly every element.
        exact = f"contains(concat(' ', {_class_value()}, ' '), {_literal(' ' + name + ' ')})"
        return f"contains(@class, {_literal(name)}) and {exact}"

    def _attribute(self) -> str:
        match = _ATTRIBUTE.match(self.text, self.at)
        if not match:
            raise _Unsupported
        self.at = match.end()
        name = _unescape(match.group("name")).lower()
        if not _XML_NAME.fullmatch(name) or name in _LIST_ATTRIBUTES:
            raise _Unsupported
        op = match.group("op")
        if op is None:
            if not self._take("]"):
                raise _Unsupported
            return f"@{name}"
        if name in _CASELESS_ATTRIBUTES:
            raise _Unsupported
        if string := _STRING.match(self.text, self.at):
            value = _unescape(string.group()[1:-1])
            self.at = string.end()
        elif ident := _IDENT.match(self.text, self.at):
            value = _unescape(ident.group())
            self.at = ident.end()
        else:
            raise _Unsupported
        self._skip_spaces()
        if not self._take("]"):
            raise _Unsupported  # a case flag (`i`, `s`) or junk
        attribute = _class_value() if name == "class" else f"@{name}"
        if name == "class" and op != "!=":
            return f"@class and ({self._compare(attribute, op, value)})"
        return self._compare(attribute, op, value)

    @staticmethod
    def _compare(attribute: str, op: str, value: str) -> str:
        quoted = _literal(value)
        if op == "=":
            return f"{attribute} = {quoted}"
        if op == "!=":
            return f"not({attribute} = {quoted})"
        if op == "|=":
            return f"{attribute} = {quoted} or starts-with({attribute}, {_literal(value + '-')})"
        if not value:
            return "false()"  # ^= $= *= ~= with an empty value match nothing
        if op == "^=":
            return f"starts-with({attribute}, {quoted})"
        if op == "*=":
            return f"contains({attribute}, {quoted})"
        if op == "$=":
            return (
                f"string-length({attribute}) >= {len(value)} and "
                f"substring({attribute}, string-length({attribute}) - {len(value) - 1}) = {quoted}"
            )
        # ~=: a word of the value split on CSS whitespace
        if any(char in _WS for char in value):
            return "false()"
        spaced = f"translate({attribute}, '\t\n\r', '   ')"
        return f"contains(concat(' ', {spaced}, ' '), {_literal(' ' + value + ' ')})"

    def _pseudo(self, compound: _Compound) -> None:
        self.at += 1
        match = _IDENT.match(self.text, self.at)
        if not match:
            raise _Unsupported  # pseudo-elements and junk
        self.at = match.end()
        name = _unescape(match.group()).lower()
        if not self.text.startswith("(", self.at):
            compound.add(self._simple_pseudo(name, compound.name))
            return
        self.at += 1
        if name in ("not", "is", "where", "matches", "any"):
            options = [self._inner_compound()]
            while self._take(","):
                options.append(self._inner_compound())
            self._close()
            either = _or([option.predicate() for option in options])
            cost = max(option.cost() for option in options)
            compound.add(f"not({either})" if name == "not" else either, cost)
        elif name == "has":
            if self.in_has:
                raise _Unsupported
            self.in_has = True
            options = [self._relative()]
            while self._take(","):
                options.append(self._relative())
            self.in_has = False
            self._close()
            compound.add(_or([path for path, _ in options]), max(cost for _, cost in options))
        elif name in ("-soup-contains", "contains", "-soup-contains-own"):
            compound.add(self._contains(own=name == "-soup-contains-own"), _TEXT)
        elif name in ("nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"):
            compound.add(self._nth(name, compound.name))
        else:
            raise _Unsupported

    def _simple_pseudo(self, name: str, tag: str) -> str:
        if name in ("first-child", "last-child", "only-child"):
            return _and(_position_tests(name.split("-")[0], "*"))
        if name in ("first-of-type", "last-of-type", "only-of-type"):
            if tag == "*":
                raise _Unsupported
            return _and(_position_tests(name.split("-")[0], tag))
        if name == "empty":
            return "not(*) and not(text()[translate(., ' \t\n\r', '') != ''])"
        if name == "root":
            return "not(parent::*)"
        raise _Unsupported

    def _inner_compound(self) -> _Compound:
        self._skip_spaces()
        compound = self.compound()
        self._skip_spaces()
        if self.at < len(self.text) and self.text[self.at] not in ",)":
            raise _Unsupported  # a complex selector inside :not() or :is(): soupsieve decides
        return compound

    def _relative(self) -> tuple[str, int]:
        self._skip_spaces()
        axis, cost = "descendant::", _DESCENDANT
        if self.at < len(self.text) and self.text[self.at] in ">+~":
            axis, cost = {
                ">": ("", _CHILD),
                "+": ("following-sibling::*[1]/self::", _SIBLING),
                "~": ("following-sibling::", _SIBLING),
            }[self.text[self.at]]
            self.at += 1
            self._skip_spaces()
        compound = self.compound()
        self._skip_spaces()
        if self.at < len(self.text) and self.text[self.at] not in ",)":
            raise _Unsupported  # soupsieve takes one compound per relative selector
        return f"{axis}{compound.step()}", max(cost, compound.cost())

    def _contains(self, own: bool) -> str:
        needles = []
        while True:
            self._skip_spaces()
            if string := _STRING.match(self.text, self.at):
                needles.append(_unescape(string.group()[1:-1]))
                self.at = string.end()
            elif ident := _IDENT.match(self.text, self.at):
                needles.append(_unescape(ident.group()))
                self.at = ident.end()
            else:
                raise _Unsupported
            self._skip_spaces()
            if not self._take(","):
                break
        self._close()
        if any(needle.strip(_WS) == "" for needle in needles):
            raise _Unsupported  # an empty or all-space needle depends on how the parser kept whitespace
        if own:
            # One own string must hold the needle: a needle with letters never matches a whitespace-only string.
            return "text()[" + " or ".join(f"contains(., {_literal(needle)})" for needle in needles) + "]"
        if any(char in _WS for needle in needles for char in needle):
            self.soup_whitespace = True
        return _or([f"contains(string(.), {_literal(needle)})" for needle in needles])

    def _nth(self, name: str, tag: str) -> str:
        self._skip_spaces()
        match = _NTH.match(self.text, self.at)
        keyword = _IDENT.match(self.text, self.at)
        if keyword and keyword.group().lower() in ("odd", "even"):
            a, b = 2, 1 if keyword.group().lower() == "odd" else 0
            self.at = keyword.end()
        elif match:
            self.at = match.end()
            if match.group("only") is not None:
                a, b = 0, int(match.group("only"))
            else:
                a = {"": 1, "+": 1, "-": -1}.get(match.group("a"))
                a = int(match.group("a")) if a is None else a
                b = int(match.group("b") or 0) * (-1 if match.group("sign") == "-" else 1)
        else:
            raise _Unsupported
        self._close()
        if name.endswith("of-type"):
            if tag == "*":
                raise _Unsupported
            siblings = tag
        else:
            siblings = "*"
        axis = "following-sibling" if "-last-" in name else "preceding-sibling"
        position = f"(count({axis}::{siblings}) + 1)"
        if a == 0:
            return f"{position} = {b}"
        if a > 0:
            return f"{position} >= {b} and ({position} - {b}) mod {a} = 0"
        return f"{position} <= {b} and ({b} - {position}) mod {-a} = 0"

    # -- reading ---------------------------------------------------------------------------------------------

    def _skip_spaces(self) -> None:
        self.at = _SPACES.match(self.text, self.at).end()  # type: ignore[union-attr]

    def _take(self, token: str) -> bool:
        self._skip_spaces()
        if self.text.startswith(token, self.at):
            self.at += len(token)
            return True
        return False

    def _close(self) -> None:
        if not self._take(")"):
            raise _Unsupported


def _position_tests(which: str, siblings: str) -> list[str]:
    tests = []
    if which in ("first", "only"):
        tests.append(f"not(preceding-sibling::{siblings})")
    if which in ("last", "only"):
        tests.append(f"not(following-sibling::{siblings})")
    return tests


def _class_value() -> str:
    spaces = _literal(" " * len(_CLASS_SPACES))
    return f"normalize-space(translate(@class, {_literal(_CLASS_SPACES)}, {spaces}))"
