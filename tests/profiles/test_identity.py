"""The identity rules (pure): folded names in every script, name compatibility, ORCID iDs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles.identity import (
    family_name_surface,
    fold,
    names_compatible,
    orcid_check_character,
    orcid_is_valid,
    orcid_normalise,
    orcid_parse,
    parse_name,
)

# Letters of several scripts (each a run of code points with no marks or gaps in it).
ALPHABETS = {
    "latin": "abcdefghijklmnopqrstuvwxyzéüñçøł",
    "cyrillic": "абвгдежзиклмнопрстуфхцчшщыэюя",
    "greek": "αβγδεζηθικλμνξοπρστυφχψω",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "devanagari": "कखगघचछजझटठडढतथदधनपफबभमयरलवशसह",
}
EAST_ASIAN = "山田太郎王小明李张伟佐藤花子김민수박지성이영희やまだたろうヤマダタロウ"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("José MÜLLER", "jose muller"),
        ("Ｊｏｓé", "jose"),  # full-width letters are letters
        ("Łukasz Søren Işık", "lukasz soren isik"),
        ("Straße", "strasse"),
        ("O'Brien-Smith", "o brien smith"),
        ("Юрий Гагарин", "юрии гагарин"),
        ("Γιώργος ΠΑΠΑΔΌΠΟΥΛΟΣ", "γιωργοσ παπαδοπουλοσ"),
        ("مُحَمَّد", "محمد"),  # vowel points decorate
        ("山田 太郎", "山田 太郎"),
        ("김민수", "김민수"),  # Hangul syllables come back whole
        ("が", "が"),  # a kana voicing mark makes another letter: kept
        ("क्ष", "क्ष"),  # so does a virama
        ("", ""),
        ("—.,", ""),
    ],
)
def test_it_folds_case_accents_and_punctuation_and_keeps_every_script(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Latin: the importer's and the checklist's old cases.
        ("Jiashi Feng", "Jiashi Feng", True),
        ("J. Feng", "Jiashi Feng", True),
        ("Feng, Jiashi", "Jiashi Feng", True),
        ("Feng, J.", "Jiashi Feng", True),
        ("José Müller", "Jose Muller", True),
        ("Yuan, C. -P.", "Chien-Peng Yuan", True),
        ("Balázs, C.", "Csaba Balazs", True),
        ("Jiashi Feng", "Jiashi Fang", False),
        ("K. Feng", "Jiashi Feng", False),
        ("Feng, Jiashi", "Jun Feng", False),
        ("Feng", "Jiashi Feng", False),
        ("Feng", "Feng", True),
        ("", "Jiashi Feng", False),
        ("", "", False),
        # The case the importer and the checklist used to decide differently.
        ("J. Feng", "Jiashi Wei Feng", False),
        ("J. W. Feng", "Jiashi Wei Feng", True),
        ("Jiashi Feng", "Jiashi Wei Feng", False),
        # Other scripts, both orders.
        ("Юрий Гагарин", "Гагарин, Юрий", True),
        ("Ю. Гагарин", "Юрий Гагарин", True),
        ("Ю. Гагарин", "Алексей Гагарин", False),
        ("Γιώργος Παπαδόπουλος", "Γ. ΠΑΠΑΔΟΠΟΥΛΟΣ", True),
        ("Γιώργος Παπαδόπουλος", "Νίκος Παπαδόπουλος", False),
        ("مُحَمَّد علي", "علي، محمد", True),  # the Arabic comma
        ("محمد علي", "أحمد علي", False),
        # Family name first, written without a comma: Chinese, Japanese, Korean.
        ("山田 太郎", "山田太郎", True),
        ("山田, 太郎", "山田太郎", True),
        ("山田太郎", "山田花子", False),
        ("王小明", "王小明", True),
        ("王小明", "王明", False),
        ("김 민수", "김민수", True),
        ("김민수", "박민수", False),
        # No transliteration: across scripts, names never match.
        ("王小明", "Xiaoming Wang", False),
        ("Юрий Гагарин", "Yuri Gagarin", False),
    ],
)
def test_name_compatibility(a, b, expected):
    assert names_compatible(a, b) is expected
    assert names_compatible(b, a) is expected


def test_a_name_in_a_script_no_longer_folds_to_nothing():
    """The old fold kept [a-z0-9] only: every one of these was "" and matched nothing."""
    for name in ["山田太郎", "김민수", "Юрий Гагарин", "Γιώργος", "محمد علي", "राम शर्मा"]:
        assert fold(name)
        assert names_compatible(name, name)


def words(alphabet: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=2, max_size=8)


def alphabetic_names() -> st.SearchStrategy[tuple[list[str], str]]:
    """(given names, family name) in one of the alphabetic scripts."""
    return st.sampled_from(sorted(ALPHABETS.values())).flatmap(
        lambda alphabet: st.tuples(st.lists(words(alphabet), max_size=3), words(alphabet))
    )


@given(alphabetic_names())
def test_both_orders_of_a_name_are_compatible_and_so_are_its_initials(name):
    given_names, family = name
    natural = " ".join([*given_names, family])
    inverted = f"{family}, {' '.join(given_names)}"
    initials = " ".join([*(g[0] + "." for g in given_names), family])

    assert names_compatible(natural, inverted)
    assert names_compatible(natural, initials)
    assert names_compatible(inverted, initials)


@given(alphabetic_names(), alphabetic_names())
def test_compatibility_is_symmetric(a, b):
    one = " ".join([*a[0], a[1]])
    other = f"{b[1]}, {' '.join(b[0])}"
    assert names_compatible(one, other) == names_compatible(other, one)


@given(alphabetic_names())
def test_a_missing_or_extra_given_name_is_never_compatible(name):
    given_names, family = name
    shorter = " ".join([*given_names[:-1], family])
    if given_names:
        assert not names_compatible(" ".join([*given_names, family]), shorter)


@given(st.text(alphabet=EAST_ASIAN, min_size=2, max_size=6), st.integers(1, 5))
def test_east_asian_names_compare_whole_with_or_without_a_space(name, cut):
    cut = min(cut, len(name) - 1)
    spaced = f"{name[:cut]} {name[cut:]}"
    assert names_compatible(name, spaced)
    assert parse_name(spaced).whole == fold(name)
    assert family_name_surface(spaced) in name


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_never_raises(text):
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    ("value", "normalised", "valid"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097", True),
        ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097", True),
        ("http://orcid.org/0000-0002-1694-233x/", "0000-0002-1694-233X", True),
        ("0000000218250097", "0000-0002-1825-0097", True),
        (" ORCID: 0000-0002-1825-0097 ", "0000-0002-1825-0097", True),
        ("0000-0002-1825-0098", "0000-0002-1825-0098", False),  # wrong check character
        ("0000-0001-0000-0001", "0000-0001-0000-0001", False),
        ("1234-5678", None, False),
        ("10000-0002-1825-0097", None, False),
        (None, None, False),
        (12345, None, False),
    ],
)
def test_orcid_ids_are_normalised_and_checked(value, normalised, valid):
    assert orcid_normalise(value) == normalised
    assert orcid_parse(value) == (normalised if valid else None)


@given(st.text(alphabet="0123456789", min_size=15, max_size=15), st.integers(0, 14))
def test_the_check_character_catches_every_single_digit_error(digits, position):
    orcid = digits + orcid_check_character(digits)
    canonical = "-".join(orcid[i : i + 4] for i in range(0, 16, 4))
    assert orcid_is_valid(canonical)
    wrong = str((int(digits[position]) + 1) % 10)
    typo = digits[:position] + wrong + digits[position + 1 :] + orcid[15]
    assert not orcid_is_valid("-".join(typo[i : i + 4] for i in range(0, 16, 4)))
