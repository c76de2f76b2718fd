"""Make the English -> German number-word pairs of notebook 10 (a development script).

Usage: python data/make_number_words.py [--check-with-num2words]

Writes ``number_words_en_de.tsv`` next to this script: one line per number from 0 to 9,999, with
the columns ``number``, ``english``, ``german`` and ``split`` (train, validation or test), and prints
the file's SHA-256 for ``SHA256SUMS``. The split is by number, drawn once with a fixed seed, so no
test number is ever seen in training. The course itself only reads the file.

The words are written by the two small functions below, which follow the rules of each language:

* English (American usage, as in "three hundred forty-one"): no "and", no commas; tens and units
  joined by a hyphen ("forty-one").
* German: one word without spaces; the units come *before* the tens, joined by "und"
  ("einundvierzig" = one-and-forty); "eins" becomes "ein" before "und", "hundert" and "tausend"
  ("einundzwanzig", "einhundert", "eintausend") and stays "eins" at the end ("einhunderteins").

``--check-with-num2words`` compares every number with the ``num2words`` package (0.5.14, a
development-only dependency: ``pip install num2words==0.5.14``), after removing its British "and"
and commas. For 0 ... 9,999 the two agree on every number in both languages. (Beyond this range they
differ on 9,000 German numbers below a million, all like 101,000, which num2words 0.5.14 writes
"einhunderteinstausend" where German has "einhunderteintausend".)
"""
from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "number_words_en_de.tsv"
LIMIT = 10_000             # numbers 0 ... LIMIT - 1
SPLIT = {"train": 0.8, "validation": 0.1, "test": 0.1}
SEED = 10

EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
DE_UNITS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf",
            "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"]
DE_TENS = ["", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]


def english(n: int) -> str:
    """American English number words for 0 <= n < 10,000."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"n: expected 0 <= n < {LIMIT}, got {n}")
    if n == 0:
        return "zero"
    words = []
    thousands, rest = divmod(n, 1000)
    if thousands:
        words += [_english_below_1000(thousands), "thousand"]
    if rest:
        words.append(_english_below_1000(rest))
    return " ".join(words)


def _english_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = [EN_UNITS[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(EN_TENS[tens] + (f"-{EN_UNITS[units]}" if units else ""))
    elif rest:
        words.append(EN_UNITS[rest])
    return " ".join(words)


def german(n: int) -> str:
    """German number words for 0 <= n < 10,000, one word."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"n: expected 0 <= n < {LIMIT}, got {n}")
    if n == 0:
        return "null"
    thousands, rest = divmod(n, 1000)
    word = _german_below_1000(thousands, final=False) + "tausend" if thousands else ""
    return word + (_german_below_1000(rest, final=True) if rest else "")


def _german_below_1000(n: int, final: bool) -> str:
    """final: this group ends the number (a last 1 is "eins"), else "tausend" follows (it is "ein")."""
    hundreds, rest = divmod(n, 100)
    word = ("ein" if hundreds == 1 else DE_UNITS[hundreds]) + "hundert" if hundreds else ""
    if rest == 1:
        return word + ("eins" if final else "ein")
    if rest < 20:
        return word + (DE_UNITS[rest] if rest else "")
    tens, units = divmod(rest, 10)
    if units:
        word += ("ein" if units == 1 else DE_UNITS[units]) + "und"
    return word + DE_TENS[tens]


def splits(limit: int = LIMIT, seed: int = SEED) -> np.ndarray:
    """The split of every number 0 ... limit - 1, by a random permutation with a fixed seed."""
    order = np.random.default_rng(seed).permutation(limit)  # (limit,)
    names = np.empty(limit, dtype=object)
    start = 0
    for name, fraction in SPLIT.items():
        stop = limit if name == "test" else start + round(fraction * limit)
        names[order[start:stop]] = name
        start = stop
    return names


def compare_with_num2words(limit: int = LIMIT) -> None:
    from num2words import num2words
    diffs = {"english": [], "german": []}
    for n in range(limit):
        theirs = num2words(n).replace(" and", "").replace(",", "")
        if theirs != english(n):
            diffs["english"].append((n, english(n), theirs))
        if num2words(n, lang="de") != german(n):
            diffs["german"].append((n, german(n), num2words(n, lang="de")))
    for language, found in diffs.items():
        print(f"{language}: {len(found)} of {limit} numbers differ from num2words")
        for n, ours, theirs in found[:5]:
            print(f"  {n:>7}: ours {ours!r}, num2words {theirs!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-with-num2words", action="store_true")
    args = parser.parse_args()
    if args.check_with_num2words:
        compare_with_num2words()
    split = splits()
    lines = ["number\tenglish\tgerman\tsplit"] + [f"{n}\t{english(n)}\t{german(n)}\t{split[n]}" for n in range(LIMIT)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    OUT.write_bytes(data)
    print(f"wrote {OUT.name}: {LIMIT} pairs, {len(data)} bytes, SHA-256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
