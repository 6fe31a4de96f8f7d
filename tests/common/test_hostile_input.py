"""Hostile input never gives a 5xx and a refused request leaves the database as it was.

The test walks the URL map: every route that takes a form or a JSON body is sent hostile values
(long strings, NaN, 1e400, 2026-02-30, 9999-12-31, NUL, HTML) as each role that may use it; GET
routes get hostile query strings. A form starts from what its page would submit, so that a
request gets past the form and reaches the service: first each hostile value in every field of
one kind (all dates, all numbers, all text) as explicit examples, then Hypothesis's own mixes.
Failures are collected, not shrunk, so the walk stays within about a minute.
"""
from __future__ import annotations

import io
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import SQLModel, select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, IntegerConverter

from app.auth.models import User
from app.exchange.importer import import_document
from app.extensions import db
from app.kundval.models import Client, Outcome, Placement, Referral
from app.offerings.models import Offering
from app.providers import service as provider_service
from app.providers.documents import Upload
from app.providers.models import Provider, ProviderDocument
from app.settlement import service as settlement_service
from app.settlement.models import Settlement
from tests.providers.factories import ORG_A, PDF, portal_document

# The values that broke pages before, tried in every field of a kind.
CORE = ["NaN", "1e400", "2026-02-30", "9999-12-31", "0001-01-01", "a\x00b", "<script>x</script>", "x" * 5000]
HOSTILE = CORE + ["", " ", "nan", "-Infinity", "-1e400", "9" * 400, "1e-400", "2026-13", "9999-99", "\x00",
                  "\"><img src=x>", "-1", "0", "0,001", "' OR 1=1 --", "１２", "\u202e", "../../etc/passwd",
                  "=HYPERLINK(\"x\")"]
FILE_NAMES = ["a\x00b.pdf", "\x07\x1b[31m.pdf", "<b>.pdf", "x" * 300 + ".pdf"]
# What a person would type into an empty field of each input type ("10" passes most text fields).
FILL = {"date": date.today().isoformat(), "number": "10", "email": "ny@test.example", "password": "ett-langt-losenord-2026",
        "checkbox": "y", "month": "2026-03"}
KINDS = {"date": "date", "month": "date", "number": "number", "text": "text", "email": "text",
         "password": "text", "textarea": "text", "search": "text", "tel": "text"}
QUERY_NAMES = ["period", "visa", "year", "ar", "next", "sida"]
# Tables a refused request may still write: who looked at a client's data.
MAY_CHANGE = {"accesslog"}
from app.auth.models import ROLES  # noqa: E402  (every role, so new roles are walked too)

EXAMPLES_PER_WRITE = 4
EXAMPLES_PER_READ = 1
# Documents are made from stored data alone; rendering a PDF takes seconds.
DOCUMENTS = (".pdf", ".xml", ".xlsx", ".csv", ".se", ".json")


class _Forms(HTMLParser):
    """The forms of a page: action, method, and per field its kind and the value the page submits."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").upper(),
                               "fields": {}, "kinds": {}, "files": set()})
            return
        if not self.forms:
            return
        form, name, kind = self.forms[-1], a.get("name"), a.get("type", "text")
        if tag == "option" and self._select and a.get("value"):
            if form["fields"][self._select] is None or "selected" in a:
                form["fields"][self._select] = a["value"]
        if not name or name == "csrf_token":
            return
        if tag == "input" and kind == "file":
            form["files"].add(name)
        elif tag == "input" and kind not in ("submit", "button"):
            if kind in ("checkbox", "radio") and name in form["fields"]:
                return
            form["fields"][name] = a.get("value") or FILL.get(kind, "10")
            form["kinds"][name] = KINDS.get(kind, "other")
        elif tag in ("textarea", "select"):
            form["fields"][name] = None
            form["kinds"][name] = KINDS.get(tag, "other")
            self._select = name if tag == "select" else None
            self._textarea = name if tag == "textarea" else None

    def handle_data(self, data):
        if self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            fields[self._textarea] = (fields[self._textarea] or "") + data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea" and self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            fields[self._textarea] = fields[self._textarea].strip() if fields[self._textarea] else "10"
            self._textarea = None


def _world(session, auth, upload_dir: str) -> dict:
    """Two providers, placements with attendance and a pending result, a user per role, a document,
    API tokens, a settlement draft; the values each URL argument is tried with."""
    doc = portal_document()
    doc["attendance"] = [{"placement": "PL1", "date": "2026-03-1" + str(d), "status": "present",
                          "hours": "4"} for d in range(1, 4)]
    doc["outcomes"] = [{"ref": "U1", "placement": "PL1", "kind": "employment", "result_date": "2026-04-01",
                        "employer": "Lager AB", "extent": "heltid", "employment_form": "regular"}]
    doc["bonus_rules"] = [{"ref": "B1", "priority": 1, "service_types": ["praktik"],
                           "outcome_kinds": ["employment"], "tiers": [{"max_days": 90, "amount": "10000.00"}],
                           "grace_days": 30, "sustain_days": 180, "sustain_amount": "2000.00"}]
    import_document(session, doc)
    session.commit()
    users = {role: auth.user(role, provider_org_nr=ORG_A if role == "provider" else None) for role in ROLES}
    extra = auth.user("provider", email="kollega@test.example", provider_org_nr=ORG_A)
    client = session.exec(select(Client).order_by(Client.id)).first()
    client.user_id, client.case_worker_id = users["client"].id, users["case_worker"].id
    provider_user = session.get(User, users["provider"].id)
    provider_service.add_document(session, provider_user, Upload(
        kind="insurance", filename="forsakring.pdf", data=PDF, expires_on=date(2027, 12, 31)), upload_dir)
    _token, plain = provider_service.create_token(session, provider_user, "Systemet")
    spare, _ = provider_service.create_token(session, provider_user, "Reserv")
    session.commit()
    settlement_service.run_period(session, "2026-03")
    session.commit()

    def ids(model, *where):
        return list(session.exec(select(model.id).where(*where).order_by(model.id)).all())[:2] or [1]

    args = {
        "client_id": ids(Client), "referral_id": ids(Referral), "placement_id": ids(Placement),
        "outcome_id": ids(Outcome), "offering_id": ids(Offering),
        "provider_id": ids(Provider, Provider.org_nr != ORG_A), "doc_id": ids(ProviderDocument),
        "user_id": [extra.id], "token_id": [spare.id], "settlement_id": ids(Settlement), "note_id": [1],
        "period": ["2026-03", "9999-99", "2026-13"], "ref": ["PL1", "PL2", "x\x00"],
        "action": ["verifiera", "avvisa", "varaktigt"], "lang": ["sv"], "code": ["ABCD1234"],
        "token": ["x"], "fmt": ["csv"],
    }
    session.commit()  # SQLite: don't hold the write lock while the requests run
    return {"users": users, "token": plain, "args": args}


def _snapshot(engine) -> dict:
    """Per table: the number of rows and the latest change."""
    parts = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in MAY_CHANGE:
            continue
        latest = "max(updated_at)" if "updated_at" in table.c else "NULL"
        parts.append(f"SELECT '{table.name}', count(*), CAST({latest} AS VARCHAR(40)) FROM \"{table.name}\"")
    with engine.connect() as conn:
        return {row[0]: row[1:] for row in conn.execute(text(" UNION ALL ".join(parts)))}


def _roles(view) -> tuple:
    if getattr(view, "access_public", False):
        return (None,)
    return tuple(getattr(view, "access_roles", ()))


def _sign_in(auth, world, role) -> None:
    """Sign in as `role` with the user's current session version (the walk posts to /logout too)."""
    if role is None:
        auth.logout()
        return
    with auth.app.app_context():
        auth.login_user(db.session.get(User, world["users"][role].id))


def _first_values(rule, world) -> dict:
    values = {n: world["args"].get(n, [1 if isinstance(c, IntegerConverter) else "x"])[0]
              for n, c in rule._converters.items()}
    values.update({n: sorted(c.items)[0] for n, c in rule._converters.items() if isinstance(c, AnyConverter)})
    return values


def _crawl(app, client, auth, world) -> dict:
    """Every form each role is shown, keyed by the endpoint and method it submits to."""
    adapter = app.url_map.bind("localhost")
    found: dict[tuple[str, str], dict] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if ("GET" not in rule.methods or rule.endpoint == "static" or rule.rule.endswith(DOCUMENTS)
                or getattr(view, "access_token", False)):
            continue
        path = rule.build(_first_values(rule, world))[1]
        for role in _roles(view):
            _sign_in(auth, world, role)
            response = client.get(path)
            if response.mimetype != "text/html":
                continue
            parser = _Forms()
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                try:
                    endpoint, _ = adapter.match(urlsplit(form["action"]).path or path, method=form["method"])
                except HTTPException:
                    continue
                entry = found.setdefault((endpoint, form["method"]), {"fields": {}, "kinds": {}, "files": set()})
                for name, default in form["fields"].items():
                    entry["fields"].setdefault(name, default)
                    entry["kinds"].setdefault(name, form["kinds"][name])
                entry["files"] |= form["files"]
    return found


def _value():
    return st.one_of(st.sampled_from(CORE), st.sampled_from(HOSTILE), st.text(max_size=30))


def _form_data(form: dict, spoilt: dict, file_name: str = "intyg.pdf") -> dict:
    data = {n: v for n, v in form["fields"].items() if v is not None}
    data.update(spoilt)
    data.update({n: (io.BytesIO(PDF), file_name) for n in form["files"]})
    return {"data": data}


def _form_strategy(form: dict):
    """The page's own submission with one or two fields (or the file's name) made hostile."""
    names = sorted(form["fields"])
    return st.builds(lambda spoilt, file_name: _form_data(form, spoilt, file_name),
                     st.dictionaries(st.sampled_from(names), _value(), min_size=1, max_size=2) if names
                     else st.just({}), st.sampled_from(FILE_NAMES))


def _form_examples(form: dict) -> list[dict]:
    """Each core value in every field of one kind at once, the others as the page has them; then
    1e400 and NaN in each text or number field alone."""
    kinds = sorted(set(form["kinds"].values()) - {"other"})
    examples = [_form_data(form, {n: value for n, k in form["kinds"].items() if k == kind})
                for kind in kinds for value in CORE]
    # Numbers that slip past a form into a service: one field at a time.
    examples += [_form_data(form, {n: value}) for n, k in sorted(form["kinds"].items())
                 if k in ("text", "number") for value in ("1e400", "NaN")]
    examples += [_form_data(form, {}, name) for name in FILE_NAMES if form["files"]]
    return examples


def _api_body():
    day = st.fixed_dictionaries({"date": st.one_of(_value(), st.just("2026-03-12")),
                                 "status": st.sampled_from(["present", "absent", "x\x00"]),
                                 "hours": st.one_of(_value(), st.just("4"))})
    return st.fixed_dictionaries({}, optional={
        "days": st.one_of(st.lists(day, max_size=3), _value()), "reason": _value(),
        "result_date": _value(), "kind": st.sampled_from(["employment", "studies", "x"]),
        "employer": _value(), "extent": _value(), "employment_form": st.sampled_from(["regular", "x"])})


def _api_examples(method: str) -> list[dict]:
    if method == "GET":
        return []
    return [{"json": {"days": [{"date": v, "status": "present", "hours": "4"}], "result_date": v,
                      "kind": "employment", "employer": "x", "extent": "x"}} for v in CORE] + \
           [{"json": {"days": [{"date": "2026-03-12", "status": "present", "hours": v}]}} for v in CORE]


def _requests(app, forms):
    """(method, rule, role, strategy of request arguments, explicit examples) for every route."""
    generic = {"fields": dict.fromkeys(sorted({n for f in forms.values() for n in f["fields"]}), "10"),
               "kinds": {}, "files": set()}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.rule.endswith(DOCUMENTS):
            continue
        view = app.view_functions[rule.endpoint]
        by_token = getattr(view, "access_token", False)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if by_token:
                strategy = st.fixed_dictionaries({"json": _api_body()}) if method != "GET" else \
                    st.fixed_dictionaries({"query_string": st.dictionaries(st.just("period"), _value(), max_size=1)})
                explicit = _api_examples(method)
            elif method == "GET":
                strategy = st.fixed_dictionaries({"query_string": st.dictionaries(
                    st.sampled_from(QUERY_NAMES), _value(), max_size=3)})
                explicit = []
            else:
                form = forms.get((rule.endpoint, method), generic)
                strategy, explicit = _form_strategy(form), _form_examples(form)
            for role in _roles(view):
                yield method, rule, role, strategy, explicit


def test_hostile_values_never_give_a_5xx_nor_a_half_written_change(app, client, auth):
    with app.app_context():
        world = _world(db.session, auth, app.config["UPLOAD_DIR"])
    forms = _crawl(app, client, auth, world)
    failures: list[str] = []
    for method, rule, role, strategy, explicit in _requests(app, forms):
        _walk(app, client, auth, world, failures, method, rule, role, strategy, explicit)
    first = {}
    for failure in failures:  # one example per route and kind of failure
        first.setdefault(failure.split(" with ")[0], failure)
    assert not first, "\n".join(f[:400] for f in first.values())


def _walk(app, client, auth, world, failures, method, rule, role, strategy, explicit) -> None:
    """Try one route and method as one role; note every 5xx and every refusal that wrote something."""
    engine = app.extensions["db_engine"]
    args = {n: st.sampled_from(world["args"].get(n, [1 if isinstance(c, IntegerConverter) else "x"]))
            for n, c in rule._converters.items() if not isinstance(c, AnyConverter)}
    args.update({n: st.sampled_from(sorted(c.items)) for n, c in rule._converters.items()
                 if isinstance(c, AnyConverter)})
    by_token = getattr(app.view_functions[rule.endpoint], "access_token", False)

    def attempt(values, request_kwargs):
        headers = {}
        if by_token:
            headers["Authorization"] = f"Bearer {world['token']}"
            auth.logout()
        else:
            _sign_in(auth, world, role)
        before = _snapshot(engine)
        if "data" in request_kwargs:  # a file is read (and closed) by each request: a fresh one
            request_kwargs = {**request_kwargs, "data": {
                n: (io.BytesIO(PDF), v[1]) if isinstance(v, tuple) else v
                for n, v in request_kwargs["data"].items()}}
        response = client.open(rule.build(values)[1], method=method, headers=headers, **request_kwargs)
        where = f"{method} {rule.rule} as {role or 'anonymous'} with {values} {request_kwargs!r:.300}"
        if response.status_code >= 500:
            failures.append(f"{response.status_code}: {where}")
        elif response.status_code >= 400:
            after = _snapshot(engine)
            changed = sorted(t for t in before if before[t] != after[t])
            if changed:
                failures.append(f"{response.status_code} but {changed} changed: {where}")

    first = _first_values(rule, world)
    for request_kwargs in explicit:
        attempt(first, request_kwargs)
    settings(max_examples=EXAMPLES_PER_READ if method == "GET" else EXAMPLES_PER_WRITE, deadline=None,
             database=None, derandomize=True, phases=[Phase.generate],
             suppress_health_check=list(HealthCheck))(
        given(values=st.fixed_dictionaries(args), request_kwargs=strategy)(attempt))()
