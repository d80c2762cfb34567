"""A synthetic bilingual (Russian/English) collection for search-quality tests and the relevance benchmark.

Everything here is made up by code for the tests: the people, names, places and sentences are
synthetic and belong to nobody. The collection is small and built so that each kind of search a
historian relies on has documents that must come back and documents that must not: case forms,
word families, ё/е, names in either script and gender, places that belong to a person but not to
their quotes, Russian text in relatives' details, and words that only withheld records contain.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from archive.access.visibility import ANONYMOUS, Viewer
from archive.search.request import SearchRequest, SearchResult
from tests.support import FIXTURES

RESEARCHER = Viewer(role="researcher")

SOURCE = "synthetic-notes"


def _quote(quote_id: str, themes: list[str] | None = None, stance: str = "critic", **text: str) -> dict[str, Any]:
    original = "ru" if "ru" in text else "en"
    return {"id": quote_id, "text": text, "original_language": original, "themes": themes or [],
            "stance": stance, "source": SOURCE}


def _person(person_id: str, name: str, portrait: dict[str, str], quotes: list[dict[str, Any]],
            **more: Any) -> dict[str, Any]:
    return {
        "id": person_id, "name": name, "role": "interviewee",
        "stance": {"value": more.pop("stance", "critic"), "basis": "stated", "rationale": "Synthetic rationale.",
                   "coded_by": "test suite", "source": SOURCE},
        "portrait": {"text": portrait, "sources": [{"source": SOURCE}]},
        **more, "quotes": quotes,
    }


def people() -> list[dict[str, Any]]:
    """The synthetic people of the collection (all invented)."""
    fyodor = _person(
        "fyodor-synthetic", "Fyodor Yolkin (synthetic)", name_native="Фёдор Ёлкин",
        places=[{"name": "Amstelburg", "name_native": "Амстельбург", "relation": "lives", "source": SOURCE}],
        interviews=[{"id": "fyodor-2021", "date": "2021-03-01", "language": "ru", "transcript": {"segments": [{
            "start": "00:00:01", "end": "00:00:05", "speaker": {"name": "Fyodor Yolkin", "role": "interviewee"},
            "text": {"ru": "Я всю жизнь работал на заводе.", "en": "I worked at the factory all my life."},
            "original_language": "ru"}]}}],
        portrait={"en": "A synthetic retired engineer whose father was shot.",
                  "ru": "Вымышленный инженер на пенсии, чьего отца расстреляли."},
        quotes=[
            _quote("fyodor-father-shot", ["the-terror"], ru="Моего отца расстреляли в тридцать восьмом году.",
                   en="My father was shot in thirty-eight."),
            _quote("fyodor-camp", ["the-gulag"], ru="Потом нас отправили в лагерь под Карагандой.",
                   en="Then we were sent to a camp near Karaganda."),
            _quote("fyodor-moved", [], "not-stated", en="I moved to Amstelburg after the war.",
                   ru="После войны я переехал в Амстельбург."),
            _quote("fyodor-children", [], "not-stated", en="The children did not know anything.",
                   ru="Дети ничего не знали."),
            _quote("fyodor-rehabilitated", ["the-terror"], ru="Отца реабилитировали только в пятьдесят шестом.",
                   en="Father was rehabilitated only in fifty-six."),
            _quote("fyodor-nkvd", ["the-terror"], ru="Отца увели в НКВД ночью.",
                   en="Father was taken to the NKVD at night."),
            _quote("fyodor-stalin", [], "admirer", en="Stalin won the war, that is all I know.",
                   ru="Сталин выиграл войну, больше я ничего не знаю."),
            _quote("fyodor-grey", ["the-gulag"], ru="Всё было серым, и зима была долгой.",
                   en="Everything was grey, and the winter was long."),
            {**_quote("fyodor-withheld", ["the-terror"],
                      ru="Соседи погибли, а депортированных увезли в товарных вагонах."),
             "visibility": {"status": "embargoed", "until": "2999-01-01"}},
        ],
    )
    ludmila = _person(
        "ludmila-synthetic", "Ludmila Yolkina (synthetic)", name_native="Людмила Ёлкина",
        portrait={"en": "A synthetic teacher who speaks about the repressions.",
                  "ru": "Вымышленная учительница, которая говорит о репрессиях."},
        family=[{
            "id": "mother", "relation": "mother", "name_native": "Анна Ёлкина",
            "notes": "Так записано в справке: жена врага народа.",
            "events": [{"kind": "exiled", "date": "1938", "place": "Ивовск",
                        "details": "арестована как жена врага народа и сослана", "source": SOURCE}],
        }],
        quotes=[
            _quote("ludmila-repressed-uncle", ["the-terror"], ru="Мой дядя был репрессирован в 1937 году.",
                   en="My uncle was repressed in 1937."),
            _quote("ludmila-repressions", ["the-terror"], ru="Репрессии коснулись каждой семьи.",
                   en="The repressions touched every family."),
            _quote("ludmila-deported", [], ru="Наших соседей депортировали зимой.",
                   en="Our neighbours were deported in winter."),
            _quote("ludmila-brother", [], "not-stated", ru="Брат погиб на фронте.", en="My brother died at the front."),
            _quote("ludmila-fyodor", [], "not-stated", ru="Федор был старше меня на три года.",
                   en="Fedor was three years older than me."),
            _quote("ludmila-shooting", ["the-terror"], ru="Расстрел был в подвале, так говорили.",
                   en="The execution was in a cellar, people said."),
            _quote("ludmila-shot-often", ["the-terror"], ru="Там часто расстреливали по ночам.",
                   en="They often shot people there at night."),
            _quote("ludmila-rehabilitation", [], ru="Реабилитация пришла слишком поздно.",
                   en="Rehabilitation came too late."),
            _quote("ludmila-dekulakisation", [], ru="Раскулачивание разорило деревню.",
                   en="Dekulakisation ruined the village."),
            _quote("ludmila-deportation", [], ru="Депортация длилась три дня.",
                   en="The deportation lasted three days."),
            _quote("ludmila-dekulakised", [], ru="Деда раскулачили, и семья осталась без дома.",
                   en="Grandfather was dekulakised, and the family was left without a home."),
        ],
    )
    john = _person(
        "john-synthetic", "John Smithson (synthetic)",
        portrait={"en": "A synthetic English-speaking narrator born far from the camps."},
        quotes=[
            _quote("john-blacksmith", [], "not-stated", en="Everyone in the village knew Smithson the blacksmith."),
            _quote("john-deportation", [], en="The deportation of the whole street happened at night."),
            _quote("john-child", [], "not-stated", en="My only child was born after the war."),
            _quote("john-executions", ["the-terror"], en="The executions went on all winter."),
            _quote("john-camp-letters", ["the-gulag"], en="Letters from the camp arrived twice a year."),
            _quote("john-waiting", [], "not-stated", en="We waited for news for years and for nothing."),
        ],
    )
    inna = _person(
        "inna-synthetic", "Inna Restrova (synthetic)",
        portrait={"en": "A synthetic restricted narrator."},
        visibility={"status": "restricted", "reason": "synthetic restriction", "review": "2030-01-01"},
        quotes=[_quote("inna-withheld", ["the-terror"], ru="Они погибли в лагере, и никто не узнал почему.",
                       en="They perished in the camp, and nobody learned why.")],
    )
    return [fyodor, ludmila, john, inna]


def write_collection(target: Path) -> Path:
    """The synthetic bilingual collection at ``target`` (the fixture collection's vocabulary and sources)."""
    target.mkdir(parents=True, exist_ok=True)
    base = FIXTURES / "collection"
    shutil.copy(base / "vocabulary.yaml", target / "vocabulary.yaml")
    shutil.copytree(base / "sources", target / "sources")
    collection = yaml.safe_load((base / "collection.yaml").read_text(encoding="utf-8"))
    collection["collection"]["id"] = "synthetic-bilingual"
    collection["collection"]["title"] = "Synthetic bilingual collection (search tests)"
    (target / "collection.yaml").write_text("# SYNTHETIC\n" + yaml.safe_dump(collection, allow_unicode=True),
                                            encoding="utf-8")
    (target / "people").mkdir()
    for person in people():
        (target / "people" / f"{person['id']}.yaml").write_text(
            "# SYNTHETIC test person\n" + yaml.safe_dump(person, allow_unicode=True, sort_keys=False),
            encoding="utf-8")
    return target


def search(archive: Any, query: str = "", viewer: Viewer = ANONYMOUS, within: str | None = None,
           **filters: list[str]) -> SearchResult:
    """The first hundred hits of a search of ``archive``."""
    return archive.search(SearchRequest(query=query, filters={k: tuple(v) for k, v in filters.items()},
                                        per_page=100, within_person=within), viewer)


def ids(result: SearchResult) -> set[str]:
    return {hit.id for hit in result.hits}
