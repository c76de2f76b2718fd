"""The sentence translator's data (helpers.sentences) and its generator (data/make_sentences.py).

The grammar checks parse every German sentence with the declension tables below, written out again here from
the rules of German (not copied from the generator), so that a slip in the generator's tables shows up.
"""
import hashlib
import importlib.util
import shutil
import subprocess
import sys

import numpy as np
import pytest

from helpers import sentences as se
from helpers import translation as tr
from helpers.datasets import DATA_DIR
from helpers.seeding import make_rng
from helpers.transformer import init_transformer, transformer_forward

# --------------------------------------------------------------------------- German, written out again

GENDER = {"Mann": "m", "Frau": "f", "Kind": "n", "Mädchen": "n", "Junge": "m", "Nachbar": "m", "Bauer": "m",
          "Hund": "m", "Katze": "f", "Hauskatze": "f", "Pferd": "n", "Vogel": "m", "Maus": "f", "Bär": "m",
          "Apfel": "m", "Kuchen": "m", "Brot": "n", "Karotte": "f", "Suppe": "f", "Käse": "m", "Ball": "m",
          "Hut": "m", "Tasche": "f", "Schlüssel": "m", "Hausschlüssel": "m", "Teddybär": "m", "Bild": "n",
          "Buch": "n", "Brief": "m", "Zeitung": "f", "Haus": "n"}
WEAK = {"Junge": "Jungen", "Nachbar": "Nachbarn", "Bauer": "Bauern", "Bär": "Bären", "Teddybär": "Teddybären"}
ANIMALS = {"Hund", "Katze", "Hauskatze", "Pferd", "Vogel", "Maus", "Bär"}
COMPOUNDS = {"Hauskatze": ("house", "cat"), "Hausschlüssel": ("house", "key"), "Teddybär": ("teddy", "bear")}
NAMES = {"Teddy", "Anna", "Paul", "Lena"}
ARTICLE = {("m", "nom"): "der", ("f", "nom"): "die", ("n", "nom"): "das",
           ("m", "acc"): "den", ("f", "acc"): "die", ("n", "acc"): "das",
           ("m", "dat"): "dem", ("f", "dat"): "der", ("n", "dat"): "dem"}
WEAK_ENDING = {("m", "nom"): "e", ("f", "nom"): "e", ("n", "nom"): "e",     # after the definite article
               ("m", "acc"): "en", ("f", "acc"): "e", ("n", "acc"): "e",
               ("m", "dat"): "en", ("f", "dat"): "en", ("n", "dat"): "en"}
ADJECTIVE_STEMS = {"groß", "klein", "alt", "jung", "neu", "rot", "schwarz", "braun"}
ADVERBS = {"heute", "jetzt", "morgen", "manchmal", "oft", "hier", "später"}
CONJUNCTIONS = {"weil", "obwohl", "während"}
SAYING = {"sagt", "weiß", "denkt", "hofft"}                  # the verbs that take ", dass ..."
DATIVE_VERBS = {"hilft", "folgt"}                            # one object, in the dative
DITRANSITIVE = {"gibt", "zeigt", "bringt", "schickt"}        # a dative, then an accusative
INTRANSITIVE = {"schläft", "lacht", "weint", "singt", "läuft", "wartet", "schwimmt", "spielt", "bellt", "fällt"}
ADJECTIVE_ORDER = {"big": 1, "small": 1, "old": 2, "young": 2, "new": 2, "red": 3, "black": 3, "brown": 3}


@pytest.fixture(scope="module")
def data():
    return se.load_sentences()


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("make_sentences", DATA_DIR / "make_sentences.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lexicon(script):
    """English -> German words of the generator's tables: nouns (by nominative), verbs (their German forms and
    object cases), adjectives (stems), adverbs and conjunctions."""
    frames = {}
    for v in script.VERBS:
        for form in v.german.split("/"):
            frames[form] = v.frame.split() if v.frame != "that" else []
    return {"noun": {n.english: n.nom for n in script.NOUNS}, "frame": frames,
            "verb": {v.english: set(v.german.split("/")) for v in script.VERBS},
            "adjective": {a.english: a.stem for a in script.ADJECTIVES},
            "word": dict(script.ADVERBS + script.CONJUNCTIONS + [script.THAT])}


def _german_np(tokens, i, case):
    """The noun phrase at tokens[i] in ``case``, checked against the tables above: (phrase dict, next index)."""
    if tokens[i] in NAMES:
        return {"noun": tokens[i], "adjectives": [], "start": i, "stop": i + 1, "visible": False}, i + 1
    article, j, stems = tokens[i], i + 1, []
    while tokens[j][:1].islower():
        stem = tokens[j][:-2] if tokens[j].endswith("en") else tokens[j][:-1]
        assert stem in ADJECTIVE_STEMS, f"{tokens}: {tokens[j]!r} is not an adjective"
        stems.append((stem, tokens[j][len(stem):]))
        j += 1
    form = tokens[j]
    lemma = next((k for k, v in WEAK.items() if v == form), form)
    gender = GENDER[lemma]
    assert article == ARTICLE[gender, case], f"{tokens}: {article} {form} is not the {case} of {lemma} ({gender})"
    assert all(e == WEAK_ENDING[gender, case] for _, e in stems), f"{tokens}: adjective endings of {lemma}, {case}"
    assert form == (WEAK[lemma] if lemma in WEAK and case != "nom" else lemma), f"{tokens}: {form} in the {case}"
    visible = case == "dat" or (case == "acc" and gender == "m")
    return {"noun": lemma, "adjectives": [s for s, _ in stems], "start": i, "stop": j + 1, "visible": visible}, j + 1


def parse_german(sentence, frames):
    """[main clause, subordinate clause (if any)], each {"verb", "verb_index", "move", "subject", "objects",
    "first"}; asserts verb second / verb final, the commas, the cases and the agreement on the way."""
    tokens = sentence.split()
    assert tokens.count(",") <= 1 and tokens[-1] != ","
    cut = tokens.index(",") if "," in tokens else len(tokens)
    clauses = []
    # main clause: [Adv V | ] S [V] O...
    i, adverb = 0, tokens[0] in ADVERBS
    if adverb:
        verb_index, i = 1, 2
    subject, i = _german_np(tokens, i, "nom")
    if not adverb:
        verb_index, i = i, i + 1
    verb = tokens[verb_index]
    objects = []
    for case in frames[verb]:
        phrase, i = _german_np(tokens, i, case)
        objects.append(phrase)
    assert i == cut, f"{sentence}: the main clause ends at {i}, not at the comma ({cut})"
    move = subject["stop"] - subject["start"] if adverb else 0
    clauses.append(dict(verb=verb, verb_index=verb_index, move=move, subject=subject, objects=objects,
                        first=tokens[0] if adverb else None))
    if cut < len(tokens):  # , conj S O... V
        conj = tokens[cut + 1]
        assert conj == "dass" if verb in SAYING else conj in CONJUNCTIONS, f"{sentence}: {verb} ... {conj}"
        subject, i = _german_np(tokens, cut + 2, "nom")
        sub_verb = tokens[-1]
        objects = []
        for case in frames[sub_verb]:
            phrase, i = _german_np(tokens, i, case)
            objects.append(phrase)
        assert i == len(tokens) - 1, f"{sentence}: the subordinate clause's verb is not last"
        clauses.append(dict(verb=sub_verb, verb_index=len(tokens) - 1, move=len(tokens) - 1 - subject["stop"],
                            subject=subject, objects=objects, first=conj))
    else:
        assert verb not in SAYING, f"{sentence}: {verb} without its that-clause"
    for clause in clauses:  # isst for a person, frisst for an animal
        if clause["verb"] in ("isst", "frisst"):
            assert (clause["verb"] == "frisst") == (clause["subject"]["noun"] in ANIMALS), sentence
    return clauses


def parse_english(sentence, lexicon):
    """[main clause, subordinate clause (if any)], each {"verb", "verb_index", "subject", "objects", "first"},
    nouns and adjectives translated with the generator's lexicon, for comparison with parse_german."""
    tokens = sentence.split()
    verbs = [i for i, w in enumerate(tokens) if w in lexicon["verb"]]
    assert len(verbs) in (1, 2) and "," not in tokens and sentence == sentence.lower(), sentence
    clauses, start = [], 0
    for v in verbs:
        first = tokens[start] if tokens[start] in lexicon["word"] else None  # an adverb or a conjunction
        stop = next((i for i in range(v + 1, len(tokens)) if tokens[i] in lexicon["word"]), len(tokens))
        subject = _english_nps(tokens[start + (first is not None):v], lexicon)
        assert len(subject) == 1, sentence
        clauses.append(dict(verb=tokens[v], verb_index=v, subject=subject[0],
                            objects=_english_nps(tokens[v + 1:stop], lexicon),
                            first=lexicon["word"][first] if first else None))
        start = stop
    assert start == len(tokens), sentence
    return clauses


def _english_nps(tokens, lexicon):
    """Noun phrases ("the" + adjectives + noun, or a name) -> [(German noun, German adjective stems)]."""
    phrases, i = [], 0
    while i < len(tokens):
        if tokens[i] != "the":
            phrases.append((lexicon["noun"][tokens[i]], []))
            i += 1
            continue
        j = i + 1
        while tokens[j] in lexicon["adjective"]:
            j += 1
        order = [ADJECTIVE_ORDER[a] for a in tokens[i + 1:j]]
        assert order == sorted(set(order)), f"{tokens}: adjectives go size, age, colour"
        two = " ".join(tokens[j:j + 2])
        noun = two if two in lexicon["noun"] else tokens[j]
        phrases.append((lexicon["noun"][noun], [lexicon["adjective"][a] for a in tokens[i + 1:j]]))
        i = j + len(noun.split())
    return phrases


# --------------------------------------------------------------------------- the file and the split

def test_the_generator_writes_the_shipped_file_byte_for_byte(tmp_path):
    proc = subprocess.run([sys.executable, str(DATA_DIR / "make_sentences.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    written = (tmp_path / se.FILE_NAME).read_bytes()
    assert written == (DATA_DIR / se.FILE_NAME).read_bytes()
    assert hashlib.sha256(written).hexdigest() in proc.stdout
    assert f"{hashlib.sha256(written).hexdigest()}  {se.FILE_NAME}" in (DATA_DIR / "SHA256SUMS").read_text()


def test_a_changed_file_is_refused(tmp_path):
    shutil.copy(DATA_DIR / "SHA256SUMS", tmp_path / "SHA256SUMS")
    text = (DATA_DIR / se.FILE_NAME).read_text(encoding="utf-8")
    (tmp_path / se.FILE_NAME).write_text(text.replace("den Apfel", "der Apfel", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="was changed or damaged"):
        se.load_sentences(tmp_path)


def test_sizes_columns_and_no_sentence_twice(data, script):
    assert {name: len(part) for name, part in data.items()} == script.SIZES == \
        {"train": 20_000, "validation": 1_000, "test": 2_000}
    english = [e for part in data.values() for e in part.english]
    assert len(set(english)) == len(english)
    for part in data.values():
        assert part.verb_src.dtype.kind == part.move.dtype.kind == "i"
        assert all(set(t) <= set(se.TAGS) and list(t) == [x for x in se.TAGS if x in t] for t in part.tags)
        lengths = [max(len(e.split()), len(g.split())) for e, g in zip(part.english, part.german)]
        assert max(lengths) <= script.MAX_TOKENS


def _combinations(sentence, lexicon):
    """{(English verb, English object noun)} of every clause of an English sentence."""
    german_to_english = {g: e for e, g in lexicon["noun"].items()}
    return {(c["verb"], german_to_english[o[0]]) for c in parse_english(sentence, lexicon) for o in c["objects"]}


def test_held_out_combinations_never_occur_in_training(data, script, lexicon):
    held = script.held_out(np.random.default_rng(script.SEED))  # what generate() draws first
    assert held["test"] and held["validation"] and not held["test"] & held["validation"]
    found = {name: [_combinations(e, lexicon) for e in part.english] for name, part in data.items()}
    train = set().union(*found["train"])
    assert not train & (held["test"] | held["validation"])
    for name, other in (("validation", "test"), ("test", "validation")):
        for pairs in found[name]:
            assert pairs & held[name] and not pairs & held[other]
            assert pairs - train  # unseen: a combination that no training sentence has
    assert set().union(*found["test"]) & held["test"] == held["test"]  # every held-out one is tested


def test_every_word_and_phenomenon_occurs_in_training(data, script):
    train = data["train"]
    assert {w for e in train.english for w in e.split()} == set(se.EN_WORDS)
    assert {w for g in train.german for w in g.split()} == set(se.DE_WORDS)
    en, de = script.vocabulary()
    assert (sorted(se.EN_WORDS), sorted(se.DE_WORDS)) == (en, de)
    assert len(set(se.EN_VOCAB)) == len(se.EN_VOCAB) and len(set(se.DE_VOCAB)) == len(se.DE_VOCAB)
    assert se.EN_VOCAB[:3] == se.DE_VOCAB[:3] == tr.SPECIALS and (se.PAD, se.BOS, se.EOS) == (0, 1, 2)
    for part in data.values():
        for tag in se.TAGS:
            assert se.tag_mask(part, tag).sum() >= 0.02 * len(part), tag
        assert set(range(9)) <= set(part.move.tolist())


# --------------------------------------------------------------------------- the grammar, from the data

def test_the_generators_genders_and_verbs_are_those_of_german(script, lexicon):
    assert {n.nom: n.gender for n in script.NOUNS if n.gender} == GENDER
    assert {n.nom: n.acc for n in script.NOUNS if n.acc != n.nom} == WEAK
    assert all(n.acc == n.dat for n in script.NOUNS)  # singular: no dative -e, weak nouns -(e)n in both
    assert {de: tuple(en.split()) for en, de in lexicon["noun"].items() if " " in en} == COMPOUNDS
    frames = lexicon["frame"]
    assert {v for v, f in frames.items() if f == ["dat"]} == DATIVE_VERBS
    assert {v for v, f in frames.items() if f == ["dat", "acc"]} == DITRANSITIVE
    assert {v for v, f in frames.items() if not f} == INTRANSITIVE | SAYING
    assert all(f in ([], ["acc"], ["dat"], ["dat", "acc"]) for f in frames.values())


def test_german_grammar_tags_and_moves_follow_from_the_data(data, lexicon):
    for part in data.values():
        for n, (english, german) in enumerate(zip(part.english, part.german)):
            de = parse_german(german, lexicon["frame"])
            en = parse_english(english, lexicon)
            assert len(en) == len(de), english
            for e, d in zip(en, de):  # the same words, clause by clause
                assert d["verb"] in lexicon["verb"][e["verb"]] and e["first"] == d["first"], (english, german)
                phrases = [d["subject"]] + d["objects"]
                assert [(p["noun"], p["adjectives"]) for p in phrases] == [e["subject"]] + e["objects"], english
            moves = [d["move"] for d in de]
            k = int(np.argmax(moves))  # the first of the farthest
            assert (part.verb_src[n], part.verb_tgt[n], part.move[n]) == \
                (en[k]["verb_index"], de[k]["verb_index"], moves[k]), english
            g = german.split()
            phrases = [p for d in de for p in [d["subject"]] + d["objects"]]
            tags = {"v2": de[0]["first"] is not None, "verb_final": len(de) == 2 and de[1]["move"] > 0,
                    "subordinate": len(de) == 2, "case": any(p["visible"] for p in phrases),
                    "selection": bool({"isst", "frisst"} & set(g)),
                    "compound": any(p["noun"] in COMPOUNDS for p in phrases), "name": bool(NAMES & set(g))}
            assert part.tags[n] == tuple(t for t in se.TAGS if tags[t]), (german, part.tags[n])


def test_the_grammar_checks_refuse_wrong_german():
    cases = {("today the dog eats the apple", "heute frisst der Hund den Apfel"),
             ("the small boy gives the dog the red ball", "der kleine Junge gibt dem Hund den roten Ball")}
    frames = {"frisst": ["acc"], "gibt": ["dat", "acc"], "sagt": [], "zeigt": ["dat", "acc"], "hilft": ["dat"]}
    for _, german in cases:
        parse_german(german, frames)
    clauses = parse_german("Anna sagt , dass die Frau dem alten Bären das neue Haus zeigt", frames)
    assert [c["move"] for c in clauses] == [0, 6]
    for wrong in ["heute der Hund frisst den Apfel", "der Hund frisst der Apfel", "der Hund hilft den Jungen",
                  "der Hund hilft dem kleine Jungen", "Anna sagt dass die Frau dem Hund das Haus zeigt",
                  "Anna sagt , dass die Frau zeigt dem Hund das Haus", "der Hund hilft dem Junge",
                  "die Katze isst den Apfel"]:
        with pytest.raises((AssertionError, KeyError, IndexError)):
            parse_german(wrong, frames | {"isst": ["acc"]})


# --------------------------------------------------------------------------- tokens and batches

def test_tokens_round_trip(data):
    for part in data.values():
        for english, german in zip(part.english[:300], part.german[:300]):
            assert " ".join(se.tokenize_english(english)) == english
            assert " ".join(se.tokenize_german(german)) == german
    assert se.tokenize_german("heute frisst der Hund den Apfel , weil") == \
        ["heute", "frisst", "der", "Hund", "den", "Apfel", ",", "weil"]
    src, lengths = se.encode_english(["today the dog eats the apple", "anna sleeps"])
    assert src.shape == (2, 6) and lengths.tolist() == [6, 2] and np.all(src[1, 2:] == se.PAD)
    assert se.decode_english(src[1]) == "anna sleeps"


def test_batches_are_padded_and_shifted_by_one(data):
    part = data["test"]
    b = se.make_batch(part, [0, 5, 9])
    assert isinstance(b, tr.Batch) and b.src.shape == (3, b.src_lengths.max()) and b.tgt_in.shape == b.tgt_out.shape
    for row, n in enumerate([0, 5, 9]):
        L, S = b.tgt_lengths[row], b.src_lengths[row]
        assert L == len(part.german[n].split()) + 1 and S == len(part.english[n].split())
        assert b.tgt_in[row, 0] == se.BOS and b.tgt_out[row, L - 1] == se.EOS
        np.testing.assert_array_equal(b.tgt_in[row, 1:L], b.tgt_out[row, :L - 1])
        assert np.all(b.tgt_in[row, L:] == se.PAD) and np.all(b.src[row, S:] == se.PAD)
        assert se.decode_german(b.tgt_out[row]) == part.german[n]
        assert se.decode_english(b.src[row]) == part.english[n]
        assert se.DE_VOCAB[b.tgt_out[row, part.verb_tgt[n]]] == part.german[n].split()[part.verb_tgt[n]]
        assert se.EN_VOCAB[b.src[row, part.verb_src[n]]] == part.english[n].split()[part.verb_src[n]]
    mask = se.tag_mask(part, "v2")
    assert se.make_batch(part, mask).src.shape[0] == mask.sum() == len(se.subset(part, mask))
    assert len(se.make_batch(part).src) == len(part)
    small = se.subset(part, [3, 1])
    assert small.english == [part.english[3], part.english[1]] and small.move.tolist() == part.move[[3, 1]].tolist()
    params = init_transformer(len(se.EN_VOCAB), len(se.DE_VOCAB), 8, 2, 8, 1, make_rng(0), norm="pre")
    logits, _ = transformer_forward(params, b.src, b.tgt_in, 2, b.src_lengths, b.tgt_lengths, "pre")
    assert logits.shape == b.tgt_out.shape + (len(se.DE_VOCAB),)


@pytest.mark.parametrize("call, match", [
    (lambda: se.tokenize_english("the dog eats the pizza"), r"text: unknown English word\(s\) \['pizza'\]"),
    (lambda: se.tokenize_english("The dog sleeps"), "did you mean 'The' -> 'the'"),
    (lambda: se.tokenize_english("   "), "text: expected a sentence of English words"),
    (lambda: se.tokenize_english(3), "text: expected a str"),
    (lambda: se.tokenize_english("<eos>"), "unknown English word"),
    (lambda: se.tokenize_german("der hund schläft"), "did you mean 'hund' -> 'Hund'"),
    (lambda: se.encode_english([]), "texts: expected a non-empty list"),
    (lambda: se.encode_english("the dog sleeps"), "texts: expected a list of English sentences"),
    (lambda: se.encode_english(["the dog sleeps", "the dig sleeps"]), r"texts\[1\]: unknown English"),
    (lambda: se.encode_german(["der Hund schläft", ""]), r"texts\[1\]: expected a sentence of German words"),
    (lambda: se.decode_german([1, 4, len(se.DE_VOCAB)]), "ids: expected token ids in"),
    (lambda: se.decode_english([1.0, 4.0]), "ids: expected integer token ids"),
])
def test_bad_words_and_ids_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_batches_are_named(data):
    part = data["validation"]
    with pytest.raises(ValueError, match="pairs: expected a SentencePairs"):
        se.make_batch(data)
    with pytest.raises(ValueError, match=r"index: expected pair indices in \[0, 1000\)"):
        se.make_batch(part, [0, 1000])
    with pytest.raises(ValueError, match="index: expected at least one pair index"):
        se.make_batch(part, [])
    with pytest.raises(ValueError, match=r"index: expected a bool mask of shape \(1000,\)"):
        se.make_batch(part, np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match="index: expected integer pair indices"):
        se.subset(part, [0.5])
    with pytest.raises(ValueError, match="tag: expected one of"):
        se.tag_mask(part, "verb-second")
    with pytest.raises(ValueError, match="pairs: expected at least one sentence pair"):
        se.tag_mask(se.SentencePairs([], [], [], np.zeros(0, int), np.zeros(0, int), np.zeros(0, int)), "v2")
    with pytest.raises(ValueError, match="data_dir: expected a file path"):
        se.load_sentences(3)
