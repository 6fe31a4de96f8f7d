"""Swedish UI names for the spec's code values (translated to English through Babel)."""
from flask_babel import lazy_gettext as _l

LABELS = {
    "service_type": {
        "arbetsprovning": _l("Arbetsprövning"),
        "arbetstraning": _l("Arbetsträning"),
        "praktik": _l("Praktik"),
        "utredning": _l("Utredning av arbetsförmåga"),
    },
    "rate_unit": {"hour": _l("per timme"), "day": _l("per dag"), "week": _l("per vecka"),
                  "package": _l("paketpris")},
    "provider_status": {"applied": _l("Ansökt"), "approved": _l("Godkänd"), "rejected": _l("Avslagen"),
                        "suspended": _l("Avstängd"), "terminated": _l("Avslutad")},
    "role": {"admin": _l("Administratör"), "case_worker": _l("Handläggare"), "finance": _l("Ekonomi"),
             "management": _l("Ledning"),
             "provider": _l("Anordnare"), "client": _l("Deltagare")},
    "document_kind": {"f_skatt": _l("F-skattebevis"), "registration": _l("Registreringsbevis"),
                      "insurance": _l("Försäkringsbevis"), "credit_check": _l("Kreditupplysning")},
    "settlement_status": {"draft": _l("Utkast"), "approved": _l("Godkänd")},
    "line_kind": {"hours": _l("Timmar"), "days": _l("Dagar"), "weeks": _l("Veckor"),
                  "package_start": _l("Paket, startdel"), "package_completion": _l("Paket, slutdel"),
                  "bonus_result": _l("Resultatbonus"), "bonus_sustained": _l("Bonus, varaktigt resultat"),
                  "adjustment": _l("Justering")},
    "end_reason": {"completed": _l("Genomförd"), "result": _l("Resultat"),
                   "interrupted": _l("Avbruten"), "switched": _l("Bytt anordnare")},
    "chosen_by": {"client": _l("Deltagaren"), "case_worker": _l("Handläggaren"),
                  "default": _l("Ickevalsalternativ")},
    "outcome_kind": {"employment": _l("Arbete"), "studies": _l("Studier")},
    "offering_status": {"draft": _l("Utkast"), "published": _l("Publicerad"),
                        "withdrawn": _l("Tillbakadragen"), "closed": _l("Stängd")},
    "attendance_status": {"present": _l("Närvarande"), "absent": _l("Frånvaro")},
    "outcome_status": {"pending": _l("Väntar på verifiering"), "verified": _l("Verifierat"),
                       "rejected": _l("Inte godkänt")},
    "employment_form": {"regular": _l("Osubventionerad anställning"), "extratjanst": _l("Extratjänst"),
                        "introduktionsjobb": _l("Introduktionsjobb"), "lonebidrag": _l("Lönebidrag")},
    "warning_reason": {"outside_window": _l("Utanför placeringens giltighetstid"),
                       "over_cap": _l("Över beslutets timtak för veckan"),
                       "absent": _l("Frånvaro"), "zero_hours": _l("Noll timmar")},
    "key_figure": {
        "active": _l("Aktiva placeringar"), "new": _l("Nya placeringar"),
        "praktik_in_use": _l("Praktikplatser i bruk"),
        "chosen_client": _l("Valda av deltagaren"), "chosen_case_worker": _l("Valda av handläggaren"),
        "chosen_default": _l("Ickevalsalternativ"), "results": _l("Resultat (arbete eller studier)"),
        "results_employment_regular": _l("Arbete, osubventionerat"),
        "results_employment_subsidised": _l("Arbete, subventionerat (extratjänst, introduktionsjobb, lönebidrag)"),
        "results_studies": _l("Studier"), "days_to_result": _l("Dagar från start till resultat"),
        "work_or_studies_90": _l("Andel i arbete eller studier 90 dagar efter avslut (%)"),
        "work_or_studies_180": _l("Andel i arbete eller studier 180 dagar efter avslut (%)"),
        "children_new": _l("Nya placeringar, hushåll med barn"),
        "children_waiting_days": _l("Dagar i väntan på placering, hushåll med barn"),
        "cost": _l("Kostnad (kr exkl. moms)"), "cost_per_placement": _l("Kostnad per aktiv placering (kr)"),
        "cost_per_result": _l("Kostnad per resultat (kr)"),
        "households_forsorjningsstod": _l("Hushåll med försörjningsstöd"),
        "local_unemployment": _l("Arbetslöshet i kommunen (%)"),
    },
    "figure_dimension": {"total": _l("Totalt"), "service_type": _l("Insatstyp"), "provider": _l("Anordnare"),
                         "gender": _l("Kön"), "age_band": _l("Åldersgrupp"), "newly_arrived": _l("Nyanländ")},
    "figure_group": {"total": _l("Totalt"), "F": _l("Kvinnor"), "M": _l("Män"), "18-24": _l("18–24 år"),
                     "25-64": _l("25–64 år"), "other": _l("Övriga åldrar"), "yes": _l("Nyanlända"),
                     "no": _l("Inte nyanlända")},
}


def label(kind: str, code) -> str:
    if code is None:
        return ""
    return str(LABELS.get(kind, {}).get(code, code))
