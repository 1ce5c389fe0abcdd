"""Measurability analyzer: does an acceptance criterion carry a pass/fail check?

Used by rule MS101 (vague-criterion). Pure and stdlib-only: it never imports pygls or lsprotocol.

The analyzer weighs two kinds of cue found in the criterion text:

* **soft cues** - words that leave the outcome to someone's opinion: subjective adjectives and
  adverbs (*acceptable*, *correctly*, *seamlessly*), vague quantities (*most*, *several*),
  states with nothing to check them against (*complete*, *ready*, *working* at the end of a
  sentence), changes with no baseline (*improved*, *optimized*), human judgements (*understand*,
  *feel*) and open-ended nouns (*expectations*, *experience*);
* **check cues** - things a reviewer can verify without an opinion: thresholds (a comparator or
  unit next to a number), counts, fractions, percentages, dates, code spans, file names,
  endpoints, flags, quoted messages, exact-result words and explicit test verbs.

A criterion is vague when its soft cues weigh at least 2 and outweigh its check cues. Words
that only delimit scope (*all*, *every*, an enumeration) are not checks: "All patterns work
together seamlessly" is still vague. Unfilled template text ("Criterion 3", "[Name]", "TBD") is
reported as a placeholder instead. See docs/MEASURABILITY.md for the figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from string import ascii_letters
from typing import Final

from milestone_lsp.core.lazyre import word_alternation
from milestone_lsp.rules.measurability_model import Model
from milestone_lsp.rules.measurability_model import load as load_model

__all__ = [
    "TOPICS",
    "VagueSpan",
    "Verdict",
    "analyze",
    "features",
    "headline",
    "rewrites",
    "slot_rewrite",
    "slot_snippet",
]

TOPICS: Final = (
    "tests",
    "performance",
    "documentation",
    "security",
    "quality",
    "functional",
    "release",
    "other",
)

# Longer inputs are cut before analysis: a criterion is a line, and this keeps the worst case
# bounded for pathological input (a pasted log, a minified file) without changing real results.
_MAX_CHARS: Final = 2000


@dataclass(frozen=True, slots=True)
class VagueSpan:
    """One word or phrase that makes a criterion vague, with code-point offsets into the text."""

    start: int
    end: int
    word: str
    reason: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Verdict:
    """The analyzer's judgement of one criterion.

    Its :attr:`topic` is worked out from the masked text (``_masked``) when it is first asked
    for, unless it was given: only the rewrites and fix hints of vague criteria read it.
    """

    measurable: bool
    placeholder: bool
    reasons: tuple[str, ...]
    spans: tuple[VagueSpan, ...]
    _topic: str | None = None
    _masked: str = ""

    @property
    def topic(self) -> str:
        """What the criterion is about (a key of the rewrites and fix hints)."""
        topic = self._topic
        if topic is None:
            topic = _topic(self._masked)
            object.__setattr__(self, "_topic", topic)  # the same value on every call
            object.__setattr__(self, "_masked", "")
        return topic

    def _key(self) -> tuple[bool, bool, tuple[str, ...], tuple[VagueSpan, ...], str]:
        return (self.measurable, self.placeholder, self.reasons, self.spans, self.topic)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Verdict) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Verdict(measurable={self.measurable!r}, placeholder={self.placeholder!r}, "
            f"reasons={self.reasons!r}, spans={self.spans!r}, topic={self.topic!r})"
        )


# ---------------------------------------------------------------------------------------------
# Lexicon of soft cues
# ---------------------------------------------------------------------------------------------

# Categories, each with the explanation shown to the user ({w} is the word as written).
_SUBJECTIVE: Final = "subjective"
_QUANTITY: Final = "quantity"
_STATE: Final = "state"
_CHANGE: Final = "change"
_JUDGEMENT: Final = "judgement"
_OPEN: Final = "open"
_CONFIGURED: Final = "configured"

_REASONS: Final[dict[str, str]] = {
    _SUBJECTIVE: "'{w}' is subjective and no threshold is given",
    _QUANTITY: "'{w}' is not a number: say how many, as a count (N/N) or a percentage",
    _STATE: "'{w}' names a state but not the check that shows it",
    _CHANGE: "'{w}' claims a change with no baseline or target",
    _JUDGEMENT: "'{w}' depends on a person's judgement, not on an observable result",
    _OPEN: "'{w}' is open-ended: name the concrete artefact, list or behaviour",
    _CONFIGURED: "'{w}' is configured as a vague word (extra_vague_words)",
}

# How a word must be placed to count:
#   any   - anywhere;
#   pred  - only predicatively ("docs are complete", "API layer complete"), not in front of a
#           noun ("the complete offline game", "a working bash shell", "the prior stable build");
#   bare  - a verb of state that counts only with nothing after it that says where or how
#           ("Storage warnings work" versus "Git works in terminal");
#   change- a change verb; a negated one is an invariant and so checkable ("does not reduce");
#   most  - the quantity "most", not "at most" nor a superlative ("the most recent").
_Entry = tuple[str, int, str]  # (category, weight, mode)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _entries(category: str, weight: int, mode: str, words: str) -> dict[str, _Entry]:
    return {w: (category, weight, mode) for w in words.split()}


_LEXICON: Final[dict[str, _Entry]] = {
    **_entries(
        _SUBJECTIVE,
        2,
        "any",
        """good great nice excellent decent acceptable acceptably reasonable reasonably
        appropriate appropriately inappropriate adequate adequately sufficient sufficiently
        satisfactory satisfactorily proper properly improper improperly correctly incorrectly
        user-friendly developer-friendly friendly intuitive intuitively easy easily effortless
        effortlessly seamless seamlessly smooth smoothly comfortable comfortably robust robustly
        quickly speedy snappy efficient efficiently responsive performant
        maintainable readable unreadable understandable useful meaningful meaningfully valuable
        helpful high-quality elegant elegantly beautiful pleasant enjoyable engaging fun special
        generous fair unfair honest concise intelligible unintelligible consistent consistently
        inconsistent coherent sensible solid reliable reliably flexible modern professional
        significant significantly substantial substantially considerable considerably
        noticeable noticeably greatly optimal optimally ideal ideally perfect perfectly nicely
        necessary unnecessary relevant suitable naturally obvious obviously gracefully
        accurate accurately unexpected viable important lightweight production-ready battle-tested
        bulletproof rock-solid world-class best-in-class state-of-the-art sane cleanly""",
    ),
    # Hedges and intensifiers: they qualify a claim without saying by how much.
    **_entries(
        _SUBJECTIVE,
        2,
        "any",
        """genuinely truly really materially roughly relatively fairly somewhat arguably
        partially partly hopefully possibly probably presumably""",
    ),
    # Soft, but common in criteria that are otherwise concrete: half weight, so one of these
    # alone never fires ("Terminal opens cleanly", "distinct output directories").
    **_entries(_SUBJECTIVE, 1, "any", "distinct simple minimal precise precisely"),
    **_entries(
        _SUBJECTIVE,
        2,
        "pred",
        "clean clear secure safe stable correct scalable fast quick usable actionable",
    ),
    # Extent and dependability claimed without a measure: "comprehensive coverage", "tested
    # thoroughly", "is dependable", "shuts down safely".
    **_entries(
        _SUBJECTIVE,
        2,
        "any",
        """comprehensive comprehensively thorough thoroughly extensive extensively exhaustive
        dependable trustworthy graceful safely securely qualitative""",
    ),
    **_entries(_SUBJECTIVE, 2, "any", "merely"),
    **_entries(_SUBJECTIVE, 2, "any", "clearly"),
    **_entries(
        _QUANTITY,
        2,
        "any",
        """some many several few various numerous enough plenty majority mostly largely
        mainly generally usually often typically frequently rarely occasionally sometimes
        nearly almost""",
    ),
    **_entries(_QUANTITY, 1, "any", "multiple etc"),
    **_entries(_QUANTITY, 2, "most", "most"),
    **_entries(
        _STATE,
        2,
        "pred",
        """complete completed done finished ready working functional operational finalized
        finalised""",
    ),
    **_entries(_STATE, 1, "pred", "current"),
    **_entries(_STATE, 1, "bare", "works work functions"),
    **_entries(
        _CHANGE,
        2,
        "change",
        """improved improve improves enhanced enhance enhances optimized optimised optimize
        optimise optimizes optimises minimized minimised minimize minimise maximized maximised
        maximize maximise better worse faster slower fewer streamlined polished tuned strengthen
        strengthens strengthened boosted revamped modernized modernised""",
    ),
    **_entries(
        _CHANGE,
        1,
        "change",
        """increased increase increases reduced reduce reduces decreased decrease decreases
        simplified refined reworked refactored hardened improvement improvements enhancement
        enhancements optimization optimisation optimizations optimisations""",
    ),
    **_entries(
        _JUDGEMENT,
        2,
        "any",
        """understand understands understood feel feels seem seems enjoy enjoys love loves
        appreciate appreciates perceive perceived intuit happy""",
    ),
    **_entries(
        _JUDGEMENT, 1, "any", "identify identified identifiable explain explains learn noticeable"
    ),
    **_entries(
        _OPEN,
        2,
        "any",
        "experience experiences expectations expectation needs opportunities insights vision",
    ),
    **_entries(_OPEN, 1, "any", "usability feedback intent decisions choices variation impact"),
}

# Multi-word soft cues, matched on the lower-cased masked text.
_PHRASES: Final[tuple[tuple[str, str, int], ...]] = (
    (r"as (?:expected|intended|designed|needed|appropriate|required)", _SUBJECTIVE, 2),
    # Conformance to standards that are not named ("follows the coding conventions"); a
    # named one ("follows PEP 8 conventions") breaks the chain of modifiers.
    (
        r"(?:follows?|meets?|adheres? to|complies with|conforms to) (?:the |our |project |team |"
        r"established |agreed |existing |coding |code |style |naming )*(?:standards?|"
        r"conventions?|guidelines?)",
        _OPEN,
        2,
    ),
    (
        r"(?:where|if|when|as far as) (?:possible|necessary|needed|appropriate|feasible|"
        r"applicable|relevant|required)",
        _QUANTITY,
        2,
    ),
    (r"as (?:much|many|soon|fast|quickly) as possible", _QUANTITY, 2),
    (r"best practices?|industry[- ]standards?|high[- ]quality", _SUBJECTIVE, 2),
    (
        r"(?:looks?|feels?|seems?) (?:good|nice|great|right|like|professional|polished)",
        _JUDGEMENT,
        2,
    ),
    (r"makes? sense|look and feel|user experience|good to go|in good shape", _SUBJECTIVE, 2),
    (r"a lot of|lots of|a number of|a handful of|and so on|and more", _QUANTITY, 2),
    (r"a (?:small|large) (?:set|number|amount) of|a couple of", _QUANTITY, 2),
    # A severity with no scale: "no major issues", "only minor regressions".
    (r"(?:no|only|any) (?:major|minor|serious|big|glaring)", _QUANTITY, 2),
    (r"(?:works?|performs?|scales?|runs?|behaves?) well", _SUBJECTIVE, 2),
    (r"not (?:just|only|simply)", _SUBJECTIVE, 1),
    # Concessions and hedges that take back part of the claim: "decided, even if not fully
    # complete", "to some extent", "if time permits".
    (
        r"even (?:if|though) not|to (?:some|a large|a certain) (?:extent|degree)|more or less|"
        r"in principle|if time (?:permits|allows)",
        _SUBJECTIVE,
        2,
    ),
    (r"based on (?:the |our |their )?(?:findings|feedback|results|experience|learnings)", _OPEN, 2),
    (r"can be (?:identified|understood|seen|recognized|recognised|assessed|judged)", _JUDGEMENT, 2),
)
_PHRASE_RE: Final = re.compile(
    r"\b(?:" + "|".join(f"(?P<p{i}>(?:{p})\\b)" for i, (p, _c, _w) in enumerate(_PHRASES)) + ")"
)

# ---------------------------------------------------------------------------------------------
# Masking: blank out what must not be read as prose, keeping offsets intact
# ---------------------------------------------------------------------------------------------

_CODE_RE: Final = re.compile(r"`+[^`]+`+")
_DOUBLE_QUOTED_RE: Final = re.compile(r"\"[^\"\n]{2,}\"|“[^”\n]{2,}”")
_URL_RE: Final = re.compile(r"\bhttps?://\S+|\]\([^)]*\)")
_COMMENT_RE: Final = re.compile(r"<!--.*?-->", re.S)
# Status annotations that trackers append ("(IN PROGRESS)", "- **COMPLETE**", "✓", "← Changed!")
# say where the work stands, not what the criterion demands.
# Grouped by first letter (the order within a letter is the order they are tried in).
_STATUS_WORDS: Final = (
    r"C(?:OMPLETED?)|D(?:ONE|EFERRED)|I(?:N[ _-]PROGRESS)|N(?:EXT|/A)"
    r"|P(?:LANNED|ASS(?:ED)?|ENDING|ARTIAL)|B(?:LOCKED)|F(?:IXED|AIL(?:ED)?)|W(?:IP)|S(?:KIPPED)"
    r"|V(?:ERIFIED)"
)
_STATUS_RE: Final = re.compile(
    r"\(\s*(?:" + _STATUS_WORDS + r")\b[^()]*\)"
    r"|(?<![A-Za-z])(?:" + _STATUS_WORDS + r")(?:\s*\+\s*(?:" + _STATUS_WORDS + r"))*(?![A-Za-z])"
    r"|[✓✔✅☑❌✗✘⚠⏳🚧🔄]\ufe0f?|←.*$"
)
# The same words in any case, when they close the line after a dash or stand in parentheses:
# "**Task 2.1: Script Risk Detection** - Complete", "Wire the cache (done)".
_TRAILING_STATUS_RE: Final = re.compile(
    r"(?:\s[-–—:|]\s*|\s*\(\s*)(?:" + _STATUS_WORDS + r")\s*\)?[\s.!]*$", re.I
)
# Gherkin keywords that open acceptance lines ("THEN:", "AND:").
_GHERKIN_RE: Final = re.compile(r"^\s*(?:GIVEN|WHEN|THEN|AND|BUT)\b:?", re.I)
_EMPHASIS_RE: Final = re.compile(r"\*+|~~|(?<!\w)_+|_+(?!\w)")


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\n":
            chars[i] = " "


# ---------------------------------------------------------------------------------------------
# Check cues
# ---------------------------------------------------------------------------------------------


class _LazyPattern:
    """A pattern compiled on first use.

    The check-cue patterns are read only for criteria with soft wording, and compiling them is
    most of this module's import time (the threshold pattern alone takes milliseconds).
    """

    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._pattern, self._flags)
        return compiled

    def search(self, text: str) -> re.Match[str] | None:
        """As :meth:`re.Pattern.search`."""
        return self._get().search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """As :meth:`re.Pattern.finditer`."""
        return self._get().finditer(text)


def _lowercase_pattern(pattern: str) -> str:
    """``pattern`` for lower-case text: every letter outside an escape (``\\W``, ``\\d``) in
    lower case."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out)


# Characters that a case-insensitive pattern matches to an ASCII letter (or to "µ") although
# lower-casing does not turn them into it: text holding one is searched case-insensitively.
_FOLDS_APART: Final = frozenset("\u0130\u0131\u017f\u212a\u00b5\u039c\u03bc")


def _cue_text(masked: str, lowered: str) -> str | None:
    """``lowered`` when the case-blind cue patterns may search it in place of ``masked`` (same
    offsets, same matches), else None."""
    if masked.isascii():
        return lowered
    if len(lowered) != len(masked) or not _FOLDS_APART.isdisjoint(masked):
        return None
    return lowered


class _CasePattern:
    """A case-insensitive pattern, also compiled case-sensitively for lower-case text.

    A case-insensitive alternation of words is tried at every position of the text in full;
    the same pattern in lower case, over the lower-cased text, skips most positions at its
    first character. Both are compiled on first use; ``lowered`` (from :func:`_cue_text`)
    selects the fast one, and match offsets are those of the original text either way.
    """

    __slots__ = ("_blind", "_lower")

    def __init__(self, pattern: str) -> None:
        self._blind = _LazyPattern(pattern, re.I)
        self._lower = _LazyPattern(_lowercase_pattern(pattern))

    def search(self, masked: str, lowered: str | None) -> re.Match[str] | None:
        """The first match, in ``lowered`` when given, else case-insensitively in ``masked``."""
        if lowered is not None:
            return self._lower.search(lowered)
        return self._blind.search(masked)

    def finditer(self, masked: str, lowered: str | None) -> Iterator[re.Match[str]]:
        """Every match, as :meth:`search` chooses the text."""
        if lowered is not None:
            return self._lower.finditer(lowered)
        return self._blind.finditer(masked)


_NUMBER_WORDS: Final = word_alternation(
    [
        "zero",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "dozen",
        "half",
        "twice",
        "once",
    ]
)
_NUM: Final = r"(?:\d+(?:[.,]\d+)*|(?:" + _NUMBER_WORDS + r"|one)\b)"
_UNIT: Final = (
    r"(?:%|‰|[µu]s|ns|ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|"
    r"years?|[kKMGTP]i?B|[kKMGT]b|bytes?|bits?|px|pt|em|rem|dpi|fps|Hz|[kMG]Hz|rps|qps|tps|"
    r"ops|req/s|requests?/s(?:ec)?|[kKM]?bps|x|×|k|K|M|cores?|vCPUs?|CPUs?|GPUs?|ms/op|"
    r"events?/s(?:ec)?|per (?:second|minute|hour|day|request|user))"
)
# The words before a number that make it a bound, grouped by first letter (the order within
# a letter is the order they are tried in).
_THRESHOLD_LEADS: Final = (
    r"\b(?:a(?:t least|t most|bove)|n(?:o more than|o less than|o fewer than)"
    r"|m(?:ore than|aximum of|inimum of|ax(?:imum)?|in(?:imum)?)|l(?:ess than)|f(?:ewer than)"
    r"|g(?:reater than)|u(?:nder|p to)|b(?:elow|udget of)|o(?:ver)|w(?:ithin)"
    r"|e(?:xceeds?|xceeding|xactly)|t(?:arget(?:ing)?))\s+"
)
# The alternatives are grouped by their first character (an operator, a digit, a letter): no
# two groups can match at the same position, so the first match is the one of the plain
# alternation, and each position tries only the group its character can open.
_THRESHOLD_RE: Final = _CasePattern(
    r"(?:<=|>=|≤|≥|<|>|==|=|±|~|≈)\s*-?\d+(?:[.,]\d+)*(?:\s?" + _UNIT + r"(?![A-Za-z]))?"
    # "200 ms", "5MB", and the hyphenated adjective "30-minute soak".
    r"|(?=\d)(?:\d+(?:[.,]\d+)*(?:\s?|-)" + _UNIT + r"(?![A-Za-z])"
    r"|\b\d+\s*/\s*\d+\b|\b\d+\+"
    r"|\b\d+(?:[.,]\d+)?\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?\s?" + _UNIT + r"(?![A-Za-z]))"
    r"|(?=[^\W\d_])(?:"
    + _THRESHOLD_LEADS
    + _NUM
    + r"|\b[pP](?:50|75|90|95|99|999)\b|\b(?:percent|percentile)\b)"
)
# The alternatives of the threshold pattern that need no digit: a text without one is searched
# with these alone (the same first match; most criteria have no digit).
_THRESHOLD_WORDS_RE: Final = _CasePattern(_THRESHOLD_LEADS + _NUM + r"|\b(?:percent|percentile)\b")
_DIGIT: Final = re.compile(r"\d")
# A number in front of a word counts things ("3 device models", "eight usable powers", "zero
# critical vulnerabilities"). "one" is weaker: it is often an article ("one meaningful combo").
_COUNT_RE: Final = _CasePattern(
    r"(?<![\w.\-/])(?:\d+(?:[.,]\d+)*|" + _NUMBER_WORDS + r")\s+[^\W\d_]"
)
_ONE_RE: Final = _CasePattern(r"\b(?:(?:at least|exactly|only|just|at most) )?one\b")
_DATE_RE: Final = _CasePattern(
    r"\b\d{4}-\d{2}(?:-\d{2})?\b|\b(?:week|sprint|day|q)\s?\d+\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
)
# Identifiers by kind, each with a character it cannot match without (the camelCase kind
# needs a lower-case letter followed by a capital, the status codes a digit): a path, a file
# name, a command-line flag, a snake_case or CONSTANT name, a camelCase name, a status code.
_IDENT_KINDS: Final = (
    ("/", r"(?<![\w/.-])(?:[\w-]+/)+[\w.-]*"),
    (
        ".",
        r"\b[\w-]+\.(?:md|py|js|mjs|ts|tsx|jsx|json|ya?ml|toml|go|rs|java|kt|swift|rb|php|cs|c|"
        r"h|cpp|hpp|sh|ps1|txt|csv|html|css|scss|lock|cfg|ini|xml|sql|proto|env|gradle|aab|apk|"
        r"exe|dll|zip|tar|gz|pdf|png|svg|gif|ipynb|lua|gd|tscn|cmake)\b",
    ),
    ("-", r"(?<!\w)--?[a-z][\w-]+"),
    ("_", r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b[a-z]+_[a-z0-9_]+\b"),
    ("aA", r"\b[a-z]+[A-Z][A-Za-z]+\b|\b[A-Z][a-z]+[A-Z][A-Za-z]*\b"),
    (
        "0",
        r"\bHTTP\s?[1-5]\d\d\b"
        r"|\b[1-5]\d\d (?:OK|Created|Accepted|No Content|Not Found|Unauthorized|Forbidden|"
        r"response)\b|\b(?:exit(?:s)?(?: code| status)?|returns?|status)\s+[0-9]+\b",
    ),
)
_IDENT_RE: Final = _LazyPattern("|".join(pattern for _need, pattern in _IDENT_KINDS))
_IDENT_PATTERNS: Final = tuple((need, _LazyPattern(pattern)) for need, pattern in _IDENT_KINDS)
_CAMEL_NEEDS: Final = re.compile(r"[a-z][A-Z]")


def _names_identifier(masked: str, digit: bool) -> bool:
    """Whether ``masked`` names an identifier (``_IDENT_RE`` matches somewhere in it): each
    kind is searched only when the text holds what it needs."""
    for need, pattern in _IDENT_PATTERNS:
        if need == "aA":
            present = _CAMEL_NEEDS.search(masked) is not None
        elif need == "0":
            present = digit
        else:
            present = need in masked
        if present and pattern.search(masked) is not None:
            return True
    return False


_QUOTED_RE: Final = _LazyPattern(r"\"[^\"]{2,}\"|“[^”]{2,}”|'[^'\s][^']*[^'\s]'(?!\w)")
_MIXED_ID_RE: Final = _LazyPattern(r"\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{2,}\b")
# Verbs and adjectives naming an objective result or an explicit test. A check verb may close
# a hyphenated word ("snapshot-tested"); a scope word may not ("read-only", "no-op"), and
# "no longer" / "not only" are not checks.
_CHECK_RE: Final = _CasePattern(
    # Grouped by first letter: a word start tries only the words its letter can open.
    r"\b(?:(?:t(?:ested|ests? pass(?:es|ed|ing)?|agged)|p(?:ass(?:es|ed|ing)?|ersists?)"
    r"|f(?:ail(?:s|ed)? (?:validation|the build|ci))|v(?:erified)"
    r"|r(?:eproduc(?:e|es|ed|ible)|eported|ejected|ejects|eturns?|esponds?|ecorded|efuses?)"
    r"|i(?:dentical|ncludes?)|d(?:eterministic(?:ally)?|iff|enied|isplays?)"
    r"|b(?:yte-for-byte|locked)|l(?:ogged|ists?)|s(?:urvives?|igned|hows?)"
    r"|a(?:rchived|sserts?|bsent|ccepted|voids?)|m(?:erged)|e(?:xits?|mits?)"
    r"|c(?:overed by|ontains?)|g(?:rep)|w(?:arns?))"
    r"|(?=[gesaonzw])(?<!-)(?!no longer\b|no more\b(?! than))(?<!not )"
    r"(?:g(?:reen)|e(?:xact(?:ly)?)|s(?:ame)|a(?:lways)|n(?:ever|o|one)|o(?:nly)|z(?:ero)"
    r"|w(?:ithout)))(?![\w-])"
)
_PAREN_RE: Final = _LazyPattern(r"\(([^()]{3,})\)")

# ---------------------------------------------------------------------------------------------
# Placeholders
# ---------------------------------------------------------------------------------------------

_HTML_TAGS: Final = _words(
    "a b i u p s br hr em strong code pre div span img sub sup details summary kbd li ul ol "
    "table tr td th small mark del ins"
)
_PLACEHOLDER_RES: Final = (
    # The whole criterion is template filler.
    re.compile(
        r"^\s*(?:(?:functional|testing|test|documentation|docs|quality|performance|security|"
        r"success|acceptance|release|other)\s+)?criteri(?:on|a)(?:\s+(?:\d+|[A-Z]))?\s*$"
        r"|^\s*(?:deliverable|milestone|task|feature|item|step|goal|requirement|phase|output|"
        r"scope|name)\s+(?:[A-Z]|\d+(?:\.\d+)*|N|X)\s*$"
        r"|^\s*(?:\.{3}|…|-+|\?+)\s*$",
        re.I,
    ),
    # Filler tokens anywhere.
    re.compile(r"\b(?:TBD|TBA|TBC|TODO|FIXME|XXX+|lorem ipsum)\b|\?{3,}|\{\{[^}]*\}\}|\$\{[^}]*\}"),
    # "[One sentence outcome]", "[Name]" - bracketed template words; not a link, a checkbox, a
    # footnote or a route segment ("/score/[id]").
    re.compile(
        r"(?<![\w/])\[(?:[A-Za-z][\w'’/-]*(?:[ ,/][\w'’/-]+){1,12}|(?i:name|title|date|n|x|"
        r"value|description|link|url|owner|topic|criterion|placeholder|number|version|item|"
        r"milestone|deliverable|phase|goal|details?|reason|target|metric|threshold|tbd|todo))"
        r"\](?![(\[:])"
    ),
    # A stand-in letter for a name: "Feature X works as specified".
    re.compile(
        r"\b(?i:feature|component|module|service|system|endpoint|page|screen|api|deliverable)"
        r"\s+[XYZ]\b"
    ),
)
# What every match of each placeholder pattern contains (empty: no such test).
_PLACEHOLDER_NEEDS: Final[tuple[tuple[str, ...], ...]] = (
    (),
    ("TB", "TODO", "FIXME", "XX", "lorem ipsum", "???", "{{", "${"),
    ("[",),
    ("X", "Y", "Z"),
)
# The same, as one search each.
_PLACEHOLDER_GATES: Final = tuple(
    re.compile("|".join(re.escape(part) for part in needs)) if needs else None
    for needs in _PLACEHOLDER_NEEDS
)
# A letter or a digit (what str.isalnum accepts: a word character but the underscore).
_ALNUM_RE: Final = re.compile(r"[^\W_]")
# Words before a filler token that make it the thing a criterion forbids or counts.
_MENTIONED_RE: Final = re.compile(
    r"\b(?:no|zero|without|removes?|removed|0|count of|number of)\s+(?:[^\s/]+[\s/]+){0,2}$",
    re.I,
)
_ANGLE_RE: Final = re.compile(r"(?<![\w<])<([A-Za-z][\w .:/-]{0,40})>")

# ---------------------------------------------------------------------------------------------
# Topics
# ---------------------------------------------------------------------------------------------

# Each topic's words (case-insensitive); the earliest topic that occurs wins.
_TOPIC_PATTERNS: Final = (
    (
        "security",
        r"\b(?:secur\w*|vulnerab\w*|cve|owasp|auth\w*|secrets?|encrypt\w*|permissions?|"
        r"xss|csrf|injection|pentest|penetration|threat|exploit\w*|rls|tls|ssl|credentials?)\b",
    ),
    (
        "performance",
        r"\b(?:perform\w*|latency|latencies|response time|throughput|fast\w*|slow\w*|speed\w*|"
        r"p9\d|memory|cpu|load|startup|quick\w*|efficien\w*|scal\w*|benchmarks?|rps|qps|"
        r"responsive\w*|snappy|frame[- ]time|fps|build time|time)\b",
    ),
    (
        "tests",
        r"\b(?:tests?|testing|tested|coverage|suites?|passing|specs?|smoke|regression|ci|"
        r"assertions?|playtests?)\b",
    ),
    (
        "documentation",
        r"\b(?:doc\w*|readme|guides?|manual|tutorial|comments?|changelog|wiki|"
        r"onboarding|examples?|instructions?)\b",
    ),
    (
        "quality",
        r"\b(?:quality|lint\w*|clean|maintainab\w*|readab\w*|conventions?|refactor\w*|"
        r"code review|reviewed|style|complexity|technical debt|warnings?|consisten\w*)\b",
    ),
    (
        "release",
        r"\b(?:releas\w*|deploy\w*|ship\w*|publish\w*|store|launch\w*|version\w*|rollout|"
        r"production|packag\w*|distribut\w*|rc|beta|alpha|ready)\b",
    ),
    (
        "functional",
        r"\b(?:works?|working|functional|features?|api|endpoints?|users?|players?|can|"
        r"handles?|supports?|flow|workflow|ui|renders?|errors?|screen|command|integrat\w*|"
        r"implement\w*|correctly|behaviou?r)\b",
    ),
)


@lru_cache(maxsize=1)
def _topic_regex() -> re.Pattern[str]:
    """Every topic in one case-insensitive pattern, each a named group.

    One pass instead of seven; the leading \\b lets the engine skip non-word-start positions
    fast. Compiled on first use: only text with non-ASCII characters needs it (see
    :func:`_topic_ascii`), and compiling it is a tenth of this module's import time.
    """
    return re.compile(
        r"\b(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOPIC_PATTERNS) + ")",
        re.I,
    )


_TOPIC_INDEX: Final = {name: i for i, (name, _r) in enumerate(_TOPIC_PATTERNS)}

# ---------------------------------------------------------------------------------------------
# Analysis
# ---------------------------------------------------------------------------------------------

_TOKEN_RE: Final = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_COPULAS: Final = _words(
    "is are be been being was were remain remains stay stays become becomes get gets look looks "
    "seem seems feel feels considered deemed fully mostly largely"
)
_CONJ: Final = _words("and or but nor yet")
_CONTEXT_WORDS: Final = _words(
    """in on for with via between across under after before when while without per against
    from to through at by inside within offline online end locally headless headlessly using
    as if unless once"""
)
_NEGATORS: Final = _words("not no never without cannot can't don't doesn't nor")
_ENGLISH: Final = _words(
    """the a an is are be been was were and or of to in on for with by from at as it its this
    that these those all every each no not can cannot must should will when after before than
    has have had do does any only"""
)
# Frequent function words of other languages seen in tracking documents (Swedish, German,
# Dutch, Turkish, Indonesian, Spanish, Portuguese, French, Italian).
_NON_ENGLISH: Final = _words(
    """och att är för med på inte som ett av till eller när und der die das ist nicht mit für
    auf ein eine oder wird werden het een niet van voor ve bir için ile olarak değil degil ama
    olmak dan yang untuk dengan berdasarkan dari ke pada akan tidak el la los las y que para
    con por es una del não com uma le les et des est pour avec du pas il della che per non"""
)
# A short label ending in a colon, followed by the criterion proper.
_LABEL_RE: Final = re.compile(r"^\s*[^:\s][^:]{0,60}?:(?=\s+\S)")
_PERFECT: Final = _words("have has had having")
_NON_NOUNS: Final = _CONJ | _CONTEXT_WORDS | _COPULAS | _words("than by")
# Words before a number that make it delimit scope ("all three patterns") rather than set a bar.
_SCOPE_WORDS: Final = _words("all each every both the these those")


@dataclass(slots=True)
class _Soft:
    start: int
    end: int
    category: str
    weight: int
    key: str


def _mask(text: str) -> tuple[str, int]:
    """A copy of text, same length, with code, links, status tags and markup blanked.

    Also returns how many code spans were blanked (they are check cues).
    """
    code_spans = 0
    spans: list[tuple[int, int]] = []
    # Each pattern is tried only when the text holds a character it needs (a backtick, "://" or
    # "](", "<!--", emphasis markers): most criteria have none of them.
    if "`" in text:
        for m in _CODE_RE.finditer(text):
            code_spans += 1
            spans.append(m.span())
    if '"' in text or "“" in text:
        # Quoted text is literal (a message, a label): 'shows "Learn more"' is not prose.
        for m in _DOUBLE_QUOTED_RE.finditer(text):
            code_spans += 1
            spans.append(m.span())
    regexes: list[re.Pattern[str]] = []
    if "://" in text or "](" in text:
        regexes.append(_URL_RE)
    if "<!--" in text:
        regexes.append(_COMMENT_RE)
    if _STATUS_NEEDS.search(text) is not None:
        regexes.append(_STATUS_RE)
    regexes.append(_GHERKIN_RE)
    if "*" in text or "_" in text or "~~" in text:
        regexes.append(_EMPHASIS_RE)
    for regex in regexes:
        spans += [m.span() for m in regex.finditer(text)]
    chars = list(text)
    for start, end in spans:
        _blank(chars, start, end)
    # Trailing status words are found after emphasis is gone ("- **COMPLETE**" -> "- COMPLETE").
    masked = "".join(chars) if spans else text
    if _may_close_with_status(masked):
        trailing = [m.span() for m in _TRAILING_STATUS_RE.finditer(masked)]
        for start, end in trailing:
            _blank(chars, start, end)
        if trailing:
            masked = "".join(chars)
    # Control characters and odd whitespace behave like spaces for every regex below (each of
    # them is unprintable).
    if not masked.isprintable():
        masked = _ODD_SPACE_RE.sub(" ", masked)
    return masked, code_spans


_ODD_SPACE_RE: Final = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028\u2029]")
# Every match of _STATUS_RE holds two capitals in a row (or "N/"), a parenthesis or a mark.
_STATUS_NEEDS: Final = re.compile(r"[A-Z][A-Z/]|[(✓✔✅☑❌✗✘⚠⏳🚧🔄←]")
# The last word of each status word (_STATUS_WORDS), in lower case: "N/A" ends in "a".
_STATUS_LAST_WORDS: Final = _words(
    "completed complete done progress next planned blocked fixed wip pass passed fail failed "
    "pending skipped deferred partial verified a"
)


def _may_close_with_status(masked: str) -> bool:
    """False when _TRAILING_STATUS_RE cannot match: the text, less its closing spaces, dots,
    exclamation marks and one parenthesis, does not end in the last word of a status word.
    (Text that is not ASCII is always searched: some letters fold to ASCII ones.)"""
    if not masked.isascii():
        return True
    tail = masked.rstrip()
    while tail[-1:] in (".", "!"):
        tail = tail[:-1].rstrip()
    if tail.endswith(")"):
        tail = tail[:-1].rstrip()
    word = tail[len(tail.rstrip(ascii_letters)) :]
    return word.lower() in _STATUS_LAST_WORDS


def _is_predicative(tokens: list[tuple[int, int, str]], i: int, masked: str) -> bool:
    """True when tokens[i] stands as a predicate ("docs are complete", "API layer ready")."""
    if i == 0:
        return False  # Sentence-initial: an imperative ("Complete the migration") or a label.
    prev = tokens[i - 1][2]
    if prev in ("of", "the", "a", "an"):
        return False  # "definition of done", "the correct package manager"
    nxt_gap = masked[tokens[i][1] : tokens[i + 1][0]] if i + 1 < len(tokens) else ""
    if i + 1 >= len(tokens) or any(c in nxt_gap for c in ",;:.()!?/+"):
        return True
    nxt = tokens[i + 1][2]
    if nxt in _CONJ:
        return True
    return prev in _COPULAS


def _has_object(tokens: list[tuple[int, int, str]], i: int, masked: str) -> bool:
    """True when a state word is followed by something that says where or how it is checked."""
    end = tokens[i][1]
    rest = masked[end:].lstrip(" \t\u00a0")
    if rest.startswith("("):
        return True  # "OAuth flow working (login/logout/refresh)"
    if i + 1 < len(tokens) and rest[:1] not in (",", ";", "."):
        return tokens[i + 1][2] in _CONTEXT_WORDS or tokens[i + 1][2] not in _CONJ
    return False


def _foreign(tokens: list[tuple[int, int, str]], masked: str) -> bool:
    """True for text that is evidently not English.

    That is: no English function word, and either a function word of another language or
    letters of a script English does not use (CJK, Cyrillic, ...).
    """
    words = [t[2] for t in tokens]
    if not _ENGLISH.isdisjoint(words):
        return False
    if not _NON_ENGLISH.isdisjoint(words):
        return True
    return not masked.isascii() and any(c.isalpha() and ord(c) > 0x24F for c in masked)


def _label_end(masked: str) -> int:
    """End of a leading "Label:" that names what follows ("Developer experience: repo setup")."""
    m = _LABEL_RE.match(masked)
    return m.end() if m else -1


def _in_condition(tokens: list[tuple[int, int, str]], i: int, masked: str) -> bool:
    """True when tokens[i] stands in a clause opened by "when", "once", "until", ... (within
    the same clause: no comma or semicolon in between)."""
    for j in range(i - 1, max(-1, i - 6), -1):
        if any(c in masked[tokens[j][1] : tokens[j + 1][0]] for c in ",;:.("):
            return False
        if tokens[j][2] in _SUBORDINATORS:
            return True
    return False


def _negated(tokens: list[tuple[int, int, str]], i: int) -> bool:
    for j in range(max(0, i - 3), i):
        t = tokens[j][2]
        if t in _NEGATORS or t.endswith("n't"):
            return True
    return False


def _soft_cues(
    masked: str,
    tokens: list[tuple[int, int, str]],
    extra: re.Pattern[str] | None,
    allowed: frozenset[str],
    label_end: int,
    lowered: str | None = None,
) -> list[_Soft]:
    found: list[_Soft] = []
    for i, (start, end, low) in enumerate(tokens):
        if low in allowed or end <= label_end:
            continue
        entry = _LEXICON.get(low)
        if entry is None:
            if "-" in low and (
                (low.startswith("well-") and len(low) > 6) or low.endswith(_SOFT_COMPOUNDS)
            ):
                # well-tested, well-structured; operator-friendly, production-grade
                entry = (_SUBJECTIVE, 2, "any")
            else:
                continue
        category, weight, mode = entry
        prev = tokens[i - 1][2] if i else ""
        nxt = tokens[i + 1][2] if i + 1 < len(tokens) else ""
        gap_before = masked[tokens[i - 1][1] : start] if i else ""
        gap_after = masked[end : tokens[i + 1][0]] if i + 1 < len(tokens) else ""
        if masked[start - 1 : start] == "/" or masked[end : end + 1] == "/":
            continue  # one of a slash list of named operations: "move/resize/minimize"
        if mode == "pred":
            if not _is_predicative(tokens, i, masked):
                continue
            if _in_condition(tokens, i, masked):
                continue  # "close epics when all children complete": a condition, not the claim
            if category == _STATE and (prev in _PERFECT or _has_object(tokens, i, masked)):
                continue  # "you have completed" is a verb; "complete for all endpoints" has scope
        elif mode == "bare":
            if i == 0 or _has_object(tokens, i, masked):
                continue
        elif mode == "change":
            if _negated(tokens, i) or (i == 0 and weight < 2) or nxt == "than":
                continue  # "faster than the 1.2 build" names its baseline
            if weight < 2 and gap_after.strip() == "" and nxt and nxt not in _NON_NOUNS:
                continue  # in front of a noun it names a thing: the "Reduced motion" setting
        elif mode == "most" and (prev in ("at", "the", "a") or nxt.endswith(_ADJ_SUFFIXES)):
            continue  # "at most", "the most recent"
        if category == _QUANTITY and (nxt == "than" or prev in ("more", "less", "as", "how")):
            continue  # "more often than its declared limit" compares against a stated bound
        if category == _OPEN and ("," in gap_before or "," in gap_after):
            continue  # an item in a list of named things ("drops, experience, Boss Seals")
        if low == "needs" and (
            nxt == "to" or (nxt and not gap_after.strip() and nxt not in _NON_NOUNS)
        ):
            continue  # the verb: "needs user decision", "needs to pass"
        if low in ("fast", "quick") and (prev == "fail" or nxt in ("path", "forward", "start")):
            continue  # idioms: "fail fast", "fast path", "quick start"
        if category == _JUDGEMENT and low.startswith("identif") and i == 0:
            continue  # "Identify the maximum count" is a task, judged elsewhere
        found.append(_Soft(start, end, category, weight, low))
    if lowered is None:
        lowered = masked.lower()
    for m in _PHRASE_RE.finditer(lowered):
        group = m.lastgroup
        assert group is not None
        _p, category, weight = _PHRASES[int(group[1:])]
        if m.group(0) in allowed:
            continue
        # A phrase supersedes single words inside it ("works well" is one cue, not two).
        found = [s for s in found if not (m.start() <= s.start < m.end())]
        found.append(_Soft(m.start(), m.end(), category, weight, m.group(0)))
    if extra is not None:
        for m in extra.finditer(lowered):
            if any(s.start <= m.start() < s.end for s in found):
                continue
            found.append(_Soft(m.start(), m.end(), _CONFIGURED, 2, m.group(0)))
    found.sort(key=lambda s: s.start)
    return found


_SOFT_COMPOUNDS: Final = ("-friendly", "-grade", "-ready", "-quality")
_ADJ_SUFFIXES: Final = (
    "ive",
    "ful",
    "ent",
    "ant",
    "able",
    "ible",
    "ous",
    "al",
    "ic",
    "ar",
    "recent",
    "likely",
    "common",
    "popular",
    "severe",
    "expensive",
    "important",
    "costly",
)


def _check_cues(
    masked: str, code_spans: int, lowered: str | None = None
) -> tuple[dict[str, int], list[str], frozenset[str]]:
    """Weights of the check cues by kind, a short description of the strongest ones, and the
    result words found (lower case). ``lowered`` is as :func:`_cue_text` gives it."""
    parts: dict[str, int] = {}
    notes: list[str] = []
    # Each pattern below whose every alternative needs a digit is skipped without one.
    digit = _DIGIT.search(masked) is not None
    threshold = (_THRESHOLD_RE if digit else _THRESHOLD_WORDS_RE).search(masked, lowered)
    if threshold:
        parts["threshold"] = 4
        notes.append(f"'{masked[threshold.start() : threshold.end()].strip()}' sets a threshold")
    counts: list[str] = []
    for m in _COUNT_RE.finditer(masked, lowered):
        before = masked[: m.start()].split()
        word = m.group(0).lower()
        if not before and not word[0].isdigit() and not word.startswith("zero"):
            continue  # a leading "Two ..." often stands for an article; "Zero ..", "82 .." count
        if before and before[-1].lower() in _SCOPE_WORDS:
            continue  # "All three patterns ...", "Four zones each ...": scope, not a bar
        counts.append(masked[m.start() : m.end()])
    if counts:
        parts["count"] = min(4, 1 + len(counts))
        if not threshold:
            notes.append(f"'{counts[0].split()[0]}' gives a count")
    else:
        one = _ONE_RE.search(masked, lowered)
        if one:
            parts["count"] = 2 if " " in one.group(0) else 1
    if digit and _DATE_RE.search(masked, lowered):
        parts["date"] = 2
        notes.append("a date or period is given")
    if code_spans or _QUOTED_RE.search(masked):
        parts["code"] = 2
        notes.append("names a command, file or exact text")
    elif _names_identifier(masked, digit) or (digit and _MIXED_ID_RE.search(masked)):
        parts["code"] = 1
        notes.append("names a concrete identifier")
    checks = frozenset(m.group(0).lower() for m in _CHECK_RE.finditer(masked, lowered))
    if checks:
        parts["result"] = min(2, len(checks))
        notes.append("names an observable result")
    for m in _PAREN_RE.finditer(masked):
        inner = m.group(1)
        if "," in inner or "/" in inner or _CHECK_RE.search(inner, _inner(lowered, m)):
            parts["paren"] = 1  # "(no white screen)", "(login/logout/refresh)"
            break
    return parts, notes, checks


def _inner(lowered: str | None, m: re.Match[str]) -> str | None:
    """The lower-cased text of a match's first group, when the text was lower-cased."""
    return None if lowered is None else lowered[m.start(1) : m.end(1)]


@lru_cache(maxsize=64)
def _extra_re(words: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [re.escape(w.strip().lower()) for w in words if w and w.strip()]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


def _placeholder(text: str, masked: str, code_spans: int) -> VagueSpan | None:
    if not code_spans and _ALNUM_RE.search(masked) is None:
        return VagueSpan(0, len(text), text, "the criterion is empty")
    for regex, needs in zip(_PLACEHOLDER_RES, _PLACEHOLDER_GATES, strict=True):
        if needs is not None and needs.search(masked) is None:
            continue  # a character every match contains is absent
        m = regex.search(masked)
        if m and regex is _PLACEHOLDER_RES[1] and _MENTIONED_RE.search(masked[: m.start()]):
            continue  # named, not used: "No TODO markers left in production code"
        if m:
            start, end = m.span()
            word = text[start:end]
            lead = len(word) - len(word.lstrip())
            word = word.strip()
            return VagueSpan(
                start + lead, start + lead + len(word), word, f"'{word}' is unfilled template text"
            )
    for m in _ANGLE_RE.finditer(masked) if "<" in masked else ():
        inner = m.group(1).strip()
        if inner.split()[0].lower() not in _HTML_TAGS and f"</{inner}>" not in masked:
            return VagueSpan(
                m.start(), m.end(), m.group(0), f"'{m.group(0)}' is a value still to fill in"
            )
    return None


def _topic(masked: str) -> str:
    # The earliest topic that occurs anywhere wins ("Security tests pass": security).
    if masked.isascii():
        return _topic_ascii(masked)
    best = len(_TOPIC_PATTERNS)
    for m in _topic_regex().finditer(masked):
        group = m.lastgroup
        if group is not None:
            best = min(best, _TOPIC_INDEX[group])
            if best == 0:
                break
    return _TOPIC_PATTERNS[best][0] if best < len(_TOPIC_PATTERNS) else "other"


# The same topics as word tables, for ASCII text (nearly every criterion): one dictionary look-up
# per word instead of a case-insensitive alternation of ~150 words tried at every word start.
# A trailing "*" is a stem (``auth\w*``). Multi-word alternatives that end in "time" are covered
# by "time" itself; the other two are found by _TOPIC_PHRASES_ASCII. A unit test checks that
# _topic_ascii agrees with _topic_regex().
_TOPIC_WORDS: Final = (
    "secur* vulnerab* cve owasp auth* secret secrets encrypt* permission permissions xss csrf "
    "injection pentest penetration threat exploit* rls tls ssl credential credentials",
    "perform* latency latencies throughput fast* slow* speed* memory cpu load startup quick* "
    "efficien* scal* benchmark benchmarks rps qps responsive* snappy fps time",
    "test tests testing tested coverage suite suites passing spec specs smoke regression ci "
    "assertion assertions playtest playtests",
    "doc* readme guide guides manual tutorial comment comments changelog wiki onboarding example "
    "examples instruction instructions",
    "quality lint* clean maintainab* readab* convention conventions refactor* reviewed style "
    "complexity warning warnings consisten*",
    "releas* deploy* ship* publish* store launch* version* rollout production packag* "
    "distribut* rc beta alpha ready",
    "work works working functional feature features api endpoint endpoints user users player "
    "players can handle handles support supports flow workflow ui render renders error errors "
    "screen command integrat* implement* correctly behavior behaviour",
)
_TOPIC_EXACT: Final[dict[str, int]] = {}
_TOPIC_STEMS: Final[dict[str, tuple[tuple[str, int], ...]]] = {}
for _index, _words_of_topic in enumerate(_TOPIC_WORDS):
    for _word in _words_of_topic.split():
        if _word.endswith("*"):
            _stem = _word[:-1]
            _TOPIC_STEMS[_stem[:3]] = (*_TOPIC_STEMS.get(_stem[:3], ()), (_stem, _index))
        else:
            _TOPIC_EXACT.setdefault(_word, _index)
_WORD_RUN_ASCII: Final = re.compile(r"[a-z0-9_]+")
_P9X: Final = re.compile(r"p9[0-9]")
_TOPIC_PHRASES_ASCII: Final = re.compile(r"\b(?:code review|technical debt)\b")
_QUALITY: Final = _TOPIC_INDEX["quality"]


def _topic_ascii(masked: str) -> str:
    lowered = masked.lower()
    best = len(_TOPIC_PATTERNS)
    for word in _WORD_RUN_ASCII.findall(lowered):
        index = _TOPIC_EXACT.get(word, best)
        for stem, stem_index in _TOPIC_STEMS.get(word[:3], ()):
            if stem_index < index and word.startswith(stem):
                index = stem_index
        if index > 1 and _P9X.fullmatch(word):
            index = 1
        if index < best:
            best = index
            if best == 0:
                break
    if best > _QUALITY and _TOPIC_PHRASES_ASCII.search(lowered):
        best = _QUALITY
    return _TOPIC_PATTERNS[best][0] if best < len(_TOPIC_PATTERNS) else "other"


def analyze(
    text: str,
    *,
    extra_vague: Iterable[str] = (),
    allowed: Iterable[str] = (),
    model: Model | None = None,
) -> Verdict:
    """Judge whether a criterion has an objective pass/fail check.

    ``model`` replaces the shipped learned layer (the grouped cross-validation of the tests
    judges each project with a model trained without it).
    """
    if not isinstance(text, str):
        text = str(text)
    # Memoised: a keystroke re-checks every criterion of the document, but changes at most one.
    return _analyze_cached(text, tuple(extra_vague), tuple(allowed), model)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the analysis of one criterion found, before the learned layer weighs it."""

    text: str
    masked: str
    code_spans: int
    tokens: list[tuple[int, int, str]]
    soft: list[_Soft]
    parts: dict[str, int]
    notes: list[str]
    checks: frozenset[str]
    foreign: bool
    allowed: frozenset[str]
    label_end: int
    lowered: str | None  # as _cue_text gives it


def _read(
    text: str,
    extra: re.Pattern[str] | None,
    allowed_set: frozenset[str],
    masking: tuple[str, int] | None = None,
) -> _Reading:
    masked, code_spans = masking if masking is not None else _mask(text)
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN_RE.finditer(masked)]
    label_end = _label_end(masked)
    lowered = masked.lower()
    soft = _soft_cues(masked, tokens, extra, allowed_set, label_end, lowered)
    foreign = _foreign(tokens, masked)
    if soft and foreign:
        # The built-in lexicon is English; in other languages its hits are mostly cognates
        # ("ideal olarak", "optimize RAM"). Only the user's own words still count.
        soft = [s for s in soft if s.category == _CONFIGURED]
    soft = [s for s in soft if text[s.start : s.end].lower() not in allowed_set]
    cue_text = _cue_text(masked, lowered)
    parts, notes, checks = _check_cues(masked, code_spans, cue_text)
    return _Reading(
        text,
        masked,
        code_spans,
        tokens,
        soft,
        parts,
        notes,
        checks,
        foreign,
        allowed_set,
        label_end,
        cue_text,
    )


def _lexicon_vague(reading: _Reading) -> bool:
    """The word-weighing judgement: soft cues of weight 2 or more that the checks do not
    outweigh, or a vague quantity with no threshold."""
    soft = reading.soft
    soft_weight = sum(s.weight for s in soft)
    if soft_weight < 2:
        return False
    parts = reading.parts
    unanswered = "threshold" not in parts and any(
        s.category == _QUANTITY and s.weight >= 2 for s in soft
    )
    return unanswered or sum(parts.values()) < soft_weight


def _features_of(reading: _Reading) -> dict[str, float]:
    """The learned layer's inputs: the lexicon's cues by kind, the check cues by kind, and the
    words (lower case) with the first and the last one marked."""
    feats: dict[str, float] = {"lexicon_vague": float(_lexicon_vague(reading))}
    for s in reading.soft:
        key = "soft:" + s.category
        feats[key] = feats.get(key, 0.0) + s.weight
    for kind, weight in reading.parts.items():
        feats["check:" + kind] = float(weight)
    words = [t[2] for t in reading.tokens if t[2] not in reading.allowed]
    for w in words:
        feats["w:" + w] = 1.0
    if words:
        feats["first:" + words[0]] = 1.0
        feats["last:" + words[-1]] = 1.0
    feats["length"] = min(len(words), 30) / 30
    # A name alone (a file, a command in backticks) says what the criterion is about, not
    # what must be true of it: "`pyproject.toml` configured" still has nothing to check.
    answered = any(kind != "code" for kind in reading.parts)
    if not reading.parts:
        feats["check:none"] = 1.0
    elif not answered:
        feats["check:name-only"] = 1.0
    # The shape of the predicate: an evaluative adjective after a copula ("is usable"), a bare
    # done-state participle closing the criterion ("Error budget defined"), a manner adverb.
    tokens = reading.tokens
    for i, (_start, _end, w) in enumerate(tokens):
        if w in _COPULAS and i + 1 < len(tokens):
            j = i + 1
            while j < len(tokens) - 1 and (
                tokens[j][2] in _DEGREE_WORDS
                or (tokens[j][2].endswith("ly") and tokens[j][2] not in _NOT_ADVERBS)
            ):
                j += 1  # "is genuinely actionable", "is no longer experimental"
            nxt = tokens[j][2]
            if nxt.endswith(("able", "ible")) and len(nxt) > 7 and nxt not in _LEXICON:
                # A capability built on a verb ("remains replayable", "are configurable"):
                # something to try. A short stem is no verb ("legible", "visible").
                feats["shape:copula-capability"] = 1.0
            elif nxt in _DONE_STATES and nxt not in _NOUN_TOO:
                feats["shape:copula-done-state"] = 1.0  # "is documented", "are defined"
            elif _participle(nxt):
                feats["shape:copula-participle"] = 1.0  # "is rejected", "is sent"
            elif (len(nxt) > 5 and nxt.endswith(_EVALUATIVE_SUFFIXES)) or nxt in _LEXICON:
                feats["shape:copula-adjective"] = 1.0
        if w.endswith("ly") and len(w) > 4 and w not in _NOT_ADVERBS:
            feats["shape:adverb"] = 1.0
    if words and words[-1] in _VERDICTS:
        # "Security review passed", "User approval obtained": the outcome of a named check.
        feats["shape:ends-verdict"] = 1.0
    elif words and _participle(words[-1]) and _main_clause_participle(words):
        feats["shape:ends-participle"] = 1.0
        if not answered:
            feats["shape:bare-participle"] = 1.0
    if "shape:copula-adjective" in feats and not answered:
        feats["shape:bare-adjective"] = 1.0
    if "result" in reading.parts and reading.checks <= _SCOPE_RESULTS:
        # "without approval", "never silently ...", "only": a negation or a scope word is an
        # invariant only when what it rules out can be seen; it is weaker than a verb.
        feats["check:scope-only"] = 1.0
    _predicate_shapes(reading, words, answered, feats)
    attributive = _attributive_soft(reading)
    if attributive:
        # "returns correct totals", "a clear error status": softer than a predicate, still soft.
        feats["soft:attributive"] = float(min(len(attributive), 2))
    _check_placement(reading, attributive, feats)
    if not answered and "check:code" in feats and any(k in feats for k in _BARE_SHAPES):
        # The name is the subject of a bare predicate ("`pyproject.toml` configured", "README.md
        # is comprehensive"): it says what is meant, not what must be true of it.
        feats["check:subject-name"] = feats.pop("check:code")
    return feats


_DEGREE_WORDS: Final = _words("no longer very too so still now")
_EVALUATIVE_SUFFIXES: Final = ("able", "ible", "ive", "ful", "ous", "ent", "ant", "al", "ic")
_NOT_ADVERBS: Final = _words("only early daily weekly monthly yearly hourly nightly apply reply")
_IRREGULAR_PARTICIPLES: Final = _words(
    """done written built set shown made given known run drawn taken begun chosen understood
    kept held put split sent spent found met led read laid paid thought brought bought caught
    taught sought left lost won hidden frozen broken spoken stolen driven proven risen shut
    cut hit"""
)


# Participles that report the outcome of a check rather than the end of some work.
_VERDICTS: Final = _words(
    """passed passing passes met approved accepted granted obtained signed merged green
    resolved closed rejected succeeded"""
)


_SUBORDINATORS: Final = _words("after before when whenever once until unless if while since")
_BARE_SHAPES: Final = (
    "shape:bare-participle",
    "shape:bare-adjective",
    "shape:bare-done-state",
    "shape:bare-task",
)
_ASIDE_RE: Final = re.compile(r"\([^()]*\)")
_SLASH_LIST_RE: Final = re.compile(r"\w/\w+/\w")
_MODALS: Final = _words("can cannot could must should will would may might shall")
# Base forms that open a task instead of stating a result ("Confirm the limits", "Set up
# logging"): common English work verbs. Those that are nouns as often ("Test coverage",
# "Build works") count only before an article, "up" or a name ("Review `SECURITY.md`").
_TASK_VERBS: Final = _words(
    """confirm ensure configure create add write develop implement customize customise explore
    investigate consider evaluate assess improve optimize optimise refine prepare define
    establish"""
)
_TASK_NOUN_VERBS: Final = _words(
    "review check make keep setup set build design document test clean fix handle manage "
    "support plan update monitor try load stress research"
)
_ARTICLES: Final = _words("the a an all each every any our its their this these those up")
_NAME_NEXT_RE: Final = re.compile(r"\s+(?:`|[A-Z][A-Z0-9_-]+\b|[\w-]+\.[a-z]{1,5}\b)")
# Words that claim something holds universally, with no procedure to show it.
# Done-state words that close a criterion as nouns as often ("modifier set", "test setup").
_NOUN_TOO: Final = _words("set setup")
_UNIVERSAL: Final = _words("everywhere anywhere everything anything whatever wherever")
# Endings of evaluative modifiers in front of a noun ("comprehensive coverage", "realistic
# questions", "production-grade benchmarks").
_EVALUATIVE_MODIFIER: Final = ("ive", "ful", "ous", "istic", "-grade", "-ready", "-quality")


def _predicate_shapes(
    reading: _Reading, words: list[str], answered: bool, feats: dict[str, float]
) -> None:
    """Grammatical shapes of the criterion's main clause (after a leading "Label:"): a bare
    done-state ("Known blockers are documented", "Logging in place"), a task in the imperative
    ("Review the runbook"), a verbless fragment ("Integration test framework"), a universal
    claim ("works everywhere") and evaluative modifiers ("comprehensive coverage")."""
    label_end = reading.label_end
    # Parentheses hold an aside or a condition ("works in the panel (`git.path` configured)"),
    # not the criterion's predicate.
    allowed = reading.allowed
    body = [t[2] for t in reading.tokens if t[0] >= label_end and t[2] not in allowed]
    if "(" in reading.masked:
        aside = [m.span() for m in _ASIDE_RE.finditer(reading.masked)]
        body = [
            t[2]
            for t in reading.tokens
            if t[0] >= label_end
            and t[2] not in allowed
            and not any(a <= t[0] < b for a, b in aside)
        ]
    if not body:
        body = words
    if not body:
        return
    clause = body
    if len(body) > 2 and body[-1].endswith("ly") and body[-1] not in _NOT_ADVERBS:
        clause = body[:-1]  # "integrated successfully"
    last = clause[-1]
    done = (last in _DONE_STATES and last not in _NOUN_TOO and _main_clause_participle(clause)) or (
        len(body) > 2 and body[-2:] == ["in", "place"]
    )
    for i, w in enumerate(body[:-1]):
        if w in _COPULAS:
            j = i + 1
            while j < len(body) - 1 and body[j].endswith("ly") and body[j] not in _NOT_ADVERBS:
                j += 1  # "is intentionally defined"
            closes = j == len(body) - 1 or body[j + 1] in _CONJ or body[j + 1] in _SUBORDINATORS
            if body[j] in _DONE_STATES and closes and not _negated_at(body, i):
                done = True  # "are documented", not "are captured in JSON format"
    if done:
        feats["shape:done-state"] = 1.0
        if not answered:
            feats["shape:bare-done-state"] = 1.0
    verbs = any(
        w in _COPULAS_MODALS or _participle(w) for w in body
    ) or not _FINITE_VERBS.isdisjoint(body[1:])
    first = next((t for t in reading.tokens if t[0] >= label_end), None)
    task = body[0] in _TASK_VERBS or (
        body[0] in _TASK_NOUN_VERBS
        and first is not None
        and (
            _NAME_NEXT_RE.match(reading.text, first[1]) is not None
            or len(body) < 2
            or body[1] in _ARTICLES
            # "Load test the app", "Stress test scanner" (not "Load test script runs ...")
            or (body[1] == "test" and len(body) > 2 and (body[2] in _ARTICLES or len(body) == 3))
            or (
                # A plural object, then a preposition or nothing: "Check logs for errors".
                body[1].endswith("s")
                and not body[1].endswith("ss")
                and body[1] not in _LEXICON
                and (len(body) == 2 or body[2] in _CONTEXT_WORDS)
            )
        )
    )
    if task and not verbs:
        feats["shape:task"] = 1.0
        if not answered:
            feats["shape:bare-task"] = 1.0
    elif not verbs and len(body) <= 6 and "result" not in reading.parts:
        feats["shape:fragment"] = 1.0
        if not answered:
            feats["shape:bare-fragment"] = 1.0
    body_text = reading.masked[max(label_end, 0) :]
    if body_text.count(",") >= 2 or ("/" in body_text and _SLASH_LIST_RE.search(body_text)):
        feats["shape:list"] = 1.0  # a stated content: "defines objective, metrics, and model"
    # A universal claim in the predicate with no count: "handles all error conditions",
    # "works everywhere" (a leading "All tests ..." only sets the scope).
    counted = "threshold" in reading.parts or "count" in reading.parts
    if any(w in _UNIVERSAL for w in body) or (
        not counted and any(w in ("all", "every", "any") for w in body[1:])
    ):
        feats["shape:universal"] = 1.0
    modifiers = sum(1 for w in body[:-1] if len(w) > 5 and w.endswith(_EVALUATIVE_MODIFIER))
    if modifiers:
        feats["shape:evaluative-modifier"] = float(min(modifiers, 2))
    _subject_head(body, answered, feats)


def _subject_head(body: list[str], answered: bool, feats: dict[str, float]) -> None:
    """The head noun of the subject (the word before the predicate, or the last word of a
    verbless fragment): an abstract quality ("compatibility", "security") or an activity named
    by a gerund ("error handling") is something to judge, not a thing to look at."""
    k = next(
        (i for i, w in enumerate(body) if i and (w in _PREDICATE_WORDS or _participle(w))),
        len(body),
    )
    # In a fragment, a phrase opened by a preposition qualifies the head ("CSS for styling").
    k = next((i for i, w in enumerate(body[:k]) if i and w in _CONTEXT_WORDS), k)
    head = body[k - 1] if k else ""
    if len(head) > 5 and head.endswith(_ABSTRACT_ENDINGS):
        feats["shape:abstract-head"] = 1.0
        if not answered:
            feats["shape:bare-abstract-head"] = 1.0
    elif len(head) > 5 and head.endswith("ing") and head not in _VERDICTS and head not in _LEXICON:
        feats["shape:gerund-head"] = 1.0
        if not answered:
            feats["shape:bare-gerund-head"] = 1.0


# Common verbs in the third person ("Dark mode works everywhere", "Tracker explains the
# numbers"): a clause that has one is not a verbless fragment.
_FINITE_VERBS: Final = _words(
    """works runs returns responds shows displays lists includes contains reads writes sends
    loads opens starts stops handles supports explains respects accepts rejects blocks fails
    passes produces generates renders creates saves stores exports imports syncs updates
    persists survives emits warns logs prints exits uses keeps stays gives makes lets allows
    prevents avoids covers matches follows meets reaches tracks describes documents
    provides offers requires needs"""
)
# Endings of nouns that name a quality or a condition rather than a thing.
_ABSTRACT_ENDINGS: Final = ("ity", "ness", "ism", "ance", "ence", "ility")


def _check_placement(
    reading: _Reading, attributive: list[tuple[int, int, str]], feats: dict[str, float]
) -> None:
    """Whether the checks belong to the vague part: a result verb qualified by a soft word
    ("responds correctly", "returns correct totals") states no result, and a name that only
    stands before the verb ("`:8080/health` responds ...") is the subject, not a check."""
    if "threshold" in reading.parts or "count" in reading.parts:
        return
    soft_starts = [s.start for s in reading.soft if s.weight >= 2] + [t[0] for t in attributive]
    soft_starts += [
        t[0] for t in reading.tokens if len(t[2]) > 5 and t[2].endswith(_EVALUATIVE_MODIFIER)
    ]
    if not soft_starts:
        return
    masked = reading.masked
    verbs = [
        m
        for m in _CHECK_RE.finditer(masked, reading.lowered)
        if not _SCOPE_CHECK.fullmatch(m.group(0))
    ]
    qualified = [
        m
        for m in verbs
        if any(m.end() <= start <= m.end() + 24 for start in soft_starts)
        or any(m.start() - 14 <= start < m.start() for start in soft_starts)
    ]
    if verbs and len(qualified) == len(verbs):
        # Every result verb is qualified by a soft word: no result is stated.
        feats["shape:qualified-result"] = feats.pop("check:result", 1.0)
    if "check:code" in feats and verbs:
        names = [m.end() for m in _CODE_RE.finditer(reading.text)]
        names += [m.end() for m in _IDENT_RE.finditer(masked)]
        if names and max(names) <= verbs[0].start():
            feats["check:subject-name"] = feats.pop("check:code")


# Check words that only bound the scope of a claim ("never", "only", "without", "exactly"):
# alone they say what must not happen, not what can be seen when it does not.
_SCOPE_RESULTS: Final = _words("green exact exactly same always never only no zero none without")
_SCOPE_CHECK: Final = re.compile(
    r"(?i:" + "|".join(sorted(_SCOPE_RESULTS, key=len, reverse=True)) + ")"
)


def _attributive_soft(reading: _Reading) -> list[tuple[int, int, str]]:
    """Evaluative words the lexicon counts only as predicates, standing in front of a noun."""
    found = {s.start for s in reading.soft}
    label_end = reading.label_end
    out = []
    for token in reading.tokens:
        entry = _LEXICON.get(token[2])
        if (
            entry is not None
            and entry[0] == _SUBJECTIVE
            and entry[2] == "pred"
            and token[0] not in found
            and token[0] >= label_end
            and token[2] not in reading.allowed
        ):
            out.append(token)
    return out


def _negated_at(words: list[str], i: int) -> bool:
    return any(w in _NEGATORS or w.endswith("n't") for w in words[max(0, i - 2) : i + 2])


def _main_clause_participle(words: list[str]) -> bool:
    """Whether the closing participle is the criterion's own done-state: not negated ("cannot
    be accidentally salvaged" is an invariant) and not inside a clause that only says when
    ("... after every copy is reclaimed")."""
    tail = words[-4:-1]
    if any(w in _NEGATORS or w.endswith("n't") for w in tail):
        return False
    return not any(w in _SUBORDINATORS for w in words[1:-1])


def _participle(word: str) -> bool:
    """A past participle by its form: regular "-ed" or a common irregular one."""
    return word in _IRREGULAR_PARTICIPLES or (
        word.endswith("ed") and len(word) > 4 and not word.endswith("eed")
    )


def features(text: str, *, allowed: Iterable[str] = ()) -> dict[str, float]:
    """The learned layer's features of a criterion (used by the training script)."""
    allowed_set = frozenset(w.strip().lower() for w in allowed if w and w.strip())
    return _features_of(_read(str(text)[:_MAX_CHARS], None, allowed_set))


@lru_cache(maxsize=16384)
def _analyze_cached(
    text: str, extra_vague: tuple[str, ...], allowed: tuple[str, ...], model: Model | None
) -> Verdict:
    text = text[:_MAX_CHARS]
    masked, code_spans = _mask(text)
    ph = _placeholder(text, masked, code_spans)
    if ph is not None:
        return Verdict(False, True, (ph.reason,), (ph,), None, masked)

    allowed_set = frozenset(w.strip().lower() for w in allowed if w and w.strip())
    extra = _extra_re(tuple(sorted({w for w in extra_vague if w})))
    reading = _read(text, extra, allowed_set, (masked, code_spans))
    configured = any(s.category == _CONFIGURED for s in reading.soft)
    contributions: list[tuple[str, float]] = []
    if reading.foreign or (allowed_set and _mentions_allowed(reading, allowed)):
        # Other languages, and criteria the user's allowed_words speak to: the word-weighing
        # judgement alone (the learned layer knows English words, and not the user's choices).
        vague = _lexicon_vague(reading) if not reading.foreign or configured else False
    else:
        layer = model if model is not None else load_model()
        feats = _features_of(reading)
        vague = layer.probability(feats) >= layer.threshold
        if vague:
            contributions = layer.contributions(feats)
        elif configured:
            vague = _lexicon_vague(reading)  # the user's own words, unless a check answers them
    if not vague:
        notes = reading.notes or ["no subjective, open-ended or unchecked wording"]
        return Verdict(True, False, tuple(notes[:3]), (), None, masked)
    spans = _vague_spans(reading, contributions)
    reasons = tuple(dict.fromkeys(s.reason for s in spans))
    return Verdict(False, False, reasons, spans, None, masked)


# Quantifiers and negations carry weight in the learned layer but are not what a lead would
# rewrite; the span moves on to the next word that weighs towards "vague".
_NOT_THE_PREDICATE: Final = _words(
    "no not never none nothing each every all any both either neither"
)


def _vague_spans(
    reading: _Reading, contributions: list[tuple[str, float]]
) -> tuple[VagueSpan, ...]:
    """The words that make a criterion vague: the lexicon's soft cues, or else the words that
    weigh most towards 'vague' in the learned layer, or else the whole text."""
    text = reading.text
    if reading.soft:
        ordered = sorted(reading.soft, key=lambda s: (-s.weight, s.start))
        return tuple(
            VagueSpan(
                s.start,
                s.end,
                text[s.start : s.end],
                _REASONS[s.category].format(w=text[s.start : s.end]),
            )
            for s in ordered
        )
    by_word = {t[2]: t for t in reversed(reading.tokens)}
    shaped = _shape_tokens(reading)
    # The predicate's shape names the vague part better than any single word's weight does.
    shapes_first = sorted(contributions, key=lambda c: not c[0].startswith("shape:"))
    for name, _weight in shapes_first:
        _kind, _sep, word = name.partition(":")
        token = shaped.get(name) or (by_word.get(word) if _sep else None)
        if token is None or word in _STOP_WORDS:
            continue
        start, end, _low = token
        if word in _NOT_THE_PREDICATE or (start > 0 and text[start].isupper()):
            continue  # "No …", "Each …", or a name ("Claude Code SDK"): never the vague part
        if name in ("shape:task", "shape:bare-task"):
            reason = (
                f"'{text[start:end]}' names work to do, not the result that shows it is done: "
                "state what must be true afterwards and how it is checked"
            )
        else:
            reason = _unchecked_reason(text[start:end])
        return (VagueSpan(start, end, text[start:end], reason),)
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    return (
        VagueSpan(
            lead,
            lead + len(stripped),
            stripped,
            "no threshold, count, observable result or named check is stated",
        ),
    )


def _mentions_allowed(reading: _Reading, allowed: tuple[str, ...]) -> bool:
    lowered = reading.masked.lower()
    return any(
        re.search(r"(?<![\w-])" + re.escape(w.strip().lower()) + r"(?![\w-])", lowered)
        for w in allowed
        if w and w.strip()
    )


def _shape_tokens(reading: _Reading) -> dict[str, tuple[int, int, str]]:
    """The word each predicate-shape feature is about (for the range of the finding)."""
    tokens = [t for t in reading.tokens if t[2] not in reading.allowed]
    out: dict[str, tuple[int, int, str]] = {}
    if tokens:
        out["shape:ends-participle"] = out["shape:bare-participle"] = tokens[-1]
    for i, token in enumerate(tokens):
        w = token[2]
        if w in _COPULAS and i + 1 < len(tokens) and "shape:copula-adjective" not in out:
            out["shape:copula-adjective"] = out["shape:bare-adjective"] = tokens[i + 1]
            out["shape:copula-participle"] = tokens[i + 1]
        if w.endswith("ly") and len(w) > 4 and w not in _NOT_ADVERBS:
            out.setdefault("shape:adverb", token)
        if w in _DONE_STATES and w not in _NOUN_TOO:
            # The last done-state word: "Engine pinned and documented" points at "documented".
            for name in ("shape:done-state", "shape:bare-done-state", "shape:copula-done-state"):
                out[name] = token
        if len(w) > 5 and w.endswith(_EVALUATIVE_MODIFIER) and i + 1 < len(tokens):
            out.setdefault("shape:evaluative-modifier", token)
    attributive = _attributive_soft(reading)
    if attributive:
        out["soft:attributive"] = attributive[0]
    label_end = reading.label_end
    opening = next((t for t in tokens if t[0] >= label_end), None)
    if opening is not None:
        out["shape:task"] = out["shape:bare-task"] = opening
    return out


_STOP_WORDS: Final = _words(
    "the a an and or of to in on for with by from at as is are be been it its this that all"
)


# Done-state verbs by what they leave out, for the explanation.
_WRITTEN: Final = _words(
    "documented written described outlined recorded captured noted explained summarized "
    "summarised drafted"
)
_DECIDED: Final = _words(
    "defined established agreed planned decided specified designed chosen scoped identified "
    "determined finalized finalised redefined"
)
_BUILT: Final = _words(
    "implemented built added created integrated configured wired deployed installed "
    "developed set setup enabled supported handled migrated completed done"
)


# Participles that say an activity took place, not what it found or must show.
_ACTIVITY: Final = _words(
    "performed conducted considered organized organised maintained addressed explored "
    "investigated researched discussed evaluated assessed"
)
# Participles that say something was changed or tidied, not what is true afterwards.
_CHANGED: Final = _words(
    "cleaned updated revised revisited tidied polished reworked refactored restructured cleaned-up"
)
# Participles that say work happened, not what is true once it has (the kinds above).
_DONE_STATES: Final = (
    _WRITTEN | _DECIDED | _BUILT | _ACTIVITY | _CHANGED | _words("demonstrated prepared")
)
# Words that make a clause's predicate, for the subject's head and the verb tests.
_COPULAS_MODALS: Final = _COPULAS | _MODALS
_PREDICATE_WORDS: Final = _COPULAS_MODALS | _DONE_STATES | _FINITE_VERBS


def _unchecked_reason(word: str) -> str:
    low = word.lower()
    if low in _WRITTEN:
        return (
            f"'{word}' says something was written, not what it must contain: "
            "name the sections or the example it must have"
        )
    if low in _DECIDED:
        return (
            f"'{word}' says something was decided, not what: "
            "name the values, the rule or the document that holds them"
        )
    if low in _ACTIVITY:
        return (
            f"'{word}' says an activity took place, not what it found: "
            "name the result it must show or the bar it must meet"
        )
    if low in _BUILT:
        return (
            f"'{word}' says something was set up, not how to see that it works: "
            "name the command that exits 0, the test that passes or the output it shows"
        )
    if low.endswith("ed") or low.endswith("en"):
        return (
            f"'{word}' says something was done, not what must be true when it is: "
            "name the result, the content or the check that shows it"
        )
    if low.endswith("ly"):
        return f"'{word}' says how, with no bar to check it against: give a number or a result"
    return (
        f"'{word}' leaves the outcome to judgement: name the result, the count or the check "
        "that settles it"
    )


# ---------------------------------------------------------------------------------------------
# Messages and rewrites
# ---------------------------------------------------------------------------------------------

_FIX_HINTS: Final[dict[str, str]] = {
    "tests": "name the suite and the pass count, e.g. 'All 42/42 integration tests passing'",
    "performance": "give a metric and a limit, "
    "e.g. 'P95 response time under 200 ms at 50 requests/s'",
    "documentation": "say what the docs must contain, e.g. 'README documents installation and "
    "configuration, each with a runnable example'",
    "security": "name the scan and the bar, e.g. 'Zero critical vulnerabilities reported by "
    "the dependency scanner in CI'",
    "quality": "name a tool and a bar, e.g. 'ruff check reports zero warnings'",
    "functional": "name an observable result, e.g. 'POST /login returns 200 and a session "
    "token for valid credentials'",
    "release": "name the artefact and where it lands, e.g. 'v1.2.0 published to PyPI'",
    "other": "state a pass/fail check: a number, a count (N/N), a command or a named artefact",
}

_REWRITES: Final[dict[str, tuple[str, ...]]] = {
    "performance": (
        "P95 response time < <N> ms under <N> requests/s",
        "Throughput >= <N> requests/s with error rate < <N>%",
        "Peak memory < <N> MB during the <benchmark> run",
    ),
    "tests": (
        "All <N>/<N> tests in <suite> passing",
        "Unit test coverage >= <N>%",
        "Zero failing tests in CI on <branch>",
    ),
    "documentation": (
        "README documents <topic> with at least 1 runnable example",
        "API reference lists all <N> public endpoints, each with a request/response example",
        "Every command in <doc file> runs without errors on a fresh clone",
    ),
    "security": (
        "Zero critical or high vulnerabilities reported by <scanner>",
        "All <N>/<N> security tests passing (OWASP top 10)",
        "No secrets found by <secret scanner> in the repository history",
    ),
    "quality": (
        "Zero warnings from <linter> on the changed files",
        "No function above cyclomatic complexity <N>",
        "All <N>/<N> review comments resolved and approved by <N> reviewers",
    ),
    "functional": (
        "<command or endpoint> returns <expected result> for <input>",
        "All <N>/<N> acceptance scenarios in <test file> passing",
        "<action> succeeds in <N>/<N> runs on <environment>",
    ),
    "release": (
        "Version <X.Y.Z> tagged and published to <registry>",
        "Release build passes <N>/<N> smoke tests on <platforms>",
        "Release artefact < <N> MB and signed",
    ),
    "other": (
        "<observable result> verified by <command or test>",
        "<metric> >= <N>, measured by <method>",
        "<N>/<N> <items> meet <named rule>",
    ),
}


def rewrites(text: str, verdict: Verdict | None = None) -> list[str]:
    """Two to four measurable rewrites for a criterion, with <N>-style slots to fill in."""
    if verdict is None:
        verdict = analyze(text)
    options = list(_REWRITES.get(verdict.topic, _REWRITES["other"]))
    categories = {_category_of(s.reason) for s in verdict.spans}
    quantity = next((s for s in verdict.spans if _category_of(s.reason) == _QUANTITY), None)
    if quantity is not None and not verdict.placeholder:
        # A vague quantity becomes a count in place: "Most tests passing" -> "<N>/<N> tests
        # passing" (and any other vague part still gets its slot).
        options.insert(0, slot_rewrite(text, verdict) or quantity.word)
    elif not verdict.placeholder and not verdict.measurable:
        slotted = slot_rewrite(text, verdict)
        if slotted:
            options.insert(0, slotted)
        if _STATE in categories or _JUDGEMENT in categories:
            options.append(_subject(text) + " verified by <command or test>, which exits 0")
    seen: list[str] = []
    for option in options:
        if option not in seen:
            seen.append(option)
    return seen[:4]


def slot_rewrite(text: str, verdict: Verdict | None = None) -> str:
    """The criterion itself with a visible ``<…>`` slot for the bar it lacks ("" when it is
    measurable or a placeholder).

    Its subject and predicate stay as written (status tags aside); a vague quantity gives way
    to a count in place. The placeholder check keeps reporting the result until the slot is
    filled in.
    """
    if verdict is None:
        verdict = analyze(text)
    if verdict.measurable or verdict.placeholder:
        return ""
    quantity = next((s for s in verdict.spans if _category_of(s.reason) == _QUANTITY), None)
    if quantity is not None:
        text = text[: quantity.start] + "<N>/<N>" + text[quantity.end : _MAX_CHARS]
    kept = _TRAILING_STATUS_RE.sub("", _STATUS_RE.sub("", text[:_MAX_CHARS]))
    kept = " ".join(kept.split()).rstrip(" .;:,")
    others = [s for s in verdict.spans if _category_of(s.reason) != _QUANTITY]
    if not kept or (quantity is not None and not others):
        return kept
    first = others[0] if others else None
    kind = _category_of(first.reason) if first is not None else ""
    if first is not None and not any(
        first.reason.endswith(t.split("'{w}'", 1)[-1]) for t in _REASONS.values()
    ):
        kind = ""  # the learned layer's finding, not a lexicon category
    if first is not None and first.reason == _unchecked_reason(first.word):
        kind = _STATE if first.reason.startswith(f"'{first.word}' says something") else ""
    return kept + _SLOTS.get(kind, _SLOTS[""])


@lru_cache(maxsize=1)
def _slot_re() -> re.Pattern[str]:
    """The slots the rewrites write (not a comparison or a generic in the criterion itself)."""
    slots = {"<N>"} | {m for t in _SLOTS.values() for m in re.findall(r"<[^<>]+>", t)}
    return re.compile("|".join(re.escape(s) for s in sorted(slots, key=len, reverse=True)))


def slot_snippet(rewrite: str) -> str | None:
    """A slot rewrite as an LSP snippet: each ``<…>`` slot a tab stop of its own (two ``<N>``
    are two values), its text kept as the default so that a slot left as it is still reads as
    one; ``$``, ``}`` and ``\\`` escaped; the cursor at the end. None without slots."""
    if "<" not in rewrite or _slot_re().search(rewrite) is None:
        return None

    def escape(chunk: str) -> str:
        return chunk.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")

    out: list[str] = []
    last = 0
    for number, m in enumerate(_slot_re().finditer(rewrite), start=1):
        out.append(escape(rewrite[last : m.start()]))
        out.append(f"${{{number}:{escape(m.group(0))}}}")
        last = m.end()
    out.append(escape(rewrite[last:]))
    return "".join(out) + "$0"


# The bar each kind of vagueness lacks, as a slot appended to the criterion.
_SLOTS: Final[dict[str, str]] = {
    _STATE: ": <what it must contain or show>, checked by <command or test> (<N>/<N> passing)",
    _SUBJECTIVE: ": <metric> within <N> <unit>, measured by <method>",
    _CHANGE: ": <metric> from <N> to <N> <unit>, measured by <method>",
    _JUDGEMENT: ": <N>/<N> <users or reviewers> <observable result>",
    _OPEN: ": <the concrete list or artefact>, <N>/<N> present",
    _CONFIGURED: ": <metric> within <N> <unit>, measured by <method>",
    "": ", checked by <command or test> (<N>/<N> passing)",
}


def _category_of(reason: str) -> str:
    for category, template in _REASONS.items():
        tail = template.split("'{w}'", 1)[-1]
        if tail and reason.endswith(tail):
            return category
    return _OPEN


def _subject(text: str) -> str:
    """The criterion's subject: its words before the first soft cue or verb, tidied."""
    masked, _ = _mask(text[:_MAX_CHARS])
    words = [m.group(0) for m in _TOKEN_RE.finditer(masked)]
    kept: list[str] = []
    for w in words:
        low = w.lower()
        if low in _LEXICON or low in _COPULAS or low in _CONJ or low in _CONTEXT_WORDS:
            break
        kept.append(w)
    return " ".join(kept[:6]) or "<items>"


def headline(verdict: Verdict) -> str:
    """One-line diagnostic message: what is wrong and how to fix it."""
    if verdict.placeholder:
        first = verdict.reasons[0] if verdict.reasons else "the criterion is template text"
        return f"Placeholder criterion: {first}; replace it with a real pass/fail check"
    if verdict.measurable:
        return "Criterion is measurable: " + (verdict.reasons[0] if verdict.reasons else "ok")
    hint = _FIX_HINTS.get(verdict.topic, _FIX_HINTS["other"])
    if verdict.reasons:
        return f"Vague criterion: {verdict.reasons[0]}; {hint}"
    return f"Vague criterion: no pass/fail check is stated; {hint}"
