"""Interface languages: English and Russian, chosen by a visible switch and remembered.

The choice is ``?lang=`` (which also sets a cookie), else the cookie, else the browser's
Accept-Language. Content is shown in the language it exists in; templates mark every
piece of content with its own ``lang`` so that a Russian quote on an English page is read
(and hyphenated, and spoken) as Russian.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, g, request
from flask_babel import Babel, get_locale, get_translations
from werkzeug.datastructures import MultiDict

from archive.catalogue.common import pick_text, vocabulary
from archive.collection.vocabulary import INTERFACE_LANGUAGES
from webapp.hit_titles import hit_title

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
COOKIE_AGE = 365 * 24 * 3600


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in INTERFACE_LANGUAGES:
        return asked
    remembered = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if remembered in INTERFACE_LANGUAGES:
        return remembered
    return request.accept_languages.best_match(INTERFACE_LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]


def interface_language() -> str:
    """The request's interface language, worked out once per request (a page asks hundreds of
    times: every label, language name and translated word)."""
    try:
        return g._ui_lang  # type: ignore[no-any-return]
    except AttributeError:
        pass
    lang = str(get_locale() or "en")
    g._ui_lang = lang
    return lang


def switch_url(lang: str) -> str:
    """This page in another interface language (the query string kept, ``lang`` replaced)."""
    args = MultiDict(request.args)
    args.setlist("lang", [lang])
    query = "&".join(f"{k}={v}" for k, v in _encoded(args))
    return f"{request.path}?{query}"


def _encoded(args: MultiDict) -> list[tuple[str, str]]:
    from urllib.parse import quote

    return [(quote(k, safe=""), quote(v, safe="")) for k, values in args.lists() for v in values]


def _translations() -> Any:
    """The request's message catalogue (Flask-Babel's, kept in ``g`` for the request)."""
    try:
        return g._ui_translations
    except AttributeError:
        pass
    found = g._ui_translations = get_translations()
    return found


def label(kind: str, term_id: str | None) -> str:
    """A vocabulary label in the interface language (the vocabulary comes from the archive)."""
    if "vocabulary" not in g:
        g.vocabulary = vocabulary(current_app.extensions["archive"].engine)
    return g.vocabulary.label(kind, term_id, interface_language())


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    # the same callables Flask-Babel installs, with the catalogue looked up once per request
    # rather than on each of a page's hundreds of ``_()`` calls
    # install_gettext_callables is added to the environment by the jinja2.ext.i18n extension, which
    # Flask-Babel loads; Environment's type has no record of it
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )

    @app.before_request
    def _check_language() -> None:
        for asked in request.args.getlist("lang"):  # every one: the API also reads them as a facet
            if asked not in INTERFACE_LANGUAGES:
                abort(400, description=f"unknown language {asked[:40]!r}; expected one of: "
                                       f"{', '.join(INTERFACE_LANGUAGES)}")

    @app.after_request
    def _remember(response: Any) -> Any:
        asked = request.args.get("lang")
        if asked in INTERFACE_LANGUAGES:
            response.set_cookie(app.config["LANGUAGE_COOKIE"], asked, max_age=COOKIE_AGE, samesite="Lax",
                                httponly=True)
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
        return response

    app.add_template_filter(language_name, "language_name")

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {
            "ui_lang": interface_language(),
            "languages": INTERFACE_LANGUAGES,
            "switch_url": switch_url,
            "label": label,
            "pick_text": lambda texts: pick_text(texts, interface_language()),
            # a search hit's title in the page's language (webapp/hit_titles.py)
            "hit_title": lambda hit: hit_title(hit, g.viewer, label),
        }


def compile_catalogues() -> None:
    """Compile ``messages.po`` into ``messages.mo`` where missing or older (as ``pybabel compile``)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)


def language_name(code: str | None) -> str:
    """A language's name in the interface language (Babel's CLDR data): ``ru`` → "Russian" / "русский"."""
    if not code:
        return ""
    return _language_name(code, interface_language())


@lru_cache(maxsize=1024)
def _language_name(code: str, lang: str) -> str:
    from babel import Locale

    name = Locale.parse(lang).languages.get(code, code)
    return name[:1].upper() + name[1:]
