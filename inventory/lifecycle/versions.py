"""Resolve a platform/version string (as discovery records it or a person types it) to a catalogue cycle.

Steps: normalise the text, find the product from its platform names, then pick the cycle whose match rule is
the most specific one that holds.

Match rules (``CatalogueCycle.match``) are strings in one of two forms:

* ``re:<regex>`` — searched in the normalised text (lower case, single spaces). Worth 4 points.
* a list of space-separated terms, all of which must hold:

  - ``22.04``, ``15.2``, ``2019``, ``10.0.17763`` (starts with a digit): a version prefix. Some version token
    in the text must start with these components, compared number by number (``17.06.04`` matches ``17.6``;
    ``15.20`` does not match ``15.2``). Worth one point per component.
  - ``r2``, ``enterprise|education``: a whole word (any of the ``|`` alternatives). Worth 1 point.
  - ``=10``: the exact word ``10`` (not a version prefix, so ``10.0.22000`` does not count). Worth 1 point.
  - ``!ltsc``: the word must not appear. Worth nothing.

  A leading ``?`` marks a rule that guesses (e.g. the edition is assumed), which lowers the confidence.

The highest score wins; ties go to the earliest version token in the text, then to the cycle whose security
support ends first (the cautious answer), and are reported as ``alternatives``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .catalogue import Catalogue, CatalogueCycle, CatalogueProduct, HardwareNotice

__all__ = [
    "Match",
    "compare_versions",
    "find_hardware_notice",
    "normalise",
    "parse_rule",
    "resolve",
    "resolve_product",
    "tokens",
    "version_at_least",
    "version_key",
]

REGEX_SCORE = 4

# Marks and filler that carry no version meaning.
_NOISE_RE = re.compile(r"\((?:r|tm)\)|[®™©]", re.IGNORECASE)
_SPLIT_RE = re.compile(r"[\s,;/\\_\-:=\"'`|\[\]{}<>]+")
# "2012R2" -> "2012 r2", "14SP4" handled by component split; "SP 4" -> "sp4".
_YEAR_R2_RE = re.compile(r"\b((?:19|20)\d\d)(r\d)\b")
_SP_RE = re.compile(r"\b(sp|update|u)\s+(\d+)\b")
_V_PREFIX_RE = re.compile(r"^v(?=\d)")
_COMPONENT_RE = re.compile(r"\d+|[a-z]+")


def normalise(text: str | None) -> str:
    """Lower case, trademark marks removed, punctuation that separates words turned into single spaces."""
    if not text:
        return ""
    text = _NOISE_RE.sub(" ", text).lower()
    text = _SPLIT_RE.sub(" ", text)
    text = _YEAR_R2_RE.sub(r"\1 \2", text)
    text = _SP_RE.sub(r"\1\2", text)
    return " ".join(text.split())


def _clean_token(token: str) -> str:
    # "(bullseye)" -> "bullseye"; "9.3(10)" keeps its parentheses; "16.12.04)" loses the stray one.
    if token.startswith("(") or token.count("(") != token.count(")"):
        token = token.strip("()")
    token = token.rstrip(".")
    return _V_PREFIX_RE.sub("", token)


def tokens(text: str | None) -> tuple[str, ...]:
    """Words of the normalised text: 'Debian GNU/Linux 11 (bullseye)' -> debian, gnu, linux, 11, bullseye."""
    out = []
    for raw in normalise(text).split(" "):
        token = _clean_token(raw)
        if token:
            out.append(token)
    return tuple(out)


def _components(token: str) -> tuple[int | str, ...]:
    return tuple(int(part) if part.isdigit() else part for part in _COMPONENT_RE.findall(token.lower()))


def version_key(version: str | None) -> tuple[tuple[int, int | str], ...]:
    """Sort key for dotted and parenthesised versions: numbers compare as numbers, letters as text.

    '15.2(7)E4' > '15.2(4)E10', '16.12.04' == '16.12.4', '17.9.4a' > '17.9.4', '18.4R3-S9' > '18.4R3'.
    Letters sort before numbers at the same position, so '7.0 Update 3' style text still orders sensibly.
    """
    text = _V_PREFIX_RE.sub("", (version or "").strip().lower())
    return tuple((1, part) if isinstance(part, int) else (0, part) for part in _components(text))


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as a is older than, the same as, or newer than b."""
    ka, kb = version_key(a), version_key(b)
    return (ka > kb) - (ka < kb)


def version_at_least(version: str, minimum: str) -> bool:
    """For 'minimum approved version' policies: is version >= minimum?"""
    return version_key(version) >= version_key(minimum)


# --- rules ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    text: str
    regex: re.Pattern[str] | None
    prefixes: tuple[tuple[int | str, ...], ...]
    words: tuple[frozenset[str], ...]
    forbidden: frozenset[str]
    guess: bool

    @property
    def weight(self) -> int:
        if self.regex is not None:
            return REGEX_SCORE
        return sum(len(p) for p in self.prefixes) + len(self.words)


@lru_cache(maxsize=4096)
def parse_rule(rule: str) -> _Rule:
    """Parse one match rule; ValueError if it is empty or its regex does not compile."""
    text = rule.strip()
    guess = text.startswith("?")
    if guess:
        text = text[1:].strip()
    if not text:
        raise ValueError("empty rule")
    if text.startswith("re:"):
        try:
            pattern = re.compile(text[3:], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"bad regex: {exc}") from exc
        return _Rule(rule, pattern, (), (), frozenset(), guess)
    prefixes: list[tuple[int | str, ...]] = []
    words: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for term in text.lower().split():
        if term.startswith("!"):
            forbidden.update(t for t in term[1:].split("|") if t)
        elif term.startswith("="):
            words.append(frozenset(t for t in term[1:].split("|") if t))
        elif term[:1].isdigit():
            prefixes.append(_components(term))
        else:
            words.append(frozenset(t for t in term.split("|") if t))
    if not prefixes and not words:
        raise ValueError("a rule needs at least one positive term")
    return _Rule(rule, None, tuple(prefixes), tuple(words), frozenset(forbidden), guess)


def _prefix_position(prefix: tuple[int | str, ...], comps: list[tuple[int | str, ...]]) -> int | None:
    for index, token_comps in enumerate(comps):
        if token_comps[: len(prefix)] == prefix:
            return index
    return None


def _apply(rule: _Rule, text: str, words: set[str], comps: list[tuple[int | str, ...]]) -> int | None:
    """Position of the first version token the rule used (0 if none), or None when the rule fails."""
    if rule.regex is not None:
        found = rule.regex.search(text)
        return None if found is None else text[: found.start()].count(" ")
    if rule.forbidden & words:
        return None
    if any(not (alternatives & words) for alternatives in rule.words):
        return None
    first = len(comps)
    for prefix in rule.prefixes:
        position = _prefix_position(prefix, comps)
        if position is None:
            return None
        first = min(first, position)
    # Word-only rules (codenames, editions) lose position ties to rules that matched a version number.
    return first if rule.prefixes else len(comps)


# --- products ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """Result of resolve(): which product and cycle, and how sure we are.

    product_via: 'platform' (the platform field named it), 'text' (found in the version text) or
    'related' (the named product had no such cycle, a related one did: e.g. IOS XE reporting as 'Cisco IOS').
    confidence: 'high', 'medium' (guessing rule, related product) or 'low' (tie between cycles).
    """

    product: str
    cycle: str
    label: str
    rule: str
    score: int
    product_via: str
    confidence: str
    alternatives: tuple[str, ...] = ()


def _products(catalogue: Catalogue | Iterable[CatalogueProduct]) -> tuple[CatalogueProduct, ...]:
    if isinstance(catalogue, Catalogue):
        return catalogue.products
    return tuple(catalogue)


# Keyed by id(): hashing a frozen product hashes every cycle, which costs more than the lookup saves.
_ALIAS_CACHE: dict[int, tuple[CatalogueProduct, tuple[tuple[str, ...], ...]]] = {}


def _alias_tokens(product: CatalogueProduct) -> tuple[tuple[str, ...], ...]:
    cached = _ALIAS_CACHE.get(id(product))
    if cached is not None and cached[0] is product:
        return cached[1]
    names = {tuple(tokens(name)) for name in (*product.platform_names, product.name, product.product)}
    aliases = tuple(sorted((n for n in names if n), key=len, reverse=True))
    if len(_ALIAS_CACHE) > 4096:
        _ALIAS_CACHE.clear()
    _ALIAS_CACHE[id(product)] = (product, aliases)
    return aliases


def _ngram_starts(words: tuple[str, ...], longest: int) -> dict[tuple[str, ...], int]:
    """First start position of every run of up to `longest` words, for O(1) alias look-ups."""
    starts: dict[tuple[str, ...], int] = {}
    for start in range(len(words)):
        for size in range(1, min(longest, len(words) - start) + 1):
            starts.setdefault(words[start : start + size], start)
    return starts


def _product_candidates(
    products: tuple[CatalogueProduct, ...], platform: str | None, version: str | None
) -> list[tuple[CatalogueProduct, str]]:
    """Products named in the text, best first: longest alias wins, a hit in the platform field beats one in the
    version, earlier beats later."""
    platform_words = tokens(platform)
    # The combined text catches names split across the fields: platform "Windows" + version "Server 2019".
    all_words = platform_words + tokens(version)
    longest = max((len(alias) for product in products for alias in _alias_tokens(product)), default=0)
    fields = ((1, _ngram_starts(platform_words, longest), "platform"), (0, _ngram_starts(all_words, longest), "text"))
    scored: list[tuple[tuple[int, int, int], CatalogueProduct, str]] = []
    for product in products:
        best: tuple[int, int, int] | None = None
        via = ""
        for alias in _alias_tokens(product):
            for field_rank, starts, name in fields:
                start = starts.get(alias)
                if start is None:
                    continue
                key = (len(alias), field_rank, -start)
                if best is None or key > best:
                    best, via = key, name
        if best is not None:
            scored.append((best, product, via))
    scored.sort(key=lambda item: item[0], reverse=True)
    return [(product, via) for _, product, via in scored]


def resolve_product(
    platform: str | None, version: str | None, catalogue: Catalogue | Iterable[CatalogueProduct]
) -> CatalogueProduct | None:
    """The product a platform/version names, without needing a cycle (e.g. 'Windows 10' with no release)."""
    candidates = _product_candidates(_products(catalogue), platform, version)
    return candidates[0][0] if candidates else None


def _eos_sort_key(cycle: CatalogueCycle) -> tuple[int, str]:
    # Cautious tie-break: the cycle whose security support ends first (unknown-but-ended first of all).
    eos = cycle.eos
    if eos is True:
        return (0, "")
    if eos is False:
        return (2, "")
    return (1, eos.isoformat())


def _best_cycle(product: CatalogueProduct, text: str) -> tuple[CatalogueCycle, _Rule, int, tuple[str, ...]] | None:
    words = text.split(" ") if text else []
    cleaned = [_clean_token(w) for w in words]
    word_set = set(cleaned)
    comps = [_components(w) if w[:1].isdigit() else () for w in cleaned]
    comps = [c if c else ("\0",) for c in comps]  # keep positions aligned with the words
    hits: list[tuple[int, int, CatalogueCycle, _Rule]] = []
    for cycle in product.cycles:
        best: tuple[int, int, _Rule] | None = None
        for rule_text in cycle.match:
            rule = parse_rule(rule_text)
            position = _apply(rule, text, word_set, comps)
            if position is None:
                continue
            key = (rule.weight, -position, rule)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is not None:
            hits.append((best[0], best[1], cycle, best[2]))
    if not hits:
        return None
    top = max((score, pos) for score, pos, _, _ in hits)
    tied = sorted((h for h in hits if (h[0], h[1]) == top), key=lambda h: _eos_sort_key(h[2]))
    winner = tied[0]
    return winner[2], winner[3], winner[0], tuple(h[2].cycle for h in tied[1:])


def resolve(
    platform: str | None, version: str | None, catalogue: Catalogue | Iterable[CatalogueProduct]
) -> Match | None:
    """Resolve e.g. ('Windows Server', '2012 R2') or (None, 'Ubuntu 20.04.6 LTS') to a product cycle, or None.

    None when no product is named (e.g. 'Linux 5.15.0') or the product is known but no cycle rule holds
    (e.g. 'Windows 10' with no release or build); use resolve_product() for the product alone.
    """
    products = _products(catalogue)
    candidates = _product_candidates(products, platform, version)
    if not candidates:
        return None
    by_slug = {p.product: p for p in products}
    text = " ".join(t for t in (normalise(platform), normalise(version)) if t)
    # Try the named product first, then products it is known to report as.
    attempts: list[tuple[CatalogueProduct, str]] = []
    primary, via = candidates[0]
    attempts.append((primary, via))
    attempts.extend((by_slug[slug], "related") for slug in primary.related if slug in by_slug)
    for product, product_via in attempts:
        found = _best_cycle(product, text)
        if found is None:
            continue
        cycle, rule, score, alternatives = found
        if alternatives:
            confidence = "low"
        elif rule.guess or product_via == "related":
            confidence = "medium"
        else:
            confidence = "high"
        return Match(
            product=product.product,
            cycle=cycle.cycle,
            label=cycle.label,
            rule=rule.text,
            score=score,
            product_via=product_via,
            confidence=confidence,
            alternatives=alternatives,
        )
    return None


# --- hardware ---------------------------------------------------------------------------------------------------

_MANUFACTURER_ALIASES = {
    "hpe": ("hpe", "hewlett packard enterprise", "hewlett packard", "hp"),
    "cisco": ("cisco", "cisco systems"),
    "dell": ("dell", "dell inc", "dell emc", "dell technologies"),
    "avaya": ("avaya",),
    "juniper": ("juniper", "juniper networks"),
}


def _compact(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "", (text or "").lower())


def _same_manufacturer(notice_maker: str, maker: str) -> bool:
    a, b = _compact(notice_maker), _compact(maker)
    if not a or not b or a in b or b in a:
        return True
    for aliases in _MANUFACTURER_ALIASES.values():
        names = {_compact(alias) for alias in aliases}
        if a in names and b in names:
            return True
    return False


def find_hardware_notice(
    manufacturer: str | None, model: str | None, notices: Catalogue | Iterable[HardwareNotice]
) -> HardwareNotice | None:
    """The notice for a device model/part number ('WS-C2960X-48FPD-L', 'ProLiant DL380p Gen8'), or None.

    Plain match entries are compared with punctuation removed, anywhere in the model; ``re:`` entries are
    regexes against the lower-cased model. The longest matching entry wins.
    """
    items = notices.hardware if isinstance(notices, Catalogue) else tuple(notices)
    compact_model = _compact(model)
    lowered = " ".join((model or "").lower().split())
    if not compact_model:
        return None
    best: tuple[int, HardwareNotice] | None = None
    for notice in items:
        if manufacturer and not _same_manufacturer(notice.manufacturer, manufacturer):
            continue
        for entry in notice.match or (notice.model, *notice.part_numbers):
            if entry.startswith("re:"):
                found = re.search(entry[3:], lowered, re.IGNORECASE)
                size = len(found.group(0)) if found else 0
            else:
                pattern = _compact(entry)
                size = len(pattern) if pattern and pattern in compact_model else 0
            if size and (best is None or size > best[0]):
                best = (size, notice)
    return best[1] if best else None
