"""The languages of the pages: clients read eight, staff pages stay Swedish and English.

A page language is a catalog code (the folder under app/translations). Each maps to the Babel
locale that formats its numbers, dates and money: easy-to-read Swedish (lättläst, `sv_LL`, not a
CLDR locale) is formatted as Swedish; Dari is `fa_AF`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageLanguage:
    code: str         # catalog folder and the value in /sprak/<code>
    native_name: str  # the language named in itself, for the chooser
    locale: str       # Babel locale for formatting
    html_lang: str    # BCP 47 tag for <html lang>
    rtl: bool = False


CLIENT_LANGUAGES: dict[str, PageLanguage] = {lang.code: lang for lang in (
    PageLanguage("sv", "Svenska", "sv", "sv"),
    PageLanguage("sv_LL", "Lättläst svenska", "sv", "sv"),
    PageLanguage("en", "English", "en", "en"),
    PageLanguage("ar", "العربية", "ar", "ar", rtl=True),
    PageLanguage("fa_AF", "دری", "fa_AF", "fa-AF", rtl=True),
    PageLanguage("so", "Soomaali", "so", "so"),
    PageLanguage("ti", "ትግርኛ", "ti", "ti"),
    PageLanguage("uk", "Українська", "uk", "uk"),
)}
STAFF_LANGUAGES = ("sv", "en")
# A provider may describe an offering in these too; Swedish is Offering.description.
DESCRIPTION_LANGUAGES = tuple(lang for code, lang in CLIENT_LANGUAGES.items() if code != "sv")
DEFAULT_LANGUAGE = "sv"

# The language a case worker records (app.kundval.service.LANGUAGES) -> the page language a client
# is first shown. Farsi readers read Dari's script and most of its words, so Farsi gets Dari.
RECORDED_TO_PAGE = {"sv": "sv", "en": "en", "ar": "ar", "prs": "fa_AF", "fa": "fa_AF",
                    "so": "so", "ti": "ti", "uk": "uk"}

# Where client-facing messages live: every message extracted from these files must be translated
# in every client language (tests/common/test_client_translations.py). Paths are globs from the
# project root. Staff-only files are not listed: their messages may stay untranslated there, and
# staff pages are never shown in these languages anyway.
CLIENT_FACING_SOURCES = (
    "templates/base.html",
    "templates/error.html",
    "templates/client/*.html",
    "templates/start/client.html",
    "templates/privacy/extract_pdf.html",  # the register extract a client downloads from Mina uppgifter
    "app/privacy/extract.py",  # the extract's access-log pages and changes, in words
    "app/kundval/client_views.py",
    "app/kundval/client_messages.py",
    "app/kundval/choice.py",
    "app/kundval/disputes.py",
)
# Client-facing messages defined in files shared with staff pages (the client's form labels).
CLIENT_FACING_MESSAGES = ("Din kod", "Skriv koden du fick av din handläggare.", "Kommentar (frivilligt)",
                          "Första dag hos den nya anordnaren",  # switching (ChooseForm)
                          "Ange ett datum mellan %(first)s och %(last)s.",  # any date field (common.forms)
                          # the message to the client when the first meeting is booked (kundval/handoff.py)
                          "Din första träff", "Du ska träffa %(offering)s %(day)s kl. %(time)s. Plats: %(place)s.",
                          # the error pages' messages (app/web.py)
                          "Formuläret har gått ut. Ladda om sidan och försök igen.", "Förfrågan kunde inte läsas.",
                          "Du har inte behörighet till den här sidan.", "Sidan finns inte.",
                          "Det går inte att göra så här på den här sidan.",
                          "Det du skickade är för stort. En fil får vara högst 5 MB och allt som skickas på en gång "
                          "högst %(mb)d MB.",
                          "För många försök. Vänta en stund och försök igen.",
                          "Något gick fel hos oss. Försök igen om en stund.")
# Lazy-string dicts client pages show ("module:NAME" or "module:NAME[key]" for one group of label()).
CLIENT_FACING_DICTS = (
    "app.kundval.levels:CLIENT_TEXT",
    "app.common.labels:LABELS[service_type]",
    "app.common.labels:LABELS[end_reason]",
    "app.common.labels:LABELS[provider_kind_plain]",
    "app.common.labels:LABELS[role]",
    "app.common.labels:LABELS[chosen_by]",
    # the register extract's attendance, results and settlement lines
    "app.common.labels:LABELS[attendance_status]",
    "app.common.labels:LABELS[outcome_kind]",
    "app.common.labels:LABELS[line_kind]",
)


def page_language(code: str | None) -> PageLanguage:
    return CLIENT_LANGUAGES.get(code or "", CLIENT_LANGUAGES[DEFAULT_LANGUAGE])


def description_for(offering: Any, code: str) -> tuple[str, PageLanguage]:
    """The offering's description in the page language if the provider wrote one, else the Swedish."""
    text = (offering.descriptions or {}).get(code, "").strip()
    if text:
        return text, page_language(code)
    return offering.description or "", page_language(DEFAULT_LANGUAGE)


def from_recorded(recorded: str | None) -> str | None:
    """The page language for a case worker's recorded language, or None if we have no catalog for it."""
    return RECORDED_TO_PAGE.get(recorded or "")
