#!/usr/bin/env python3
"""Generate a SYNTHETIC bilingual collection for benchmarks, in the collection format.

Nothing in the output is real: every person is "Synthetic Person N", every portrait starts
with "SYNTHETIC", the collection is the "SYNTHETIC benchmark collection", and the texts are
random sentences. What is realistic is the shape of the data:

- Russian and English word forms with Zipf frequencies: a few thousand content lemmas per
  language (real words such as лагерь, Сталин, война, camp, war, Stalin, victory, parade
  among the frequent ones, then generated stems), inflected by paradigm (лагерь, лагеря,
  лагерях, лагерем …; camp, camps; work, works, worked, working) plus function words;
- quotes ("segments") with a Russian original and an English translation that use the same
  concepts, timecoded inside interviews, with themes and a stance from the real vocabularies;
- thousands of interviewees with a stance coding, places, interviews, timeline events and
  relatives whose fates (sent to a camp, executed, …) have dates, places and details;
- a few restricted and embargoed records, as a real archive has.

The output is deterministic for a given ``--seed`` (Python's ``random`` only). The sources
have no ``text_file``, so ``archive check`` does not look for the quotes verbatim.

    python benchmarks/generate_synthetic.py --segments 100000 --people 3333 --out /tmp/synthetic --seed 1
    archive check --no-index /tmp/synthetic
"""

from __future__ import annotations

import argparse
import bisect
import functools
import itertools
import json
import math
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

try:
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # PyYAML built without libyaml
    _Dumper = yaml.SafeDumper

ROOT = Path(__file__).resolve().parent.parent
REAL_VOCABULARY = ROOT / "data" / "vocabulary.yaml"
COLLECTION_ID = "synthetic-benchmark"
META_FILE = "synthetic.json"  # parameters of the generation, beside collection.yaml (not read by the archive)
DEFAULT_LEMMAS = 4000
SEGMENTS_PER_PERSON = 30
CONTENT_ZIPF_OFFSET = 10.0

# --- Russian paradigms -------------------------------------------------------------------
# Endings of the singular and plural cases; a form is stem + ending. Weights: how often each
# form occurs in running text (nominative and genitive most).
RU_PARADIGMS: dict[str, tuple[str, ...]] = {
    #            nom  gen  dat  acc  ins   prep  nom.pl gen.pl dat.pl ins.pl  prep.pl
    "m-hard": ("", "а", "у", "", "ом", "е", "ы", "ов", "ам", "ами", "ах"),
    "m-soft": ("ь", "я", "ю", "ь", "ем", "е", "и", "ей", "ям", "ями", "ях"),
    "m-j": ("й", "я", "ю", "й", "ем", "е", "и", "ев", "ям", "ями", "ях"),
    "f-a": ("а", "ы", "е", "у", "ой", "е", "ы", "", "ам", "ами", "ах"),
    "f-ja": ("я", "и", "е", "ю", "ей", "е", "и", "ь", "ям", "ями", "ях"),
    "f-soft": ("ь", "и", "и", "ь", "ью", "и", "и", "ей", "ям", "ями", "ях"),
    "n-o": ("о", "а", "у", "о", "ом", "е", "а", "", "ам", "ами", "ах"),
    "adj": ("ый", "ого", "ому", "ую", "ым", "ом", "ая", "ой", "ое", "ые", "ых", "ыми"),
    "adj-i": ("ий", "ого", "ому", "ую", "им", "ом", "ая", "ой", "ое", "ие", "их", "ими"),
    "verb": ("ать", "аю", "аешь", "ает", "аем", "ают", "ал", "ала", "ало", "али", "ай"),
    "verb-i": ("ить", "ю", "ишь", "ит", "им", "ят", "ил", "ила", "ило", "или", "и"),
}
RU_FORM_WEIGHTS = {
    "m-hard": (30, 20, 6, 10, 8, 8, 6, 6, 2, 2, 2), "m-soft": (30, 20, 6, 10, 8, 8, 6, 6, 2, 2, 3),
    "m-j": (30, 20, 6, 10, 8, 8, 6, 6, 2, 2, 2), "f-a": (30, 20, 6, 12, 8, 8, 6, 6, 2, 2, 2),
    "f-ja": (30, 20, 6, 12, 8, 8, 6, 6, 2, 2, 2), "f-soft": (30, 22, 6, 10, 8, 8, 6, 6, 2, 2, 2),
    "n-o": (30, 20, 6, 10, 8, 8, 6, 6, 2, 2, 2), "adj": (20, 12, 4, 8, 6, 8, 16, 8, 10, 10, 8, 3),
    "adj-i": (20, 12, 4, 8, 6, 8, 16, 8, 10, 10, 8, 3),
    "verb": (12, 10, 3, 14, 5, 8, 14, 10, 4, 14, 2), "verb-i": (12, 10, 3, 14, 5, 8, 14, 10, 4, 14, 2),
}
EN_PARADIGMS = {"n": ("", "s"), "v": ("", "s", "ed", "ing"), "adj": ("", "ly"), "propn": ("",)}
EN_FORM_WEIGHTS = {"n": (70, 30), "v": (25, 20, 40, 15), "adj": (85, 15), "propn": (1,)}

# Real words, in the order of their frequency rank among the content words. Each entry is
# (Russian forms or (stem, paradigm), English forms or (stem, pos)). Irregular forms are
# spelt out; forms with ё test the ё→е folding.
REAL_LEMMAS: list[tuple[object, object]] = [
    (("Сталин", "m-hard"), ("Stalin", "propn")),
    (("войн", "f-a"), ("war", "n")),
    (("лагер", "m-soft"), ("camp", "n")),
    (["отец", "отца", "отцу", "отцом", "отце", "отцы", "отцов", "отцам", "отцах"], ("father", "n")),
    (["мать", "матери", "матерью", "матерей", "матерям", "матерями", "матерях"], ("mother", "n")),
    (("побед", "f-a"), ("victory", "n")),
    (("помн", "verb-i"), ("remember", "v")),
    (("народ", "m-hard"), ("people", "propn")),
    (("страх", "m-hard"), ("fear", "n")),
    (("советск", "adj-i"), ("Soviet", "propn")),
    (["жить", "живу", "живёт", "живём", "живут", "жил", "жила", "жили"], ("live", "v")),
    (("семь", "f-ja"), ("family", "n")),
    (("парад", "m-hard"), ("parade", "n")),
    (("арест", "m-hard"), ("arrest", "n")),
    (("памят", "f-soft"), ("memory", "n")),
    (("работ", "f-a"), ("work", "v")),
    (("стран", "f-a"), ("country", "n")),
    (["вождь", "вождя", "вождю", "вождём", "вожде", "вожди", "вождей"], ("leader", "n")),
    (("геро", "m-j"), ("hero", "n")),
    (("тюрьм", "f-a"), ("prison", "n")),
    (("голод", "m-hard"), ("hunger", "n")),
    (("колхоз", "m-hard"), ("kolkhoz", "n")),
    (("правд", "f-a"), ("truth", "n")),
    (("велик", "adj-i"), ("great", "adj")),
    (("деревн", "f-ja"), ("village", "n")),
    (("завод", "m-hard"), ("factory", "n")),
    (("школ", "f-a"), ("school", "n")),
    (["брат", "брата", "брату", "братом", "брате", "братья", "братьев", "братьями"], ("brother", "n")),
    (("сестр", "f-a"), ("sister", "n")),
    (("солдат", "m-hard"), ("soldier", "n")),
    (("расстрел", "m-hard"), ("execution", "n")),
    (("ссылк", "f-a"), ("exile", "n")),
    (("зн", "verb"), ["know", "knows", "knew", "known", "knowing"]),
    (("сильн", "adj"), ("strong", "adj")),
    (["порядок", "порядка", "порядку", "порядком", "порядке", "порядки"], ("order", "n")),
    (("могил", "f-a"), ("grave", "n")),
    (("ГУЛАГ", "m-hard"), ("Gulag", "propn")),
    (("Ленинград", "m-hard"), ("Leningrad", "propn")),
    (("блокад", "f-a"), ("siege", "n")),
    (("Москв", "f-a"), ("Moscow", "propn")),
    (("Колым", "f-a"), ("Kolyma", "propn")),
    (("парти", "f-ja"), ("party", "n")),
    (("истори", "f-ja"), ("history", "n")),
    (("детств", "n-o"), ("childhood", "n")),
    (("хлеб", "m-hard"), ("bread", "n")),
    (("фронт", "m-hard"), ("front", "n")),
    (["немец", "немца", "немцы", "немцев", "немцами", "немцах"], ("German", "propn")),
    (("перестройк", "f-a"), ("perestroika", "n")),
    (("Горбачёв", "m-hard"), ("Gorbachev", "propn")),
    (("свобод", "f-a"), ("freedom", "n")),
    (["молчание", "молчания", "молчанию", "молчанием", "молчании"], ("silence", "n")),
    (("реабилитаци", "f-ja"), ("rehabilitation", "n")),
    (("ткан", "f-soft"), ("cloth", "n")),
    (("акул", "f-a"), ("shark", "n")),
    (("корм", "m-hard"), ("feed", "v")),
    (("музе", "m-j"), ("museum", "n")),
    (("праздник", "m-hard"), ("holiday", "n")),
    (("ветеран", "m-hard"), ("veteran", "n")),
    (("колюч", "adj-i"), ("barbed", "adj")),
    (("ёлк", "f-a"), ("fir", "n")),
]

RU_FUNCTION = ("и в не на что я с он а как это по но они мы к у же вы за бы так от о из было был была "
               "все уже вот когда там тогда нас нам его её меня мне только ещё даже очень потом всё "
               "там если или до при нет да ни чтобы тоже после где").split()
EN_FUNCTION = ("the and of to a in that it was we i he she they not had my our there but for on with as "
               "at were what all so then when very just about even this his her them us me would could "
               "been from by no yes after where also only").split()

RU_SYLLABLES = [c + v for c in "бвгдзклмнпрстфхчшж" for v in "аеиоуы"]
EN_ONSETS = ["b", "br", "c", "cl", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl",
             "pr", "r", "s", "sl", "st", "t", "tr", "v", "w"]
EN_NUCLEI = ["a", "e", "i", "o", "u", "ea", "ai", "oo"]
EN_CODAS = ["", "n", "r", "l", "t", "m", "nd", "st", "rk", "sh"]

PLACES = [
    ("Moscow", "Москва"), ("Leningrad", "Ленинград"), ("Kolyma", "Колыма"), ("Vorkuta", "Воркута"),
    ("Magadan", "Магадан"), ("Perm", "Пермь"), ("Tver", "Тверь"), ("Kazan", "Казань"),
    ("Novosibirsk", "Новосибирск"), ("Karaganda", "Караганда"), ("Norilsk", "Норильск"), ("Omsk", "Омск"),
    ("Tomsk", "Томск"), ("Kursk", "Курск"), ("Smolensk", "Смоленск"), ("Voronezh", "Воронеж"),
    ("Saratov", "Саратов"), ("Samara", "Самара"), ("Kharkov", "Харьков"), ("Gori", "Гори"),
    ("Solovki", "Соловки"), ("Butovo", "Бутово"), ("Kommunarka", "Коммунарка"), ("Volgograd", "Волгоград"),
    ("Yekaterinburg", "Екатеринбург"), ("Irkutsk", "Иркутск"), ("Krasnoyarsk", "Красноярск"),
    ("Arkhangelsk", "Архангельск"), ("Murmansk", "Мурманск"), ("Kaliningrad", "Калининград"),
]
FATE_DETAILS = {
    "executed": "shot in {year} after an arrest at night",
    "sent-to-camp": "sent to a labour camp in {place} for {n} years",
    "exiled": "exiled to {place} with the whole family",
    "deported": "deported to {place} in a cattle wagon",
    "dekulakised": "dekulakised, the farm and the cow were taken",
    "disappeared": "taken away in {year} and never heard of again",
    "died-in-war": "killed at the front near {place}",
    "survived": "survived the war and came back to {place}",
    "rehabilitated": "rehabilitated in {year}, the family received a certificate",
    "other": "moved to {place} for work",
}
FATE_WEIGHTS = {"sent-to-camp": 30, "executed": 12, "exiled": 10, "deported": 6, "dekulakised": 8,
                "disappeared": 4, "died-in-war": 20, "survived": 25, "rehabilitated": 10, "other": 8}
STANCE_WEIGHTS = {"admirer": 30, "ambivalent": 20, "critic": 30, "not-stated": 20}
SOURCES = [
    ("synthetic-interviews", "SYNTHETIC interview recordings of the benchmark collection", "interview", "2015"),
    ("synthetic-transcripts", "SYNTHETIC transcripts, volume 1", "archive record", "2018"),
    ("synthetic-press-kit", "SYNTHETIC press kit", "press kit", "2017-11"),
    ("synthetic-book", "SYNTHETIC book of testimonies", "book", "2020"),
]
SOURCE_WEIGHTS = (70, 15, 5, 10)


# --- the lexicon --------------------------------------------------------------------------


@dataclass
class Lemma:
    ru_forms: tuple[str, ...]
    ru_weights: tuple[float, ...]  # cumulative
    en_forms: tuple[str, ...]
    en_weights: tuple[float, ...]  # cumulative


def _cumulative(weights) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    return tuple(itertools.accumulate(weights))


def _ru_lemma(spec: object) -> tuple[tuple[str, ...], tuple[float, ...]]:
    if isinstance(spec, list):
        return tuple(spec), _cumulative([1.0 / (i + 1) for i in range(len(spec))])
    stem, paradigm = spec  # type: ignore[misc]
    endings = RU_PARADIGMS[paradigm]
    forms: dict[str, float] = {}
    for ending, weight in zip(endings, RU_FORM_WEIGHTS[paradigm], strict=False):
        if ending.startswith("ы") and stem[-1:] in "гкхжшщч":  # spelling rule: кы → ки
            ending = "и" + ending[1:]
        form = stem + ending
        forms[form] = forms.get(form, 0) + weight
    return tuple(forms), _cumulative(forms.values())


def _en_plural(stem: str) -> str:
    if stem.endswith("y") and stem[-2:-1] not in "aeiou":
        return stem[:-1] + "ies"
    if stem.endswith(("s", "sh", "ch", "x")):
        return stem + "es"
    return stem + "s"


def _en_lemma(spec: object) -> tuple[tuple[str, ...], tuple[float, ...]]:
    if isinstance(spec, list):
        return tuple(spec), _cumulative([1.0 / (i + 1) for i in range(len(spec))])
    stem, pos = spec  # type: ignore[misc]
    forms: dict[str, float] = {}
    for suffix, weight in zip(EN_PARADIGMS[pos], EN_FORM_WEIGHTS[pos], strict=False):
        if suffix == "s":
            form = _en_plural(stem)
        elif suffix in ("ed", "ing") and stem.endswith("e"):
            form = stem[:-1] + suffix
        elif suffix == "ly" and stem.endswith("y"):
            form = stem[:-1] + "ily"
        else:
            form = stem + suffix
        forms[form] = forms.get(form, 0) + weight
    return tuple(forms), _cumulative(forms.values())


def _real_ranks(count: int) -> list[int]:
    """Ranks (0-based) of the real lemmas among the content words: frequent ones first, spread out."""
    ranks, used = [], set()
    for i in range(count):
        rank = int(round(1.6 * (i + 1) ** 1.4)) - 1
        while rank in used:
            rank += 1
        used.add(rank)
        ranks.append(rank)
    return ranks


def build_lexicon(seed: int, size: int = DEFAULT_LEMMAS) -> list[Lemma]:
    """The content lemmas by frequency rank (index 0 most frequent); deterministic for a seed."""
    rng = random.Random(f"lexicon-{seed}")
    size = max(size, _real_ranks(len(REAL_LEMMAS))[-1] + 1)
    lexicon: list[Lemma | None] = [None] * size
    for rank, (ru, en) in zip(_real_ranks(len(REAL_LEMMAS)), REAL_LEMMAS, strict=False):
        lexicon[rank] = Lemma(*_ru_lemma(ru), *_en_lemma(en))
    seen_ru: set[str] = set()
    seen_en: set[str] = set()
    paradigm_weights = {"m-hard": 20, "m-soft": 8, "m-j": 4, "f-a": 18, "f-ja": 8, "f-soft": 6, "n-o": 8,
                        "adj": 10, "adj-i": 2, "verb": 10, "verb-i": 8}
    ru_paradigms = list(paradigm_weights)
    ru_paradigm_weights = _cumulative(paradigm_weights.values())
    en_pos = ["n", "v", "adj"]
    for rank in range(size):
        if lexicon[rank] is not None:
            continue
        paradigm = rng.choices(ru_paradigms, cum_weights=ru_paradigm_weights)[0]
        while True:
            stem = "".join(rng.choice(RU_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3))))
            stem += rng.choice("бвдзклмнпрстх") if paradigm not in ("verb", "verb-i") else rng.choice("длмнрст")
            if stem not in seen_ru:
                seen_ru.add(stem)
                break
        pos = {"verb": "v", "verb-i": "v", "adj": "adj", "adj-i": "adj"}.get(paradigm, "n")
        if pos == "n" and rng.random() < 0.1:
            pos = rng.choice(en_pos)
        while True:
            word = "".join(rng.choice(EN_ONSETS) + rng.choice(EN_NUCLEI) for _ in range(rng.choice((1, 2, 2))))
            word += rng.choice(EN_CODAS)
            if word not in seen_en and word not in EN_FUNCTION and len(word) > 2:
                seen_en.add(word)
                break
        lexicon[rank] = Lemma(*_ru_lemma((stem, paradigm)), *_en_lemma((word, pos)))
    return lexicon  # type: ignore[return-value]


@functools.cache
def zipf_cumulative(n: int, s: float = 1.0, q: float = 0.0) -> tuple[float, ...]:
    """Cumulative Zipf(-Mandelbrot) weights 1 / (rank + q) ** s for ranks 1..n."""
    return tuple(itertools.accumulate(1.0 / (r + 1 + q) ** s for r in range(n)))


class TextMaker:
    """Bilingual segments: one sequence of concepts, rendered in Russian and in English."""

    def __init__(self, lexicon: list[Lemma], rng: random.Random):
        self.lexicon = lexicon
        self.rng = rng
        # Zipf-Mandelbrot over content words: the most frequent one is in about a third of the segments.
        self.concept_cum = zipf_cumulative(len(lexicon), 1.0, CONTENT_ZIPF_OFFSET)
        self.ru_fn_cum = zipf_cumulative(len(RU_FUNCTION), 1.1)
        self.en_fn_cum = zipf_cumulative(len(EN_FUNCTION), 1.1)

    def _pick(self, cum: list[float] | tuple[float, ...]) -> int:
        return bisect.bisect_right(cum, self.rng.random() * cum[-1])

    def concept(self) -> int:
        return min(self._pick(self.concept_cum), len(self.lexicon) - 1)

    def segment(self, ru_words: int) -> tuple[str, str]:
        rng, lexicon = self.rng, self.lexicon
        ru_sentences, en_sentences = [], []
        remaining = ru_words
        while remaining > 0:
            length = min(remaining, rng.randint(5, 16))
            remaining -= length
            concepts = [self.concept() for _ in range(max(1, int(length * 0.6)))]
            ru: list[str] = []
            en: list[str] = []
            for c in concepts:
                lemma = lexicon[c]
                if rng.random() < 0.55:
                    ru.append(RU_FUNCTION[min(self._pick(self.ru_fn_cum), len(RU_FUNCTION) - 1)])
                ru.append(lemma.ru_forms[min(self._pick(lemma.ru_weights), len(lemma.ru_forms) - 1)])
                for _ in range(1 + (rng.random() < 0.35)):
                    if rng.random() < 0.8:
                        en.append(EN_FUNCTION[min(self._pick(self.en_fn_cum), len(EN_FUNCTION) - 1)])
                en.append(lemma.en_forms[min(self._pick(lemma.en_weights), len(lemma.en_forms) - 1)])
            ru_sentences.append(_sentence(ru, rng))
            en_sentences.append(_sentence(en, rng))
        return " ".join(ru_sentences), " ".join(en_sentences)

    def words(self, count: int, lang: str) -> str:
        ru, en = self.segment(count)
        return ru if lang == "ru" else en


def _sentence(words: list[str], rng: random.Random) -> str:
    if len(words) > 6 and rng.random() < 0.4:
        cut = rng.randint(2, len(words) - 3)
        words[cut] = words[cut] + ","
    text = " ".join(words)
    return text[:1].upper() + text[1:] + rng.choice(".....?!")


# --- the collection -----------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _timecode(seconds: float) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def _allocate(total: int, people: int, rng: random.Random) -> list[int]:
    """Segments per person: skewed (a few long testimonies, many short), summing to ``total``."""
    weights = [rng.lognormvariate(0, 0.9) for _ in range(people)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    remainders = sorted(range(people), key=lambda i: (-(weights[i] * scale - counts[i]), i))
    for i in remainders[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _people_dir_name(index: int) -> str:
    return f"synthetic-person-{index:06d}"


def collection_document(segments: int, people: int, seed: int) -> dict:
    return {
        "collection": {
            "id": COLLECTION_ID,
            "title": "SYNTHETIC benchmark collection",
            "title_native": "СИНТЕТИЧЕСКАЯ коллекция для замеров",
            "kind": "synthetic oral-history collection (benchmark data, not real)",
            "year": 2024,
            "languages": ["ru"],
            "subtitle_languages": ["en"],
            "directors": ["Synthetic Generator"],
            "description": {
                "en": f"SYNTHETIC data generated by benchmarks/generate_synthetic.py (seed {seed}): "
                      f"{segments} segments, {people} people. Nothing in it is real.",
                "ru": f"СИНТЕТИЧЕСКИЕ данные (seed {seed}): {segments} фрагментов, {people} человек. "
                      "Ничего из этого не является реальным.",
            },
            "rights": "SYNTHETIC benchmark data; no rights apply.",
        },
        "sources": [
            {"id": sid, "title": title, "kind": kind, "date": date, "language": "ru",
             "notes": "SYNTHETIC source for benchmarks; it has no text file, so quotes are not checked verbatim."}
            for sid, title, kind, date in SOURCES
        ],
    }


class PersonMaker:
    def __init__(self, seed: int, lexicon: list[Lemma], vocabulary: dict):
        self.seed = seed
        self.lexicon = lexicon
        self.themes = [t["id"] for t in vocabulary["themes"]]
        self.theme_cum = zipf_cumulative(len(self.themes), 0.8)
        self.relations = [r["id"] for r in vocabulary["relations"]]
        self.fates = [f["id"] for f in vocabulary["fates"]]
        self.stances = [s["id"] for s in vocabulary["stances"]]
        self.roles = [r["id"] for r in vocabulary["roles"]]
        self.place_cum = zipf_cumulative(len(PLACES), 0.9)
        self.source_ids = [s[0] for s in SOURCES]

    def person(self, index: int, segments: int) -> dict:
        rng = random.Random(f"{self.seed}-person-{index}")
        text = TextMaker(self.lexicon, rng)
        pid = _people_dir_name(index)
        stance = rng.choices(list(STANCE_WEIGHTS), weights=list(STANCE_WEIGHTS.values()))[0]
        stance = stance if stance in self.stances else "not-stated"
        place_pairs = [PLACES[bisect.bisect_right(self.place_cum, rng.random() * self.place_cum[-1])]
                       for _ in range(rng.choice((1, 1, 2)))]
        places = [{"name": en, "name_native": ru, "relation": rng.choice(("lives", "born", "works", "filmed")),
                   "source": "synthetic-interviews", "locator": "SYNTHETIC interview 1"}
                  for en, ru in dict(place_pairs).items()]
        restricted = rng.random()
        visibility = None
        if restricted < 0.01:
            visibility = {"status": "restricted", "reason": "SYNTHETIC restriction"}
        elif restricted < 0.015:
            visibility = {"status": "embargoed", "until": f"{rng.choice((2020, 2031, 2040))}-01-01",
                          "reason": "SYNTHETIC embargo"}
        interviews = []
        for i in range(1, rng.choice((1, 1, 2, 3)) + 1):
            year = rng.randint(1995, 2023)
            interviews.append({
                "id": f"interview-{i}", "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "place": places[0]["name"], "interviewer": f"Synthetic Interviewer {rng.randint(1, 40)}",
                "language": "ru", "media": f"synthetic/{pid}-{i}.mp4", "source": "synthetic-interviews",
                "locator": f"SYNTHETIC interview {i}",
            })
        quotes = []
        clock = {iv["id"]: rng.uniform(10, 120) for iv in interviews}
        for n in range(1, segments + 1):
            ru_text, en_text = text.segment(rng.randint(15, 70))
            interview = rng.choice(interviews)
            start = clock[interview["id"]]
            length = rng.uniform(8, 90)
            clock[interview["id"]] = start + length + rng.uniform(0, 60)
            q_stance = stance if rng.random() < 0.6 else rng.choice(self.stances)
            theme_count = rng.choice((0, 1, 1, 2, 2, 3))
            themes = sorted({self.themes[min(bisect.bisect_right(self.theme_cum, rng.random() * self.theme_cum[-1]),
                                             len(self.themes) - 1)] for _ in range(theme_count)})
            quote: dict = {
                "id": f"{pid}-q{n:04d}",
                "text": {"ru": ru_text, "en": en_text},
                "original_language": "ru",
                "recording": interview["id"],
                "timecode_in": _timecode(start),
                "timecode_out": _timecode(start + length),
                "themes": themes,
                "stance": q_stance,
            }
            if rng.random() < 0.15:
                quote["context"] = f"SYNTHETIC context: asked about {rng.choice(self.themes)}."
            roll = rng.random()
            if roll < 0.02:
                quote["visibility"] = {"status": "restricted", "reason": "SYNTHETIC: names a living person"}
            elif roll < 0.025:
                quote["visibility"] = {"status": "embargoed", "until": f"{rng.choice((2021, 2035))}-06-30"}
            quote["source"] = rng.choices(self.source_ids, weights=SOURCE_WEIGHTS)[0]
            quote["locator"] = f"SYNTHETIC {interview['id']}, {quote['timecode_in']}"
            quotes.append(quote)
        family = []
        for r in range(1, rng.choice((0, 1, 1, 2, 2, 3, 4)) + 1):
            relation = rng.choice(self.relations)
            events = []
            for _ in range(rng.choice((1, 1, 2))):
                kind = _weighted(rng, {k: v for k, v in FATE_WEIGHTS.items() if k in self.fates})
                year = rng.randint(1929, 1956)
                place = PLACES[rng.randrange(len(PLACES))][0]
                event = {"kind": kind,
                         "date": rng.choice((str(year), f"{year // 10}X", f"{year}/{year + rng.randint(1, 10)}")),
                         "place": place,
                         "details": "SYNTHETIC: " + FATE_DETAILS[kind].format(year=year, place=place,
                                                                               n=rng.randint(3, 15)),
                         "source": "synthetic-interviews", "locator": "SYNTHETIC interview 1"}
                events.append(event)
            family.append({"id": f"{relation}-{r}", "relation": relation,
                           "name": f"Synthetic Relative {index}-{r}",
                           "events": events,
                           "notes": "SYNTHETIC relative; " + text.words(rng.randint(5, 15), "en")})
        supporting = [q["id"] for q in quotes if q["stance"] == stance][:2]
        portrait_en = (f"SYNTHETIC portrait of Synthetic Person {index}. "
                       + text.words(rng.randint(20, 60), "en"))
        portrait_ru = (f"СИНТЕТИЧЕСКИЙ портрет: синтетический человек {index}. "
                       + text.words(rng.randint(20, 60), "ru"))
        person: dict = {
            "id": pid,
            "name": f"Synthetic Person {index}",
            "pseudonym": True,
            "role": "interviewee" if "interviewee" in self.roles else self.roles[0],
            "ages": [{"years": rng.randint(18, 99), "as_of": interviews[0]["date"][:4],
                      "source": "synthetic-interviews", "locator": "SYNTHETIC interview 1"}],
            "occupations": [{"value": f"synthetic occupation {rng.randint(1, 200)}",
                             "source": "synthetic-interviews", "locator": "SYNTHETIC interview 1"}],
            "places": places,
            "stance": {
                "value": stance,
                "basis": "none" if stance == "not-stated" else rng.choice(("stated", "described")),
                "rationale": "SYNTHETIC coding made by the benchmark generator, not by an editor.",
                "supporting_quotes": supporting,
                "coded_by": "benchmark generator (SYNTHETIC)",
                "coded_on": "2024-01-01",
                "source": "synthetic-interviews",
                "locator": "SYNTHETIC interview 1",
            },
            "portrait": {"text": {"en": portrait_en, "ru": portrait_ru},
                         "sources": [{"source": "synthetic-interviews", "locator": "SYNTHETIC interview 1"}]},
        }
        if visibility:
            person["visibility"] = visibility
        person["family"] = family
        person["interviews"] = interviews
        person["quotes"] = quotes
        person["events"] = [
            {"date": str(rng.randint(1930, 2020)), "description": {"en": "SYNTHETIC event: " + text.words(8, "en")},
             "place": places[0]["name"], "source": "synthetic-interviews", "locator": "SYNTHETIC interview 1"}
            for _ in range(rng.choice((0, 1, 2)))
        ]
        return person


def _dump(data: object, path: Path, header: str) -> None:
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120,
                     default_flow_style=False)
    path.write_text(header + text, encoding="utf-8")


def generate(out: Path, segments: int, people: int, seed: int, lemmas: int = DEFAULT_LEMMAS) -> dict:
    """Write the collection into ``out`` (replacing it); return a summary."""
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    (out / "people").mkdir(parents=True)
    vocabulary_text = REAL_VOCABULARY.read_text(encoding="utf-8")
    (out / "vocabulary.yaml").write_text(vocabulary_text, encoding="utf-8")
    vocabulary = yaml.load(vocabulary_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    header = "# SYNTHETIC benchmark data written by benchmarks/generate_synthetic.py. Nothing here is real.\n"
    _dump(collection_document(segments, people, seed), out / "collection.yaml", header)
    lexicon = build_lexicon(seed, lemmas)
    maker = PersonMaker(seed, lexicon, vocabulary)
    counts = _allocate(segments, people, random.Random(f"{seed}-allocation"))
    relatives = words = 0
    for index, count in enumerate(counts, start=1):
        person = maker.person(index, count)
        relatives += len(person["family"])
        words += sum(len(q["text"]["ru"].split()) + len(q["text"]["en"].split()) for q in person["quotes"])
        _dump(person, out / "people" / f"{person['id']}.yaml", header)
    summary = {"segments": segments, "people": people, "seed": seed, "lemmas": len(lexicon),
               "relatives": relatives, "words": words, "seconds": round(time.perf_counter() - started, 3),
               "generator": "benchmarks/generate_synthetic.py", "synthetic": True}
    (out / META_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def default_people(segments: int) -> int:
    return max(3, math.ceil(segments / SEGMENTS_PER_PERSON))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=100_000, help="quotes (segments) to write")
    parser.add_argument("--people", type=int, help=f"interviewees (default: segments / {SEGMENTS_PER_PERSON})")
    parser.add_argument("--out", type=Path, required=True, help="the collection folder to write (replaced)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lemmas", type=int, default=DEFAULT_LEMMAS, help="content lemmas per language")
    parser.add_argument("--smoke", action="store_true", help="a tiny collection (300 segments) for CI")
    args = parser.parse_args(argv)
    if args.smoke:
        args.segments, args.people = 300, args.people or 10
    people = args.people or default_people(args.segments)
    if args.segments < 0 or people < 1:
        parser.error("--segments must be >= 0 and --people >= 1")
    summary = generate(args.out, args.segments, people, args.seed, args.lemmas)
    rate = summary["segments"] / max(summary["seconds"], 1e-9)
    print("SYNTHETIC collection written")
    print(f"| {'folder':<14} | {str(args.out)} |")
    for key in ("segments", "people", "relatives", "words", "lemmas", "seed"):
        print(f"| {key:<14} | {summary[key]:,} |")
    print(f"| {'time':<14} | {summary['seconds']:.1f} s ({rate:,.0f} segments/s) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
