"""Make the English -> German sentence pairs of notebook 11 (a development script).

Usage: python data/make_sentences.py [--out DIR]

Writes ``sentences_en_de.tsv`` (into DIR, by default next to this script) and prints its SHA-256 for
``SHA256SUMS``. Every pair is drawn from the small grammar in the tables below, with a fixed seed, so the
file is the same on every run. The course itself only reads the file.

The grammar
-----------
A sentence is a main clause, optionally with a fronted adverb, optionally followed by a subordinate clause:

    main          S V O            the dog eats the apple          der Hund frisst den Apfel
    adverb        Adv S V O        today the dog eats the apple    heute frisst der Hund den Apfel
    main_sub      S V O conj S V O the man sleeps because the dog eats the apple
                                   der Mann schläft , weil der Hund den Apfel frisst
    adverb_sub    Adv S V O conj S V O

S is the subject (nominative), O are the verb's objects: none (intransitive), one accusative ("sees"), one
dative ("helps": hilft dem Mann) or a dative and an accusative ("gives the dog the apple": gibt dem Hund den
Apfel). After "says", "knows", "thinks" and "hopes" the subordinate clause is a that-clause (", dass ...").
German puts the finite verb second after a fronted adverb (the verb jumps over the subject) and last in a
subordinate clause (it jumps over its objects), and writes a comma before the subordinate clause; English
keeps S V O and has no comma.

A noun phrase is "the" + 0-2 adjectives + noun (a compound such as "teddy bear" is two English words and one
German one: Teddybär), or a proper name (no article). German articles and adjectives follow the noun's gender
and case (weak adjective endings after the definite article: -e in the nominative and in the feminine and
neuter accusative, -en everywhere else); weak masculine nouns add -(e)n outside the nominative (den Jungen,
dem Bären, den Teddybären). The verb agrees with the third person singular present; "eats" is "isst" for a
person and "frisst" for an animal. Verbs choose their subjects and objects by class (human, animal, food,
thing, building, or a named noun), so every sentence makes some sense.

Per pair the file records the phenomena it shows (tags), the finite verb that moves farthest (its index in the
English and in the German tokens) and how far it moves: the number of German tokens it jumps over (see
data/README.md).

The split: for every verb with at least five possible objects, a few (verb, object noun) combinations are held
out, some for validation and others for test. A test sentence holds at least one test combination (and no
validation one); a validation sentence at least one validation combination (and no test one); a training
sentence none of them. Every word, template and verb still occurs in training.
"""
from __future__ import annotations

import argparse
import hashlib
from collections import namedtuple
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FILE_NAME = "sentences_en_de.tsv"
SEED = 11
SIZES = {"train": 20_000, "validation": 1_000, "test": 2_000}
MAX_TOKENS = 20            # at most this many tokens in the English and in the German sentence
HEADER = ("english", "german", "split", "tags", "verb_src", "verb_tgt", "move")
TAGS = ("v2", "verb_final", "subordinate", "case", "selection", "compound", "name")

# --------------------------------------------------------------------------- the words

Noun = namedtuple("Noun", "english gender nom acc dat classes")
# gender m / f / n; None for a proper name (no article). classes: what the noun is, for the verbs' choices.
NOUNS = [Noun(*row) for row in [
    # english       gender  nominative    accusative      dative          classes
    ("man",          "m",  "Mann",        "Mann",         "Mann",         "human"),
    ("woman",        "f",  "Frau",        "Frau",         "Frau",         "human"),
    ("child",        "n",  "Kind",        "Kind",         "Kind",         "human"),
    ("girl",         "n",  "Mädchen",     "Mädchen",      "Mädchen",      "human"),
    ("boy",          "m",  "Junge",       "Jungen",       "Jungen",       "human"),      # weak noun
    ("neighbor",     "m",  "Nachbar",     "Nachbarn",     "Nachbarn",     "human"),      # weak noun
    ("farmer",       "m",  "Bauer",       "Bauern",       "Bauern",       "human"),      # weak noun
    ("dog",          "m",  "Hund",        "Hund",         "Hund",         "animal"),
    ("cat",          "f",  "Katze",       "Katze",        "Katze",        "animal"),
    ("house cat",    "f",  "Hauskatze",   "Hauskatze",    "Hauskatze",    "animal"),
    ("horse",        "n",  "Pferd",       "Pferd",        "Pferd",        "animal"),
    ("bird",         "m",  "Vogel",       "Vogel",        "Vogel",        "animal"),
    ("mouse",        "f",  "Maus",        "Maus",         "Maus",         "animal"),
    ("bear",         "m",  "Bär",         "Bären",        "Bären",        "animal"),     # weak noun
    ("apple",        "m",  "Apfel",       "Apfel",        "Apfel",        "food piece"),
    ("cake",         "m",  "Kuchen",      "Kuchen",       "Kuchen",       "food piece"),
    ("bread",        "n",  "Brot",        "Brot",         "Brot",         "food piece"),
    ("carrot",       "f",  "Karotte",     "Karotte",      "Karotte",      "food piece"),
    ("soup",         "f",  "Suppe",       "Suppe",        "Suppe",        "food"),
    ("cheese",       "m",  "Käse",        "Käse",         "Käse",         "food"),
    ("ball",         "m",  "Ball",        "Ball",         "Ball",         "thing"),
    ("hat",          "m",  "Hut",         "Hut",          "Hut",          "thing"),
    ("bag",          "f",  "Tasche",      "Tasche",       "Tasche",       "thing"),
    ("key",          "m",  "Schlüssel",   "Schlüssel",    "Schlüssel",    "thing"),
    ("house key",    "m",  "Hausschlüssel", "Hausschlüssel", "Hausschlüssel", "thing"),
    ("teddy bear",   "m",  "Teddybär",    "Teddybären",   "Teddybären",   "thing"),      # weak noun
    ("picture",      "n",  "Bild",        "Bild",         "Bild",         "thing"),
    ("book",         "n",  "Buch",        "Buch",         "Buch",         "thing text"),
    ("letter",       "m",  "Brief",       "Brief",        "Brief",        "thing text"),
    ("newspaper",    "f",  "Zeitung",     "Zeitung",      "Zeitung",      "thing text"),
    ("house",        "n",  "Haus",        "Haus",         "Haus",         "building"),
    # proper names: no article, the same form in every case
    ("teddy",        None, "Teddy",       "Teddy",        "Teddy",        "human name"),
    ("anna",         None, "Anna",        "Anna",         "Anna",         "human name"),
    ("paul",         None, "Paul",        "Paul",         "Paul",         "human name"),
    ("lena",         None, "Lena",        "Lena",         "Lena",         "human name"),
]]
ARTICLES = {"nom": {"m": "der", "f": "die", "n": "das"},
            "acc": {"m": "den", "f": "die", "n": "das"},
            "dat": {"m": "dem", "f": "der", "n": "dem"}}

Adjective = namedtuple("Adjective", "english stem order fits")
# order: English and German stack adjectives size (1) before age (2) before colour (3).
# fits: the classes or nouns it goes with; "-word" excludes a noun.
ADJECTIVES = [Adjective(*row) for row in [
    ("big",   "groß",    1, "human animal thing building piece"),
    ("small", "klein",   1, "human animal thing building piece"),
    ("old",   "alt",     2, "human animal thing building -child -boy -girl"),
    ("young", "jung",    2, "human animal -child -boy"),
    ("new",   "neu",     2, "thing building"),
    ("red",   "rot",     3, "thing building apple -text"),
    ("black", "schwarz", 3, "animal thing -text"),
    ("brown", "braun",   3, "animal thing bread -text"),
]]

Verb = namedtuple("Verb", "english german frame subject objects")
# german: one form, or "human-form/animal-form" when the verb depends on the subject.
# frame: the objects' cases in order ("" intransitive, "acc", "dat", "dat acc"), or "that" (a that-clause).
# subject, objects: the classes or nouns allowed (objects: one entry per object, "|" between them).
VERBS = [Verb(*row) for row in [
    # english     german          frame      subject              objects
    ("eats",      "isst/frisst",  "acc",     "human animal",      "food"),
    ("sees",      "sieht",        "acc",     "human animal",      "human animal food thing building"),
    ("likes",     "mag",          "acc",     "human animal",      "human animal food thing building"),
    ("finds",     "findet",       "acc",     "human animal",      "human animal food thing"),
    ("buys",      "kauft",        "acc",     "human",             "food thing building"),
    ("carries",   "trägt",        "acc",     "human animal",      "food thing"),
    ("washes",    "wäscht",       "acc",     "human",             "human animal thing -text"),
    ("draws",     "zeichnet",     "acc",     "human",             "human animal food thing building"),
    ("reads",     "liest",        "acc",     "human",             "text"),
    ("visits",    "besucht",      "acc",     "human",             "human"),
    ("feeds",     "füttert",      "acc",     "human",             "animal"),
    ("chases",    "jagt",         "acc",     "animal",            "animal ball"),
    ("helps",     "hilft",        "dat",     "human animal",      "human animal"),
    ("follows",   "folgt",        "dat",     "human animal",      "human animal"),
    ("gives",     "gibt",         "dat acc", "human",             "human animal | food thing"),
    ("shows",     "zeigt",        "dat acc", "human",             "human | animal food thing building"),
    ("brings",    "bringt",       "dat acc", "human animal",      "human | food thing"),
    ("sends",     "schickt",      "dat acc", "human",             "human | thing"),
    ("sleeps",    "schläft",      "",        "human animal",      ""),
    ("laughs",    "lacht",        "",        "human",             ""),
    ("cries",     "weint",        "",        "human",             ""),
    ("sings",     "singt",        "",        "human bird",        ""),
    ("runs",      "läuft",        "",        "human animal",      ""),
    ("waits",     "wartet",       "",        "human animal",      ""),
    ("swims",     "schwimmt",     "",        "human animal",      ""),
    ("plays",     "spielt",       "",        "human animal",      ""),
    ("barks",     "bellt",        "",        "dog",               ""),
    ("falls",     "fällt",        "",        "human animal thing", ""),
    ("says",      "sagt",         "that",    "human",             ""),
    ("knows",     "weiß",         "that",    "human",             ""),
    ("thinks",    "denkt",        "that",    "human",             ""),
    ("hopes",     "hofft",        "that",    "human",             ""),
]]
ADVERBS = [("today", "heute"), ("now", "jetzt"), ("tomorrow", "morgen"), ("sometimes", "manchmal"),
           ("often", "oft"), ("here", "hier"), ("later", "später")]
CONJUNCTIONS = [("because", "weil"), ("although", "obwohl"), ("while", "während")]   # after any main clause
THAT = ("that", "dass")                                                                # after says/knows/...

# How often each choice is drawn
TEMPLATES = {"main": 0.15, "adverb": 0.20, "main_sub": 0.35, "adverb_sub": 0.30}
THAT_SHARE = 0.25          # of the subordinate clauses, this share is a that-clause
FRAMES = {"main": {"": 0.25, "acc": 0.35, "dat": 0.10, "dat acc": 0.30},
          "sub": {"": 0.10, "acc": 0.35, "dat": 0.10, "dat acc": 0.45}}
ADJECTIVE_COUNT = (0.50, 0.30, 0.20)   # probability of 0, 1, 2 adjectives in a noun phrase with an article
VERB_WEIGHT = {"eats": 4.0}            # relative to 1 for the other verbs of the same frame (isst/frisst is rare)
NAME_WEIGHT = 0.5                      # a name is drawn half as often as a noun
HELD_OUT_SHARE = 0.1       # per verb with >= 5 possible objects: this share for test, as many for validation


# --------------------------------------------------------------------------- the grammar as functions

def features(noun: Noun) -> set:
    """The classes of a noun, and its own English name (so that a verb can ask for "dog")."""
    return set(noun.classes.split()) | {noun.english}


@lru_cache(maxsize=None)
def fits(noun: Noun, allowed: str) -> bool:
    """Whether ``noun`` is one of ``allowed`` (classes or nouns, "-noun" excluded)."""
    words = allowed.split()
    return bool(features(noun) & {w for w in words if not w.startswith("-")}) and \
        not features(noun) & {w[1:] for w in words if w.startswith("-")}


def object_slots(verb: Verb) -> list:
    """[(case, allowed nouns)] of the verb's objects."""
    cases = verb.frame.split() if verb.frame != "that" else []
    return list(zip(cases, [part.strip() for part in verb.objects.split("|")] if cases else []))


def german_verb(verb: Verb, subject: Noun) -> str:
    """The verb's German form, which for "eats" depends on the subject: isst (a person), frisst (an animal)."""
    human, _, animal = verb.german.partition("/")
    return animal if animal and "animal" in features(subject) else human


def noun_phrase(noun: Noun, adjectives: list, case: str) -> tuple:
    """(English tokens, German tokens) of "the" + adjectives + noun in ``case`` (a name alone)."""
    if noun.gender is None:
        return [noun.english], [noun.nom]
    ending = "e" if case == "nom" or (case == "acc" and noun.gender != "m") else "en"  # weak declension
    english = ["the"] + [a.english for a in adjectives] + noun.english.split()
    german = [ARTICLES[case][noun.gender]] + [a.stem + ending for a in adjectives] + [getattr(noun, case)]
    return english, german


def case_visible(noun: Noun, case: str) -> bool:
    """Whether the case shows on the article: any dative, or a masculine accusative (den)."""
    return noun.gender is not None and (case == "dat" or (case == "acc" and noun.gender == "m"))


# --------------------------------------------------------------------------- drawing sentences

Phrase = namedtuple("Phrase", "noun adjectives case")
Clause = namedtuple("Clause", "subject verb objects")


def _pick(rng, items, weights=None):
    """One of ``items``, uniformly or with the given (relative) weights. (Every draw of this script is a
    ``rng.random()``, a uniform float whose stream NumPy has kept the same across versions.)"""
    if weights is None:
        return items[int(rng.random() * len(items))]
    u, total = rng.random() * sum(weights), 0.0
    for item, w in zip(items, weights):
        total += w
        if u < total:
            return item
    return item


def _weighted(rng, weights: dict):
    u, total = rng.random(), 0.0
    for key, w in weights.items():
        total += w
        if u < total:
            return key
    return key


@lru_cache(maxsize=None)
def candidates(allowed: str) -> tuple:
    """The nouns (names included) that fit ``allowed``."""
    return tuple(n for n in NOUNS if fits(n, allowed))


@lru_cache(maxsize=None)
def adjectives_of(noun: Noun) -> tuple:
    """The adjectives that go with ``noun``."""
    return tuple(a for a in ADJECTIVES if fits(noun, a.fits))


def _phrase(rng, allowed: str, case: str, taken: list) -> Phrase:
    """A noun phrase of a noun that fits ``allowed`` and is not in ``taken`` (no noun twice in a sentence)."""
    nouns = [n for n in candidates(allowed) if n not in taken]
    noun = _pick(rng, nouns, [NAME_WEIGHT if n.gender is None else 1.0 for n in nouns])
    if noun.gender is None:
        return Phrase(noun, [], case)
    count = _weighted(rng, dict(enumerate(ADJECTIVE_COUNT)))
    chosen = []
    for _ in range(count):
        options = [a for a in adjectives_of(noun) if a.order not in {c.order for c in chosen}]
        if options:
            chosen.append(_pick(rng, options))
    return Phrase(noun, sorted(chosen, key=lambda a: a.order), case)


def draw_clause(rng, kind: str, frame: str | None = None, taken: tuple = ()) -> Clause:
    """A main (kind "main") or subordinate ("sub") clause whose nouns are not in ``taken``; frame None: drawn
    from FRAMES."""
    frame = _weighted(rng, FRAMES[kind]) if frame is None else frame
    taken = list(taken)
    verbs = [v for v in VERBS_BY_FRAME[frame] if any(n not in taken for n in candidates(v.subject))]
    verb = _pick(rng, verbs, [VERB_WEIGHT.get(v.english, 1.0) for v in verbs])
    subject = _phrase(rng, verb.subject, "nom", taken)
    objects = []
    taken.append(subject.noun)
    for case, allowed in object_slots(verb):
        objects.append(_phrase(rng, allowed, case, taken))
        taken.append(objects[-1].noun)
    return Clause(subject, verb, objects)


VERBS_BY_FRAME = {frame: [v for v in VERBS if v.frame == frame] for frame in ("", "acc", "dat", "dat acc", "that")}
Sentence = namedtuple("Sentence", "english german tags verb_src verb_tgt move")


def realise(main: Clause, adverb=None, conjunction=None, sub: Clause | None = None) -> Sentence:
    """The English and German tokens of a sentence, its tags and its farthest-moving verb."""
    en, de, verbs, nps = [], [], [], []   # verbs: (English index, German index, move)
    subject_en, subject_de = noun_phrase(*main.subject)
    objects = [noun_phrase(*o) for o in main.objects]
    if adverb is not None:          # verb second: Adv V S O, the verb jumps over the subject
        en += [adverb[0]] + subject_en
        de += [adverb[1], german_verb(main.verb, main.subject.noun)] + subject_de
        verbs.append((len(en), 1, len(subject_de)))
        en.append(main.verb.english)
    else:                           # S V O, as in English
        en += subject_en
        de += subject_de
        verbs.append((len(en), len(de), 0))
        en.append(main.verb.english)
        de.append(german_verb(main.verb, main.subject.noun))
    for o_en, o_de in objects:
        en += o_en
        de += o_de
    nps += [main.subject] + list(main.objects)
    if sub is not None:             # conj S O V: the verb jumps over its objects
        en.append(conjunction[0])
        de += [",", conjunction[1]]
        s_en, s_de = noun_phrase(*sub.subject)
        en += s_en
        de += s_de
        verb_en = len(en)
        en.append(sub.verb.english)
        jumped = 0
        for o_en, o_de in (noun_phrase(*o) for o in sub.objects):
            en += o_en
            de += o_de
            jumped += len(o_de)
        verbs.append((verb_en, len(de), jumped))
        de.append(german_verb(sub.verb, sub.subject.noun))
        nps += [sub.subject] + list(sub.objects)
    verb_src, verb_tgt, move = max(verbs, key=lambda v: v[2])       # the first of the farthest
    tags = {"v2": adverb is not None, "verb_final": sub is not None and verbs[-1][2] > 0,
            "subordinate": sub is not None, "case": any(case_visible(p.noun, p.case) for p in nps),
            "selection": any("/" in c.verb.german for c in (main, sub) if c is not None),
            "compound": any(" " in p.noun.english for p in nps), "name": any(p.noun.gender is None for p in nps)}
    return Sentence(" ".join(en), " ".join(de), [t for t in TAGS if tags[t]], verb_src, verb_tgt, move)


def draw_sentence(rng, template: str) -> tuple:
    """(main clause, adverb, conjunction, subordinate clause) of ``template`` (see TEMPLATES), the arguments of
    :func:`realise`; None for the parts the template does not have."""
    adverb = _pick(rng, ADVERBS) if template.startswith("adverb") else None
    if not template.endswith("_sub"):
        return draw_clause(rng, "main"), adverb, None, None
    that = rng.random() < THAT_SHARE
    main = draw_clause(rng, "main", "that" if that else _weighted(rng, FRAMES["main"]))
    conjunction = THAT if that else _pick(rng, CONJUNCTIONS)
    taken = (main.subject.noun,) + tuple(o.noun for o in main.objects)
    return main, adverb, conjunction, draw_clause(rng, "sub", taken=taken)


# --------------------------------------------------------------------------- the split and the file

def possible_objects(verb: Verb) -> list:
    """The English names of every noun that can be an object of ``verb`` (in any of its object slots)."""
    return [n.english for n in NOUNS if any(fits(n, allowed) for _, allowed in object_slots(verb))]


def held_out(rng) -> dict:
    """{"validation": set, "test": set} of (verb, object noun) combinations kept out of training."""
    held = {"validation": set(), "test": set()}
    for verb in VERBS:
        objects = possible_objects(verb)
        if len(objects) < 5:
            continue
        k = max(1, round(HELD_OUT_SHARE * len(objects)))
        order = np.argsort(rng.random(len(objects)), kind="stable")  # (len(objects),) a random order
        held["test"] |= {(verb.english, objects[i]) for i in order[:k]}
        held["validation"] |= {(verb.english, objects[i]) for i in order[k:2 * k]}
    return held


def combinations(main: Clause, adverb=None, conjunction=None, sub: Clause | None = None) -> set:
    """{(English verb, English object noun)} of the sentence's clauses."""
    return {(c.verb.english, o.noun.english) for c in (main, sub) if c is not None for o in c.objects}


def split_of(pairs: set, held: dict) -> str | None:
    """train (no held-out combination), validation or test (combinations of that split only), None (both)."""
    val, test = bool(pairs & held["validation"]), bool(pairs & held["test"])
    return "train" if not (val or test) else None if val and test else "validation" if val else "test"


def generate(seed: int = SEED, sizes: dict = SIZES) -> tuple:
    """(rows of the file without the header, held-out combinations). Each sentence of a split draws its
    template, then draws sentences of that template until one belongs to the split, has at most MAX_TOKENS
    tokens in both languages and is new."""
    rng = np.random.default_rng(seed)
    held = held_out(rng)
    seen, rows = set(), []
    for split, size in sizes.items():
        for _ in range(size):
            template = _weighted(rng, TEMPLATES)
            while True:
                parts = draw_sentence(rng, template)
                if split_of(combinations(*parts), held) != split:
                    continue
                s = realise(*parts)
                if max(len(s.english.split()), len(s.german.split())) <= MAX_TOKENS and s.english not in seen:
                    break
            seen.add(s.english)
            rows.append((s.english, s.german, split, ",".join(s.tags), str(s.verb_src), str(s.verb_tgt),
                         str(s.move)))
    return rows, held


def vocabulary() -> tuple:
    """(English words, German words) that the grammar can write, each sorted."""
    en, de = {"the"} | {THAT[0]}, {",", THAT[1]} | {w for _, w in CONJUNCTIONS}
    en |= {w for w, _ in ADVERBS} | {w for w, _ in CONJUNCTIONS}
    de |= {w for _, w in ADVERBS}
    for verb in VERBS:
        en.add(verb.english)
        roles = [("nom", verb.subject)] + object_slots(verb)
        for noun in NOUNS:
            if fits(noun, verb.subject):
                de.add(german_verb(verb, noun))
            for case, allowed in roles:
                if not fits(noun, allowed):
                    continue
                for adjectives in [[]] + [[a] for a in ADJECTIVES if fits(noun, a.fits)]:
                    e, g = noun_phrase(noun, adjectives, case)
                    en.update(e)
                    de.update(g)
    return sorted(en), sorted(de)


def file_bytes(rows) -> bytes:
    return ("\n".join(["\t".join(HEADER)] + ["\t".join(r) for r in rows]) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="the folder to write the file into")
    args = parser.parse_args()
    rows, _ = generate()
    data = file_bytes(rows)
    (args.out / FILE_NAME).write_bytes(data)
    print(f"wrote {FILE_NAME}: {len(rows)} pairs, {len(data)} bytes, SHA-256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
