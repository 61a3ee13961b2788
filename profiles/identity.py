"""Who is who, as pure functions (no database): folded names, name compatibility, ORCID iDs.

Used by the importers (`works.importers.names`: may this name-only author be that researcher?)
and by the claim checklist (`claims.selectors`: does the claimed name match the record?), so
both decide by the same rule.

**Folding** keeps every script. A name is decomposed (NFKD: compatibility forms such as
full-width letters become plain ones), case-folded, stripped of the combining marks that
*decorate* a letter (accents, Arabic and Hebrew vowel points), and recomposed (NFC, so Hangul
syllables and kana come back whole). Marks that make a *different letter* are kept: nukta,
kana voicing marks (が is not か) and virama (combining classes 7, 8, 9). A handful of Latin
letters that Unicode does not decompose but bibliographic sources write in ASCII (ł, ø, ı, đ,
ð, þ, æ, œ, ħ) are spelled out. Everything that is not a letter, mark or digit separates words.

**No transliteration across scripts.** Per-character libraries (anyascii, unidecode) read Han
characters in Mandarin even in Japanese names (山田 → "Shan Tian", not Yamada), romanise Hangul
in one system while people use another (김 → "Gim", published as Kim), and pick one of several
Cyrillic standards (Юрий → Yuriy, published as Yuri, Iurii or Jurij). Matching through them
would miss most real pairs and invent false ones, so a name matches only names in its own
script; across scripts, records are linked by identifiers (ORCID, OpenAlex) or by the name
variants a record already lists.

**Compatibility** (conservative on purpose: two people must not be merged on a name):

- "Family, Given" is read family first; any other name in an alphabetic script is read
  "Given … Family", the family name being the last word as written ("Chien-Peng Yuan",
  "Jan van der Berg": family "Berg"). Family-name-first without a comma is recognised for names
  in Chinese, Japanese and Korean scripts, where it is the norm; as those scripts are often
  written without spaces and a family name cannot be told from the given name without a
  dictionary, such names are compared whole, spaces ignored ("山田 太郎" = "山田太郎").
- The folded family names are equal, and the given names agree token by token, *as many on
  each side*: an initial agrees with a name starting with that letter, two full names must be
  equal. So "J. Feng" ~ "Jiashi Feng" and "C. -P. Yuan" ~ "Chien-Peng Yuan", but
  "J. Feng" ≁ "Jiashi Wei Feng" (a missing middle name could be someone else's), "J. Feng" ≁
  "Kai Feng", and a name without given names matches only another without.

**ORCID iDs**: `orcid_normalise` reads the forms people paste (URL, with or without hyphens,
lower-case x) into `0000-0002-1825-0097`; `orcid_parse` also requires the check character of
ISO 7064 MOD 11-2, so a mistyped iD is not taken for someone's identity.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Combining classes of marks that make another letter rather than decorate one: nukta (7),
# kana voicing marks (8), virama (9).
KEPT_MARK_CLASSES = frozenset({7, 8, 9})
# Latin letters without a decomposition that sources routinely write in ASCII (after casefold).
LATIN_SPELLED_OUT = str.maketrans(
    {"ł": "l", "ø": "o", "ı": "i", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ħ": "h"}
)
# Name prefixes of the characters of scripts written family name first, often without spaces.
EAST_ASIAN_PREFIXES = ("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC")
# "Family, Given" with an ASCII, Arabic, full-width or ideographic comma.
NAME_COMMAS = re.compile("[,\u060c\uff0c\u3001]")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The words of `text`, case, accents and punctuation folded away, every script kept."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(
        c
        for c in decomposed
        if not unicodedata.combining(c) or unicodedata.combining(c) in KEPT_MARK_CLASSES
    )
    composed = unicodedata.normalize("NFC", kept).translate(LATIN_SPELLED_OUT)
    words = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in composed)
    return " ".join(words.split())


def _is_east_asian(word: str) -> bool:
    letters = [c for c in word if unicodedata.category(c)[0] == "L"]
    return bool(letters) and all(
        unicodedata.name(c, "").startswith(EAST_ASIAN_PREFIXES) for c in letters
    )


@dataclass(frozen=True)
class PersonName:
    """A name read for comparison: folded family and given-name tokens, or, for a name in a
    script written without spaces (Chinese, Japanese, Korean), the whole folded name."""

    family: tuple[str, ...]
    given: tuple[str, ...]
    whole: str = ""  # set for East Asian names only: compared as one string

    @property
    def is_whole(self) -> bool:
        return bool(self.whole)


@lru_cache(maxsize=65536)
def parse_name(name: str) -> PersonName:
    """Read "Family, Given", "Given … Family" or an East Asian name (see the module doc)."""
    parts = NAME_COMMAS.split(name, maxsplit=1)
    if len(parts) == 2:
        family, given = (tuple(fold(part).split()) for part in parts)
        if family and all(_is_east_asian(word) for word in family + given):
            return PersonName(family=family, given=given, whole="".join(family + given))
        return PersonName(family=family, given=given)
    folded = fold(name)
    if folded and all(_is_east_asian(word) for word in folded.split()):
        words = folded.split()
        return PersonName(family=(words[0],), given=tuple(words[1:]), whole="".join(words))
    words = name.split()
    if not words:
        return PersonName(family=(), given=())
    return PersonName(
        family=tuple(fold(words[-1]).split()), given=tuple(fold(" ".join(words[:-1])).split())
    )


def _given_agree(a: str, b: str) -> bool:
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a == b


def names_compatible(a: str, b: str) -> bool:
    """May `a` and `b` name the same person? Same family name, given names agreeing one by one
    (initials allowed), as many on each side; East Asian names equal as a whole."""
    x, y = parse_name(a), parse_name(b)
    if x.is_whole or y.is_whole:
        return x.whole == y.whole and x.is_whole
    if not x.family or x.family != y.family or len(x.given) != len(y.given):
        return False
    return all(_given_agree(p, q) for p, q in zip(x.given, y.given, strict=True))


def name_key(name: str) -> str | None:
    """What `names_compatible` requires equal on both sides, as one string: the folded family
    name, the number of given names and the first letter of the first ("wang|1|j"); for an East
    Asian name, the whole folded name ("=山田太郎"). Compatible names have equal keys (the
    converse does not hold), so an index on the keys finds every compatible record, and a
    record with no key (no family name) is compatible with nothing."""
    parsed = parse_name(name)
    if parsed.is_whole:
        return f"={parsed.whole}"
    if not parsed.family:
        return None
    initial = parsed.given[0][0] if parsed.given else ""
    return f"{' '.join(parsed.family)}|{len(parsed.given)}|{initial}"


def name_keys(names: list[str]) -> list[str]:
    """The distinct keys of a record's names (display name and variants), sorted."""
    return sorted({key for name in names if (key := name_key(name)) is not None})


def family_name_surface(name: str) -> str:
    """The family name as written (not folded), for a substring search over stored names; for
    an East Asian name, its longest word (the whole name when written without spaces), which
    the same name written with or without a space both contain."""
    parts = NAME_COMMAS.split(name, maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip()
    words = name.split()
    if not words:
        return ""
    if all(_is_east_asian(word) for word in words):
        return max(words, key=len)
    return words[-1]


# --- ORCID iDs -------------------------------------------------------------------------------

ORCID_SHAPE = re.compile(r"(?:^|[^0-9A-Za-z])(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[0-9Xx])/?$")


def orcid_check_character(digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_normalise(value: object) -> str | None:
    """`https://orcid.org/0000-0002-1825-0097`, `0000000218250097`, … → `0000-0002-1825-0097`;
    None when the value does not have the shape of an iD (the check character is not tested)."""
    if not isinstance(value, str):
        return None
    match = ORCID_SHAPE.search(value.strip())
    if not match:
        return None
    return "-".join(match.groups()).upper()


def orcid_is_valid(orcid: str) -> bool:
    """Does this normalised iD carry the right check character?"""
    digits = orcid.replace("-", "")
    return len(digits) == 16 and orcid_check_character(digits[:15]) == digits[15]


def orcid_parse(value: object) -> str | None:
    """The normalised iD when `value` is a well-formed ORCID iD with a valid check character."""
    orcid = orcid_normalise(value)
    return orcid if orcid is not None and orcid_is_valid(orcid) else None


# Characters that are not text: C0 controls but tab and newline, DEL, C1 controls, lone
# surrogates (no UTF-8 encoding exists for them) and U+FFFE/U+FFFF. XML 1.0 cannot carry most
# of them at all, so one of them in a name made the GraphML export malformed.
NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Line breaks in their other spellings (CR LF, CR, vertical tab, form feed, NEL, LS, PS).
LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
NOT_IN_ONE_LINE = re.compile("[\t\n]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Text as stored and shown: control characters dropped; tab and newline kept in
    multi-line text (abstracts), each a space in one-line text (names, titles, venues).

    Every importer passes its text through here (`works.importers.fields.get_str` and
    `clean_record`), and every export again, for rows stored before it existed.
    """
    value = NOT_TEXT.sub("", LINE_BREAKS.sub("\n", value))
    return value if multiline else NOT_IN_ONE_LINE.sub(" ", value)
