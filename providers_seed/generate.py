"""Write providers_seed/demo.json: a believable, deterministic demo import file.

The file follows shared/spec/exchange.md. Run from the project root:
    python3 providers_seed/generate.py
"""
import calendar
import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

SEED = 2026
OUT = Path(__file__).with_name("demo.json")

EMPLOYMENT_FORMS = ("regular", "extratjanst", "regular", "introduktionsjobb", "lonebidrag")
TODAY = date(2026, 11, 24)  # the data shows the situation on this day
REPORTED_UNTIL = date(2026, 11, 20)  # providers have reported up to last Friday
FIRST_START = date(2026, 8, 3)  # the first Monday in August
SUSPENDED_ON = date(2026, 9, 18)  # Jobbfabriken is suspended after this Friday

SERVICE_TYPES = ("arbetsprovning", "arbetstraning", "praktik", "utredning")
LANGUAGES = ("sv", "en", "ar", "so", "ti", "fa", "uk")
MUNICIPALITY = "kommunen"

# key, name, org_nr prefix (legal form), status, street, postal code, city, contact
PROVIDERS = [
    (MUNICIPALITY, "Kommunens arbetsmarknadsenhet", "212000", "approved",
     "Granitvägen 15", "131 81", "Nacka", "Lena Bergström"),
    ("arbetsvagen-nacka", "Arbetsvägen i Nacka AB", "556", "approved",
     "Sickla Industriväg 7", "131 54", "Nacka", "Johan Ekberg"),
    ("steget-vidare", "Steget Vidare AB", "559", "approved",
     "Forumvägen 14", "131 53", "Nacka", "Maria Sjölund"),
    ("nasta-steg", "Kooperativet Nästa Steg ek. för.", "769", "approved",
     "Fisksätra torg 10", "133 41", "Saltsjöbaden", "Amina Yusuf"),
    ("saltsjo-kompetens", "Saltsjö Kompetens AB", "556", "approved",
     "Saltsjöbadsvägen 20", "133 34", "Saltsjöbaden", "Peter Lundgren"),
    ("gemensam-grund", "Föreningen Gemensam Grund", "802", "approved",
     "Ormingeringen 31", "132 36", "Saltsjö-Boo", "Hanna Rostami"),
    ("orminge-aterbruk", "Orminge Återbruk ek. för.", "769", "approved",
     "Edövägen 2", "132 33", "Saltsjö-Boo", "Tomas Wikström"),
    ("sicklaverkstaden", "Sicklaverkstaden AB", "559", "approved",
     "Smedjegatan 4", "131 54", "Nacka", "Nils Hammar"),
    ("boo-tradgard", "Boo Trädgårdskooperativ ek. för.", "769", "approved",
     "Boovägen 50", "132 45", "Saltsjö-Boo", "Karin Almqvist"),
    ("brobyggarna", "Brobyggarna i Fisksätra, ideell förening", "802", "approved",
     "Fisksätra allé 5", "133 41", "Saltsjöbaden", "Mulugeta Tesfamariam"),
    ("rehabkompassen", "Rehabkompassen AB", "556", "approved",
     "Värmdövägen 84", "131 37", "Nacka", "Eva Dahlin"),
    ("alta-bygg", "Älta Bygg & Praktik AB", "559", "applied",
     "Ältavägen 170", "138 33", "Älta", "Goran Petrović"),
    ("jobbfabriken", "Jobbfabriken Norden AB", "556", "suspended",
     "Kvarnholmsvägen 52", "131 31", "Nacka", "Mikael Strand"),
]
# The kind of provider (exchange.md); the others are companies. Brobyggarna works under an IOP.
KINDS = {MUNICIPALITY: "own_unit", "nasta-steg": "social_enterprise", "gemensam-grund": "nonprofit",
         "brobyggarna": "nonprofit"}
IOP = {"brobyggarna"}
# Ideella föreningar and health-care assessments are outside VAT here; the
# municipality's own unit does not charge VAT to itself.
VAT_FREE = {MUNICIPALITY, "gemensam-grund", "brobyggarna", "rehabkompassen"}

# provider, service type, rate unit, title, area, description
OFFERINGS = [
    (MUNICIPALITY, "arbetsprovning", "week", "Arbetsprövning i kommunal verksamhet", "Sickla",
     "Prövning av arbetsförmåga i kommunens egna verksamheter med stöd av arbetskonsulent."),
    (MUNICIPALITY, "arbetstraning", "day", "Arbetsträning i kommunens servicegrupp", "Orminge",
     "Arbetsträning i park, lokalvård och vaktmästeri med arbetsledare på plats."),
    (MUNICIPALITY, "praktik", "hour", "Praktik i kommunens verksamheter", "Sickla",
     "Praktikplats i förskola, äldreomsorg eller kontor, matchad efter intresse."),
    (MUNICIPALITY, "utredning", "package", "Kartläggning och utredning av arbetsförmåga", "Sickla",
     "Sex veckors kartläggning med arbetsterapeut och socialsekreterare, avslutas med utlåtande."),
    ("arbetsvagen-nacka", "praktik", "hour", "Praktik inom lager och logistik", "Sickla",
     "Praktik på lager i Sickla med truckutbildning för den som vill."),
    ("arbetsvagen-nacka", "praktik", "hour", "Praktik i butik och handel", "Sickla",
     "Praktik i butiker i Sickla köpkvarter med handledare från Arbetsvägen."),
    ("arbetsvagen-nacka", "arbetsprovning", "week", "Arbetsprövning inom service och lokalvård",
     "Sickla", "Strukturerad arbetsprövning med veckovis uppföljning och skriftlig bedömning."),
    ("steget-vidare", "arbetstraning", "day", "Arbetsträning på kontor och reception", "Sickla",
     "Arbetsträning i administration, reception och kundtjänst i små grupper."),
    ("steget-vidare", "utredning", "package", "Arbetsförmågebedömning med arbetsterapeut", "Sickla",
     "Åtta veckors bedömning enligt AFU-modellen med samtal, tester och arbetsprövning."),
    ("steget-vidare", "praktik", "hour", "Språkpraktik i restaurangkök", "Sickla",
     "Praktik i storkök med svenska som arbetsspråk och yrkesord på modersmålet."),
    ("nasta-steg", "arbetstraning", "day", "Arbetsträning i kafé och catering", "Fisksätra",
     "Arbetsträning i kooperativets kafé och cateringkök i Fisksätra."),
    ("nasta-steg", "arbetstraning", "week", "Arbetsträning i textilverkstad", "Fisksätra",
     "Sömnad, reparationer och försäljning i kooperativets textilverkstad."),
    ("nasta-steg", "praktik", "day", "Praktik i kooperativets kafé", "Fisksätra",
     "Praktik i kafé med kassa, servering och bakning; möjlighet till anställning i kooperativet."),
    ("saltsjo-kompetens", "utredning", "package", "Utredning av arbetsförmåga, åtta veckor",
     "Saltsjöbaden", "Utredning med arbetsterapeut och psykolog, avslutas med utlåtande."),
    ("saltsjo-kompetens", "arbetsprovning", "hour", "Arbetsprövning med jobbcoach",
     "Saltsjöbaden", "Arbetsprövning hos arbetsgivare i Saltsjöbaden med jobbcoach på plats."),
    ("saltsjo-kompetens", "praktik", "week", "Praktik inom vård och omsorg", "Saltsjöbaden",
     "Praktik på äldreboende med handledning, inriktad mot undersköterskeutbildning."),
    ("gemensam-grund", "praktik", "hour", "Språkpraktik med mentor", "Orminge",
     "Praktik i föreningens verksamhet med en mentor som talar deltagarens språk."),
    ("gemensam-grund", "arbetstraning", "hour", "Arbetsträning i föreningens second hand", "Orminge",
     "Sortering, prissättning och försäljning i second hand-butiken i Orminge centrum."),
    ("orminge-aterbruk", "arbetstraning", "day", "Arbetsträning i återbruksverkstad", "Orminge",
     "Reparation och försäljning av möbler, cyklar och elektronik."),
    ("orminge-aterbruk", "arbetsprovning", "day", "Arbetsprövning på återbruksstationen", "Boo",
     "Prövning av arbetsförmåga i mottagning och sortering på återbruksstationen."),
    ("orminge-aterbruk", "praktik", "week", "Praktik i möbelrenovering", "Orminge",
     "Praktik med snickare och tapetserare i föreningens verkstad."),
    ("sicklaverkstaden", "praktik", "hour", "Praktik inom fordon och verkstad", "Sickla",
     "Praktik i bilverkstad med däckbyten, service och enklare reparationer."),
    ("sicklaverkstaden", "arbetsprovning", "week", "Arbetsprövning i industrimiljö", "Sickla",
     "Arbetsprövning i montering och lager med skyddsutrustning och fasta tider."),
    ("sicklaverkstaden", "arbetstraning", "package", "Arbetsträningsprogram tolv veckor", "Sickla",
     "Tolv veckors program i verkstad och lager, från fyra till sex timmar om dagen."),
    ("boo-tradgard", "arbetstraning", "day", "Arbetsträning i trädgård och odling", "Boo",
     "Odling, skötsel av grönytor och försäljning av grönsaker i Boo."),
    ("boo-tradgard", "praktik", "day", "Praktik i handelsträdgård", "Boo",
     "Praktik i växthus och butik med plantskolans trädgårdsmästare."),
    ("brobyggarna", "arbetsprovning", "hour", "Arbetsprövning i kafé och mötesplats", "Fisksätra",
     "Arbetsprövning i föreningens mötesplats med kafé, läxhjälp och språkcafé."),
    ("brobyggarna", "praktik", "hour", "Praktik för nyanlända i barnomsorg och kök", "Fisksätra",
     "Praktik i föreningens öppna förskola och kök, med svenskstöd varje dag."),
    ("rehabkompassen", "utredning", "package", "Fördjupad utredning av arbetsförmåga", "Sickla",
     "Tio veckors utredning med läkare, arbetsterapeut och fysioterapeut."),
    ("rehabkompassen", "utredning", "package", "Neuropsykiatrisk kartläggning och arbetsförmåga",
     "Sickla", "Kartläggning med psykolog och arbetsterapeut för deltagare med misstänkt NPF."),
    ("rehabkompassen", "utredning", "hour", "Utredningssamtal och arbetsprövning per timme",
     "Älta", "Kortare utredning i flera steg, ersätts per genomförd timme."),
    ("rehabkompassen", "arbetsprovning", "week", "Arbetsprövning med arbetsterapeut", "Älta",
     "Arbetsprövning med arbetsterapeutisk bedömning varje vecka."),
    ("alta-bygg", "praktik", "hour", "Praktik inom bygg och fastighetsskötsel", "Älta",
     "Praktik i byggprojekt och fastighetsskötsel med personlig handledare."),
    ("jobbfabriken", "praktik", "hour", "Praktik via Jobbfabriken: lager och terminal", "Sickla",
     "Praktik på lager och terminaler hos Jobbfabrikens samarbetsföretag."),
    ("jobbfabriken", "arbetstraning", "week", "Arbetsträning i montering", "Sickla",
     "Arbetsträning i monteringshall med arbetsledare."),
]

NAMES = {  # origin: (women's first names, men's first names, family names)
    "sv": (["Anna", "Emma", "Sara", "Johanna", "Linnea", "Maja", "Elin", "Karin", "Ida", "Frida"],
           ["Erik", "Johan", "Oskar", "Filip", "Mattias", "Anders", "Viktor", "Jonas", "Henrik",
            "Kevin"],
           ["Lindqvist", "Johansson", "Karlsson", "Nyström", "Berglund", "Holm", "Sandberg", "Lund",
            "Ekström", "Åberg", "Forsberg", "Hedlund", "Wallin", "Sjöberg"]),
    "ar": (["Fatima", "Rania", "Layla", "Noor", "Amal", "Hiba"],
           ["Ahmad", "Omar", "Yousef", "Khaled", "Samir", "Mahmoud"],
           ["Al-Hassan", "Haddad", "Khalil", "Saleh", "Mansour", "Darwish", "Nasser"]),
    "so": (["Hodan", "Fadumo", "Ayaan", "Sahra", "Ifrah"],
           ["Abdirahman", "Mohamed", "Abdullahi", "Yusuf", "Liban"],
           ["Ali Warsame", "Hassan Farah", "Mohamed Abdi", "Osman Jama", "Nur Hirsi"]),
    "ti": (["Selam", "Senait", "Helen", "Saba", "Rahel"],
           ["Yonas", "Mehari", "Tesfay", "Dawit", "Filmon"],
           ["Tesfaye", "Gebremedhin", "Kidane", "Haile", "Berhane", "Tekle"]),
    "fa": (["Maryam", "Shirin", "Zahra", "Parisa", "Niloofar"],
           ["Reza", "Dariush", "Ali", "Mehdi", "Hamid"],
           ["Ahmadi", "Hosseini", "Karimi", "Rahimi", "Sadeghi", "Rezaei"]),
    "uk": (["Olena", "Iryna", "Oksana", "Nataliia", "Yuliia", "Kateryna"],
           ["Dmytro", "Oleksandr", "Serhii", "Mykola", "Taras"],
           ["Kovalenko", "Bondarenko", "Melnyk", "Tkachenko", "Kravchenko", "Boiko", "Moroz"]),
}

# group: [(origin, newly_arrived, samordningsnummer, count)]
CLIENT_GROUPS = {
    "young": [("sv", False, False, 6), ("ar", False, False, 1), ("ar", True, False, 1),
              ("so", True, False, 2), ("ti", True, True, 1)],
    "newcomer": [("ar", True, False, 3), ("so", True, False, 2), ("ti", True, False, 3),
                 ("fa", True, False, 2), ("uk", True, True, 3), ("uk", True, False, 1)],
    "adult": [("sv", False, False, 13), ("ar", False, False, 2), ("fa", False, False, 2),
              ("so", False, False, 2), ("uk", False, False, 1)],
}
BIRTH_YEARS = {"young": (2002, 2007), "newcomer": (1966, 1999), "adult": (1960, 1999)}
SERVICE_WEIGHTS = {  # arbetsprovning, arbetstraning, praktik, utredning
    "young": (1, 2, 7, 0),
    "newcomer": (1.5, 3.5, 5, 0),
    "adult": (3, 3.5, 2, 1.5),
}

# Results for the follow-up: group, service type, placement start, kind, result date,
# days until verified (None: not yet), verified as lasting on, chosen_by.
OUTCOME_STORIES = [
    ("young", "praktik", date(2026, 8, 3), "employment", date(2026, 8, 24), 4,
     date(2026, 11, 23), "client"),
    ("young", "praktik", date(2026, 8, 10), "studies", date(2026, 11, 9), 4, None, "client"),
    ("newcomer", "praktik", date(2026, 8, 17), "employment", date(2026, 10, 5), 4, None, "client"),
    ("newcomer", "praktik", date(2026, 9, 7), "employment", date(2026, 11, 16), None, None,
     "case_worker"),
    ("adult", "arbetstraning", date(2026, 8, 24), "employment", date(2026, 10, 19), 4, None,
     "client"),
    ("adult", "arbetsprovning", date(2026, 8, 10), "studies", date(2026, 9, 28), 4, None,
     "client"),
    ("young", "praktik", date(2026, 9, 14), "employment", date(2026, 10, 26), 4, None, "default"),
    ("newcomer", "praktik", date(2026, 8, 31), "studies", date(2026, 11, 2), 4, None, "client"),
]
# What happens to everyone else; clients beyond this list are "ongoing".
SCENARIOS = (["jobbfabriken_switch"] * 2 + ["jobbfabriken_interrupted"]
             + ["switched"] * 4 + ["assessed_then_next"] * 8 + ["interrupted"] * 3)

BONUS_RULES = [
    {"ref": "B1", "priority": 1, "description": "Praktik för unga 18–24 år (Nacka)",
     "service_types": ["praktik"], "min_age": 18, "max_age": 24, "newly_arrived": None,
     "placements_from": None, "placements_to": None, "outcome_kinds": ["employment", "studies"],
     "tiers": [{"max_days": 90, "amount": "10000.00"}, {"max_days": 180, "amount": "5000.00"}],
     "grace_days": 30, "sustain_days": 90, "sustain_amount": "5000.00"},
    {"ref": "B2", "priority": 2, "description": "Praktik för nyanlända vuxna (Nacka)",
     "service_types": ["praktik"], "min_age": 25, "max_age": None, "newly_arrived": True,
     "placements_from": None, "placements_to": None, "outcome_kinds": ["employment", "studies"],
     "tiers": [{"max_days": 90, "amount": "8000.00"}, {"max_days": 180, "amount": "4000.00"}],
     "grace_days": 30, "sustain_days": 90, "sustain_amount": "4000.00"},
]


# --- numbers with check digits ---------------------------------------------------------

def luhn_check_digit(payload: str) -> int:
    """The digit that makes payload + digit pass the Luhn (modulus 10) check."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def org_nr(rng, prefix, taken):
    """A valid organisationsnummer NNNNNN-NNNN starting with prefix (the legal form)."""
    while True:
        payload = prefix + "".join(rng.choice("0123456789") for _ in range(9 - len(prefix)))
        digits = payload + str(luhn_check_digit(payload))
        number = f"{digits[:6]}-{digits[6:]}"
        if number not in taken:
            taken.add(number)
            return number


def bankgiro(rng):
    """A valid bankgiro number, NNN-NNNN or NNNN-NNNN."""
    length = rng.choice((7, 8))
    payload = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(length - 2))
    digits = payload + str(luhn_check_digit(payload))
    return f"{digits[:-4]}-{digits[-4:]}"


def personal_id(birth, serial, coordination):
    """YYYYMMDD-NNNN; a samordningsnummer has 60 added to the day."""
    day = birth.day + (60 if coordination else 0)
    payload = f"{birth:%y%m}{day:02d}{serial:03d}"
    return f"{birth.year}{birth:%m}{day:02d}-{serial:03d}{luhn_check_digit(payload)}"


# --- dates -------------------------------------------------------------------------------

def add_days(d, n):
    return d + timedelta(days=n)


def weekday_on_or_after(d):
    while d.weekday() >= 5:
        d = add_days(d, 1)
    return d


def weekday_on_or_before(d):
    while d.weekday() >= 5:
        d = add_days(d, -1)
    return d


def months_later(d, months):
    """The day before the same date `months` later: a validity of whole months."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return add_days(date(year, month, min(d.day, calendar.monthrange(year, month)[1])), -1)


def weekdays(first, last):
    d = first
    while d <= last:
        if d.weekday() < 5:
            yield d
        d = add_days(d, 1)


# --- builders ----------------------------------------------------------------------------

def fictional_phone(rng):
    # PTS reserves 070-174 06 05 .. 99 for fiction, so no real person gets called.
    return f"070-174 06 {rng.randint(5, 99):02d}"


def make_providers(rng):
    taken = {"556677-8899", "559123-4561"}  # used by shared/cases
    providers = []
    for i, (key, name, prefix, status, street, postal, city, contact) in enumerate(PROVIDERS, 1):
        number = "212000-0142" if key == MUNICIPALITY else org_nr(rng, prefix, taken)
        slug = "arbetsmarknad-kommunen" if key == MUNICIPALITY else key
        provider = {
            "ref": f"P{i:02d}", "org_nr": number, "name": name, "status": status,
            "email": f"info@{slug}.example", "bankgiro": bankgiro(rng),
            "address": street, "postal_code": postal, "city": city,
            "contact_name": contact, "phone": fictional_phone(rng),
            "f_skatt": True,
        }
        if prefix != "802":  # the two ideella föreningar are not VAT registered
            provider["vat_number"] = "SE" + number.replace("-", "") + "01"
        provider["service_types"] = sorted({o[1] for o in OFFERINGS if o[0] == key})
        if key in KINDS:
            provider["kind"] = KINDS[key]
        if key in IOP:
            provider["iop"] = True
        provider["_key"] = key
        providers.append(provider)
    return providers


def rate_for(rng, unit):
    low, high, step = {"hour": (95, 180, 5), "day": (600, 1200, 25),
                       "week": (2800, 4500, 50), "package": (9000, 25000, 500)}[unit]
    return f"{rng.randrange(low, high + 1, step)}.00"


def make_offerings(rng, providers):
    by_key = {p["_key"]: p for p in providers}
    offerings = []
    for i, (key, stype, unit, title, area, description) in enumerate(OFFERINGS, 1):
        own = key == MUNICIPALITY
        extra = rng.sample(LANGUAGES[1:], rng.choice((0, 1, 1, 2, 3)))
        offerings.append({
            "ref": f"O{i:02d}", "provider": by_key[key]["ref"], "service_type": stype,
            "title": title, "rate_unit": unit, "rate": rate_for(rng, unit),
            "vat_rate": 0 if key in VAT_FREE else 25,
            "capacity": 20 if own else rng.randint(3, 20),
            "start_share": rng.choice((40, 50, 60)) if unit == "package" else 50,
            "default_choice": own,
            "description": description, "area": area,
            "languages": [lang for lang in LANGUAGES if lang == "sv" or lang in extra],
        })
    return offerings


def random_date(rng, first, last):
    return add_days(first, rng.randint(0, (last - first).days))


def fresh(rng, choices, used):
    """A random choice, preferring one not used yet, so few clients share a name."""
    unused = [c for c in choices if c not in used]
    choice = rng.choice(unused or choices)
    used.add(choice)
    return choice


def make_clients(rng):
    clients, used, ids = [], set(), set()
    for group, parts in CLIENT_GROUPS.items():
        for origin, newly_arrived, coordination, count in parts:
            for _ in range(count):
                woman = rng.random() < 0.5
                women, men, families = NAMES[origin]
                name = f"{fresh(rng, women if woman else men, used)} {fresh(rng, families, used)}"
                first_year, last_year = BIRTH_YEARS[group]
                birth = random_date(rng, date(first_year, 1, 1), date(last_year, 12, 31))
                while True:  # födelsenummer: odd last digit for men, even for women
                    serial = rng.randrange(980, 1000)
                    pid = personal_id(birth, serial, coordination)
                    if serial % 2 == (0 if woman else 1) and pid not in ids:
                        ids.add(pid)
                        break
                settled = origin != "sv" and not newly_arrived and rng.random() < 0.6
                clients.append({
                    "personal_id": pid, "name": name, "newly_arrived": newly_arrived,
                    "children_in_household": rng.random() < (0.1 if group == "young" else 0.45),
                    "language": "sv" if settled else origin,
                    "_group": group,
                })
    rng.shuffle(clients)
    for i, client in enumerate(clients, 1):
        client["ref"] = f"C{i:02d}"
    return clients


class Plan:
    """Referrals, placements and outcomes as they are made, with running refs and loads."""

    def __init__(self, rng, providers, offerings):
        self.rng = rng
        status = {p["ref"]: p["status"] for p in providers}
        self.offerings = offerings
        self.bookable = [o for o in offerings if status[o["provider"]] == "approved"]
        self.suspended = [o for o in offerings if status[o["provider"]] == "suspended"]
        self.load = {o["ref"]: 0 for o in offerings}
        self.referrals, self.placements, self.outcomes = [], [], []

    def offering(self, stype, chosen_by, avoid_provider=None):
        if chosen_by == "default":
            return next(o for o in self.offerings
                        if o["default_choice"] and o["service_type"] == stype)
        choices = [o for o in self.bookable
                   if o["service_type"] == stype and o["provider"] != avoid_provider
                   and self.load[o["ref"]] < o["capacity"]]
        return self.rng.choice(choices)

    def referral(self, client_ref, stype, valid_from, months, offering):
        """A decision taken a few working days before it applies."""
        decided = weekday_on_or_before(add_days(valid_from, -self.rng.randint(3, 14)))
        cap = None
        if offering["rate_unit"] == "hour" and self.rng.random() < 0.75:
            cap = self.rng.choice(("20", "20", "30", "40"))
        elif self.rng.random() < 0.08:
            cap = "40"
        referral = {"ref": f"R{len(self.referrals) + 1:02d}", "client": client_ref,
                    "service_type": stype, "decided_on": decided, "valid_from": valid_from,
                    "valid_to": months_later(valid_from, months), "max_hours_per_week": cap}
        self.referrals.append(referral)
        return referral

    def placement(self, referral, offering, chosen_by, start, ended_on=None, end_reason=None):
        self.load[offering["ref"]] += 1
        placement = {"ref": f"PL{len(self.placements) + 1:02d}", "referral": referral["ref"],
                     "offering": offering["ref"], "chosen_by": chosen_by, "start_date": start,
                     "ended_on": ended_on, "end_reason": end_reason}
        self.placements.append(placement)
        return placement

    def outcome(self, placement, kind, result_date, verified_on, sustained_on):
        assert max(verified_on or result_date, sustained_on or result_date) <= TODAY
        self.outcomes.append({"ref": f"U{len(self.outcomes) + 1}", "placement": placement["ref"],
                              "kind": kind, "result_date": result_date,
                              "verified_on": verified_on, "sustained_verified_on": sustained_on})


def pick_chosen_by(rng):
    return rng.choices(("client", "case_worker", "default"), weights=(72, 20, 8))[0]


def pick_service_type(rng, group, exclude=()):
    weights = [0 if s in exclude else w
               for s, w in zip(SERVICE_TYPES, SERVICE_WEIGHTS[group], strict=True)]
    return rng.choices(SERVICE_TYPES, weights=weights)[0]


def start_on_or_after(rng, valid_from, spread=7):
    return weekday_on_or_after(add_days(max(valid_from, FIRST_START), rng.randint(0, spread)))


def finish(plan, referral, offering, chosen_by, start, allow_extension):
    """Place the client and let the placement run its natural course up to today."""
    rng = plan.rng
    end = None
    if offering["rate_unit"] == "package":
        weeks = 12 if offering["service_type"] != "utredning" else rng.randint(6, 10)
        end = weekday_on_or_before(add_days(start, 7 * weeks - 3))
    if referral["valid_to"] < REPORTED_UNTIL and (end is None or end > referral["valid_to"]):
        end = referral["valid_to"]
    if end is None or end > REPORTED_UNTIL:
        plan.placement(referral, offering, chosen_by, start)
        return
    plan.placement(referral, offering, chosen_by, start, end, "completed")
    extendable = end == referral["valid_to"] and end <= add_days(REPORTED_UNTIL, -10)
    if allow_extension and extendable and rng.random() < 0.6:
        # The case worker extends the decision; the client stays where they are.
        follow_up = plan.referral(referral["client"], referral["service_type"],
                                  add_days(end, 1), rng.randint(3, 6), offering)
        plan.placement(follow_up, offering, chosen_by,
                       weekday_on_or_after(follow_up["valid_from"]))


def plan_outcome_story(plan, client, story):
    stype, start, kind, result_date, verify_days, sustained_on, chosen_by = story[1:]
    rng = plan.rng
    offering = plan.offering(stype, chosen_by)
    referral = plan.referral(client["ref"], stype, add_days(start, -rng.randint(0, 7)),
                             rng.randint(4, 6), offering)
    placement = plan.placement(referral, offering, chosen_by, start,
                               weekday_on_or_before(add_days(result_date, -1)), "result")
    verified_on = add_days(result_date, verify_days) if verify_days is not None else None
    plan.outcome(placement, kind, result_date, verified_on, sustained_on)


def plan_jobbfabriken(plan, client, interrupted):
    """Placed in August with the provider that is later suspended; moved or stopped."""
    rng = plan.rng
    offering = rng.choice(plan.suspended)
    stype = offering["service_type"]
    start = weekday_on_or_after(add_days(FIRST_START, rng.randint(0, 14)))
    valid_from = add_days(start, -rng.randint(0, 5))
    referral = plan.referral(client["ref"], stype, valid_from, 6, offering)
    if interrupted:
        plan.placement(referral, offering, "client", start, SUSPENDED_ON, "interrupted")
        return
    switch_on = weekday_on_or_after(add_days(SUSPENDED_ON, 1))
    plan.placement(referral, offering, "client", start, add_days(switch_on, -1), "switched")
    chosen_by = pick_chosen_by(rng)
    plan.placement(referral, plan.offering(stype, chosen_by, offering["provider"]), chosen_by,
                   switch_on)


def plan_assessed_then_next(plan, client):
    """An assessment (utredning) first, then the step it recommends under a new decision."""
    rng = plan.rng
    chosen_by = pick_chosen_by(rng)
    offering = plan.offering("utredning", chosen_by)
    valid_from = random_date(rng, date(2026, 7, 27), date(2026, 8, 17))
    first = plan.referral(client["ref"], "utredning", valid_from, 3, offering)
    start = start_on_or_after(rng, valid_from)
    assessed = weekday_on_or_before(add_days(start, 7 * rng.randint(5, 7)))
    plan.placement(first, offering, chosen_by, start, assessed, "completed")
    stype = pick_service_type(rng, client["_group"], exclude=("utredning",))
    chosen_by = pick_chosen_by(rng)
    offering = plan.offering(stype, chosen_by)
    valid_from = add_days(assessed, rng.randint(10, 18))
    second = plan.referral(client["ref"], stype, valid_from, rng.randint(3, 6), offering)
    finish(plan, second, offering, chosen_by, start_on_or_after(rng, valid_from, 4), False)


def plan_switched(plan, client):
    """The client changes provider after a few weeks, under the same decision."""
    rng = plan.rng
    stype, chosen_by = pick_service_type(rng, client["_group"]), pick_chosen_by(rng)
    offering = plan.offering(stype, chosen_by)
    valid_from = random_date(rng, date(2026, 7, 27), date(2026, 9, 14))
    referral = plan.referral(client["ref"], stype, valid_from, rng.randint(4, 6), offering)
    start = start_on_or_after(rng, valid_from)
    switch_on = weekday_on_or_after(add_days(start, 7 * rng.randint(3, 7)))
    plan.placement(referral, offering, chosen_by, start, add_days(switch_on, -1), "switched")
    plan.placement(referral, plan.offering(stype, "client", offering["provider"]), "client",
                   switch_on)


def plan_interrupted(plan, client):
    """The placement breaks down after two to six weeks."""
    rng = plan.rng
    stype, chosen_by = pick_service_type(rng, client["_group"]), pick_chosen_by(rng)
    offering = plan.offering(stype, chosen_by)
    valid_from = random_date(rng, date(2026, 7, 27), date(2026, 9, 28))
    referral = plan.referral(client["ref"], stype, valid_from, rng.randint(3, 6), offering)
    start = start_on_or_after(rng, valid_from)
    stopped = weekday_on_or_before(add_days(start, rng.randint(12, 45)))
    plan.placement(referral, offering, chosen_by, start, stopped, "interrupted")


def plan_ongoing(plan, client):
    """One decision and one placement that runs its course."""
    rng = plan.rng
    stype, chosen_by = pick_service_type(rng, client["_group"]), pick_chosen_by(rng)
    offering = plan.offering(stype, chosen_by)
    valid_from = random_date(rng, date(2026, 7, 27), date(2026, 10, 19))
    referral = plan.referral(client["ref"], stype, valid_from, rng.randint(3, 6), offering)
    finish(plan, referral, offering, chosen_by, start_on_or_after(rng, valid_from), True)


SCENARIO_PLANS = {
    "jobbfabriken_switch": lambda plan, client: plan_jobbfabriken(plan, client, False),
    "jobbfabriken_interrupted": lambda plan, client: plan_jobbfabriken(plan, client, True),
    "assessed_then_next": plan_assessed_then_next,
    "switched": plan_switched,
    "interrupted": plan_interrupted,
    "ongoing": plan_ongoing,
}


def plan_clients(rng, clients, providers, offerings):
    plan = Plan(rng, providers, offerings)
    story_of = {}
    for story in OUTCOME_STORIES:
        client = rng.choice([c for c in clients
                             if c["_group"] == story[0] and c["ref"] not in story_of])
        story_of[client["ref"]] = story
    scenarios = list(SCENARIOS)
    rng.shuffle(scenarios)
    for client in clients:
        if client["ref"] in story_of:
            plan_outcome_story(plan, client, story_of[client["ref"]])
        else:
            SCENARIO_PLANS[scenarios.pop() if scenarios else "ongoing"](plan, client)
    assert not scenarios, "too few clients for the planned scenarios"
    return plan


# --- attendance --------------------------------------------------------------------------

def quarter_floor(value):
    return (value * 4).to_integral_value(rounding="ROUND_FLOOR") / 4


def working_pattern(rng, offering, cap):
    """Which weekdays the client attends and how many hours a normal day has."""
    days = rng.choice((3, 4, 5, 5)) if offering["rate_unit"] == "hour" else rng.choice((4, 5, 5))
    if offering["service_type"] == "utredning":
        days = rng.choice((2, 3, 3))
    weekdays_ = sorted(rng.sample(range(5), days))
    hours = Decimal(rng.choice(("4", "6", "6.5", "8")))
    if cap and hours * days > Decimal(cap) and rng.random() < 0.7:
        hours = min(Decimal(8), quarter_floor(Decimal(cap) / days))
    return weekdays_, hours


def attendance_for(rng, placement, referral, offering):
    first = max(placement["start_date"], referral["valid_from"])
    last = min(placement["ended_on"] or REPORTED_UNTIL, referral["valid_to"], REPORTED_UNTIL)
    pattern, hours = working_pattern(rng, offering, referral["max_hours_per_week"])
    absence = 0.15 if placement["end_reason"] == "interrupted" else 0.04
    rows, sick = [], False
    for d in weekdays(first, last):
        if d.weekday() not in pattern and d != first:
            continue
        sick = rng.random() < (0.45 if sick else absence)  # sick days come in runs
        if sick:
            rows.append({"placement": placement["ref"], "date": d, "status": "absent",
                         "hours": "0"})
            continue
        today = hours
        if rng.random() < 0.12:
            today = max(Decimal(1), hours + Decimal(rng.choice(("-2", "-1", "-0.5", "-0.25",
                                                                "0.5", "1"))))
        rows.append({"placement": placement["ref"], "date": d, "status": "present",
                     "hours": format(today.normalize(), "f")})
    return rows


# --- history: December 2025 to July 2026 -------------------------------------------------
# Earlier clients, all finished before August, so the trend charts have twelve months.
# Own generator, generated after everything else: the records above stay as they are.

HISTORY_SEED = 2025
HISTORY_CLIENTS = 40
HISTORY_FIRST_START = date(2025, 12, 1)
HISTORY_LAST_START = date(2026, 6, 30)
HISTORY_LAST_END = date(2026, 7, 31)  # every history placement has ended before August
HISTORY_GROUPS = (("young", 12), ("newcomer", 12), ("adult", 16))
HISTORY_COORDINATION = 4  # newcomers with a samordningsnummer
# What happens to each client; the rest complete their placement.
HISTORY_SCENARIOS = ["result"] * 12 + ["switched"] * 4 + ["interrupted"] * 6
HISTORY_EMPLOYERS = ("Nacka Forum Handel AB", "Sickla Lager & Logistik AB", "Saltsjöbadens vårdboende",
                     "Orminge Bil & Däck AB", "Fisksätra Café ek. för.", "Nacka kommun, äldreomsorgen",
                     "Boo Fastighetsservice AB", "Älta Städ & Service AB")
HISTORY_EXTENTS = ("heltid", "heltid", "deltid 75 %", "deltid 50 %")


def _history_origin(rng, group):
    """(origin, newly arrived) for one history client of the group, drawn as the group's mix is."""
    if group == "young":
        origin = rng.choice(("sv", "sv", "sv", "ar", "so", "ti"))
        return origin, origin != "sv" and rng.random() < 0.5
    if group == "newcomer":
        return rng.choice(("ar", "so", "ti", "fa", "uk")), True
    return rng.choice(("sv",) * 6 + ("ar", "fa", "so", "uk")), False


def _history_personal_id(rng, birth, woman, coordination, ids):
    """A personnummer not used before; serials below the main part's 980-999, so none repeats."""
    while True:
        serial = rng.randrange(100, 980)
        pid = personal_id(birth, serial, coordination)
        if serial % 2 == (0 if woman else 1) and pid not in ids:
            ids.add(pid)
            return pid


def _history_clients(rng, existing_clients):
    """The history's clients, group by group, with HISTORY_COORDINATION samordningsnummer."""
    ids = {c["personal_id"] for c in existing_clients}
    clients = []
    groups = [g for g, n in HISTORY_GROUPS for _ in range(n)]
    coordination_left = HISTORY_COORDINATION
    used = set()
    for i, group in enumerate(groups, 1):
        woman = rng.random() < 0.5
        origin, newly_arrived = _history_origin(rng, group)
        coordination = group == "newcomer" and coordination_left > 0 and rng.random() < 0.5
        coordination_left -= coordination
        women, men, families = NAMES[origin]
        name = f"{fresh(rng, women if woman else men, used)} {fresh(rng, families, used)}"
        first_year, last_year = BIRTH_YEARS[group]
        birth = random_date(rng, date(first_year, 1, 1), date(last_year, 12, 31))
        pid = _history_personal_id(rng, birth, woman, coordination, ids)
        settled = origin != "sv" and not newly_arrived and rng.random() < 0.6
        clients.append({"ref": f"HC{i:02d}", "personal_id": pid, "name": name,
                        "newly_arrived": newly_arrived,
                        "children_in_household": rng.random() < (0.1 if group == "young" else 0.45),
                        "language": "sv" if settled else origin, "_group": group})
    assert coordination_left == 0, "too few samordningsnummer in the history"
    return clients


class _History:
    """The history's referrals, placements and outcomes, client by client; one random
    generator drawn in a fixed order, so the same seed gives the same file."""

    def __init__(self, rng, bookable):
        self.rng, self.bookable = rng, bookable
        self.referrals, self.placements, self.outcomes = [], [], []
        self.results = 0

    def offering_for(self, stype, chosen_by, avoid_provider=None):
        if chosen_by == "default":
            return next(o for o in self.bookable if o["default_choice"] and o["service_type"] == stype)
        return self.rng.choice([o for o in self.bookable
                                if o["service_type"] == stype and o["provider"] != avoid_provider])

    def placement(self, referral, offering, chosen_by, start, ended_on, end_reason):
        assert HISTORY_FIRST_START <= start <= HISTORY_LAST_START, start
        assert start <= ended_on <= min(HISTORY_LAST_END, referral["valid_to"]), ended_on
        record = {"ref": f"HPL{len(self.placements) + 1:02d}", "referral": referral["ref"],
                  "offering": offering["ref"], "chosen_by": chosen_by, "start_date": start,
                  "ended_on": ended_on, "end_reason": end_reason}
        self.placements.append(record)
        return record

    @staticmethod
    def last_day(start, referral, days):
        return weekday_on_or_before(min(add_days(start, days), referral["valid_to"], HISTORY_LAST_END))

    def add_client(self, client, scenario):
        """The client's referral and what the scenario says happened to it."""
        rng = self.rng
        stype, chosen_by = pick_service_type(rng, client["_group"]), pick_chosen_by(rng)
        if scenario == "result":  # results come from praktik and arbetsträning mostly
            stype = rng.choice(("praktik", "praktik", "praktik", "arbetstraning"))
        offering = self.offering_for(stype, chosen_by)
        latest = date(2026, 5, 15) if scenario in ("switched", "result") else HISTORY_LAST_START
        start = weekday_on_or_after(random_date(rng, HISTORY_FIRST_START, latest))
        referral = self.referral(client, stype, offering, start)
        if scenario == "switched":
            switch_on = weekday_on_or_after(add_days(start, 7 * rng.randint(3, 6)))
            self.placement(referral, offering, chosen_by, start, add_days(switch_on, -1), "switched")
            other = self.offering_for(stype, "client", offering["provider"])
            self.placement(referral, other, "client", switch_on,
                           self.last_day(switch_on, referral, rng.randint(30, 90)), "completed")
        elif scenario == "interrupted":
            self.placement(referral, offering, chosen_by, start,
                           self.last_day(start, referral, rng.randint(12, 45)), "interrupted")
        elif scenario == "result":
            self.result(referral, offering, chosen_by, start)
        else:
            days = rng.randint(40, 150)
            if offering["rate_unit"] == "package":
                days = 7 * (12 if stype != "utredning" else rng.randint(6, 10)) - 3
            self.placement(referral, offering, chosen_by, start, self.last_day(start, referral, days),
                           "completed")

    def referral(self, client, stype, offering, start):
        """A decision a few days before the start; most hourly offerings get a weekly cap."""
        rng = self.rng
        valid_from = max(add_days(start, -rng.randint(0, 5)), date(2025, 11, 24))
        decided = weekday_on_or_before(add_days(valid_from, -rng.randint(3, 14)))
        cap = None
        if offering["rate_unit"] == "hour" and rng.random() < 0.75:
            cap = rng.choice(("20", "20", "30", "40"))
        referral = {"ref": f"HR{len(self.referrals) + 1:02d}", "client": client["ref"],
                    "service_type": stype, "decided_on": decided, "valid_from": valid_from,
                    "valid_to": months_later(valid_from, rng.randint(3, 6)),
                    "max_hours_per_week": cap}
        self.referrals.append(referral)
        return referral

    def result(self, referral, offering, chosen_by, start):
        """A placement ending the day before a job or studies; a few recent results are not yet
        verified and about half of the old enough ones are verified as sustained."""
        rng = self.rng
        self.results += 1
        result_date = weekday_on_or_after(
            min(add_days(start, rng.randint(35, 110)), date(2026, 7, 27)))
        record = self.placement(referral, offering, chosen_by, start,
                                weekday_on_or_before(add_days(result_date, -1)), "result")
        kind = "studies" if self.results % 3 == 0 else "employment"
        verified_on = add_days(result_date, rng.randint(2, 10))
        if result_date >= date(2026, 7, 1) and rng.random() < 0.4:
            verified_on = None  # a few recent results the case worker has not checked yet
        sustained_on = None
        if verified_on and add_days(result_date, 100) <= TODAY and rng.random() < 0.5:
            sustained_on = min(add_days(result_date, rng.randint(95, 110)), TODAY)
        outcome = {"ref": f"HU{len(self.outcomes) + 1:02d}", "placement": record["ref"],
                   "kind": kind, "result_date": result_date, "verified_on": verified_on,
                   "sustained_verified_on": sustained_on}
        if kind == "employment":
            outcome["employer"] = rng.choice(HISTORY_EMPLOYERS)
            outcome["extent"] = rng.choice(HISTORY_EXTENTS)
            # Regular and subsidised jobs in turn (no random draw: the rest stays as it was).
            outcome["employment_form"] = EMPLOYMENT_FORMS[len(self.outcomes) % len(EMPLOYMENT_FORMS)]
        self.outcomes.append(outcome)


def make_history(rng, providers, offerings, existing_clients):
    """Clients, referrals, placements, attendance and outcomes from Dec 2025 to Jul 2026."""
    status = {p["ref"]: p["status"] for p in providers}
    history = _History(rng, [o for o in offerings if status[o["provider"]] == "approved"])
    clients = _history_clients(rng, existing_clients)
    scenarios = HISTORY_SCENARIOS + ["completed"] * (len(clients) - len(HISTORY_SCENARIOS))
    rng.shuffle(scenarios)
    for client, scenario in zip(clients, scenarios, strict=True):
        history.add_client(client, scenario)
    referrals, placements, outcomes = history.referrals, history.placements, history.outcomes

    referral_by_ref = {r["ref"]: r for r in referrals}
    offering_by_ref = {o["ref"]: o for o in offerings}
    attendance = []
    for record in placements:
        attendance += attendance_for(rng, record, referral_by_ref[record["referral"]],
                                     offering_by_ref[record["offering"]])
    reported = {row["placement"] for row in attendance if row["status"] == "present"}
    assert all(p["ref"] in reported for p in placements), "a history placement without attendance"
    return {"clients": clients, "referrals": referrals, "placements": placements,
            "attendance": attendance, "outcomes": outcomes}


# --- the document ------------------------------------------------------------------------

def public(records):
    """Records without the generator's own bookkeeping keys (those starting with _)."""
    return [{k: v for k, v in record.items() if not k.startswith("_")} for record in records]


def build():
    """The whole import document as plain data (dates as date objects)."""
    rng = random.Random(SEED)
    providers = make_providers(rng)
    offerings = make_offerings(rng, providers)
    clients = make_clients(rng)
    plan = plan_clients(rng, clients, providers, offerings)
    referrals = {r["ref"]: r for r in plan.referrals}
    offering_by_ref = {o["ref"]: o for o in offerings}
    attendance = []
    for placement in plan.placements:
        attendance += attendance_for(rng, placement, referrals[placement["referral"]],
                                     offering_by_ref[placement["offering"]])
    reported = {row["placement"] for row in attendance if row["status"] == "present"}
    assert all(p["ref"] in reported for p in plan.placements), "a placement without attendance"
    # The history comes last, from its own generator, so the records above never change.
    history = make_history(random.Random(HISTORY_SEED), providers, offerings, clients)
    return {
        "providers": public(providers),
        "offerings": offerings,
        "bonus_rules": BONUS_RULES,
        "clients": public(sorted(clients, key=lambda c: c["ref"])) + public(history["clients"]),
        "referrals": plan.referrals + history["referrals"],
        "placements": plan.placements + history["placements"],
        "attendance": attendance + history["attendance"],
        "outcomes": plan.outcomes + history["outcomes"],
    }


def render(document):
    """JSON text with one record per line, so diffs of the checked-in file stay readable."""
    def dump(value):
        return json.dumps(value, ensure_ascii=False, default=date.isoformat)

    sections = []
    for name, records in document.items():
        body = ",\n".join(f"    {dump(record)}" for record in records)
        sections.append(f'  "{name}": [\n{body}\n  ]')
    return "{\n" + ",\n".join(sections) + "\n}\n"


def main():
    text = render(build())
    OUT.write_text(text, encoding="utf-8")
    document = json.loads(text)
    print(f"wrote {OUT.name}: " + ", ".join(f"{len(v)} {k}" for k, v in document.items()))


if __name__ == "__main__":
    main()
