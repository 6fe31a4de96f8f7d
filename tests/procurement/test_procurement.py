"""Procurement under LOV: versioned conditions, contracts, new terms, the price rule, kinds of provider."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from app.common.errors import ValidationError
from app.common.models import AuditLog
from app.exchange.importer import import_document
from app.notifications.models import Notification
from app.offerings.models import Offering
from app.procurement import service
from app.procurement.models import Conditions, Contract, ContractChange
from app.providers.models import Provider
from tests.providers.factories import ORG_A, seed, switch_user
from tests.providers.test_application import ORG, apply

TODAY = date(2026, 12, 1)


def conditions_data(**overrides) -> service.ConditionsData:
    values = {"service_type": "praktik", "title": "Praktik hos arbetsgivare",
              "description": "Praktik på en arbetsplats med handledare.",
              "req_documents": "F-skattebevis, registreringsbevis", "req_insurance": "Ansvarsförsäkring 10 mkr",
              "req_staff": "Handledare med erfarenhet", "req_languages": "Svenska; gärna arabiska",
              "compensation": "Ersättning per närvarotimme.", "contract_months": "24",
              "price_rule": "fixed", "price_unit": "hour", "price_amount": "118,50",
              "level_amounts": "B=140, C=175"}
    values.update(overrides)
    return service.ConditionsData(**values)


def published(session, **overrides) -> Conditions:
    cond = service.create_draft(session, conditions_data(**overrides), None)
    service.publish(session, cond, None, TODAY)
    session.commit()
    return cond


# Conditions --------------------------------------------------------------------------------------

def test_a_published_version_never_changes_and_a_new_version_starts_as_a_copy(session):
    cond = published(session)
    assert cond.status == "published" and cond.version == 1
    assert cond.level_amounts == {"B": "140.00", "C": "175.00"}
    with pytest.raises(ValidationError) as exc:
        service.update_draft(session, cond, conditions_data(title="Ändrad"), None)
    assert exc.value.field == "title"
    new = service.copy_as_draft(session, cond, None)
    assert (new.version, new.status, new.title, new.price_amount) == (2, "draft", cond.title, cond.price_amount)
    with pytest.raises(ValidationError) as exc:
        service.copy_as_draft(session, cond, None)
    assert exc.value.field == "service_type"


def test_fixed_and_ceiling_need_a_unit_and_an_amount(session):
    with pytest.raises(ValidationError) as exc:
        service.check_conditions(conditions_data(price_amount=""))
    assert exc.value.field == "price_amount"
    with pytest.raises(ValidationError) as exc:
        service.check_conditions(conditions_data(price_rule="ceiling", price_unit=""))
    assert exc.value.field == "price_unit"
    with pytest.raises(ValidationError) as exc:
        service.check_conditions(conditions_data(level_amounts="D=12"))
    assert exc.value.field == "level_amounts"
    free = service.check_conditions(conditions_data(price_rule="free"))
    assert (free["price_unit"], free["price_amount"], free["level_amounts"]) == ("", None, {})


def test_the_published_version_is_public_with_a_pdf_and_a_draft_is_not(client, session):
    cond = published(session)
    draft = service.copy_as_draft(session, cond, None)
    session.commit()
    page = client.get("/upphandling/villkor/praktik/1")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Praktik hos arbetsgivare" in text and "Ansvarsförsäkring 10 mkr" in text
    assert "118,50" in text and "Nivå B" in text
    assert client.get(f"/upphandling/villkor/praktik/{draft.version}").status_code == 404
    pdf = client.get("/upphandling/villkor/praktik/1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "Praktik hos arbetsgivare" in client.get("/upphandling/villkor/").get_data(as_text=True)


def test_admin_writes_and_publishes_conditions_on_screen(client, auth, session):
    auth.login("admin")
    form = {"service_type": "praktik", "title": "Praktik", "description": "Vad det är",
            "contract_months": "12", "price_rule": "ceiling", "price_unit": "hour", "price_amount": "abc"}
    response = client.post("/admin/upphandling/villkor/ny", data=form)
    assert response.status_code == 400 and "högst två decimaler" in response.get_data(as_text=True)
    response = client.post("/admin/upphandling/villkor/ny", data={**form, "price_amount": "130"})
    assert response.status_code == 302
    cond = session.exec(select(Conditions)).one()
    session.commit()
    client.post(f"/admin/upphandling/villkor/{cond.id}/publicera", data={"accept_by": ""})
    session.expire_all()
    assert session.get(Conditions, cond.id).status == "published"
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "conditions")).all()
    assert actions == ["create", "publish"]


# Applications and contracts -------------------------------------------------------------------------

def _approve(client, auth, session) -> Provider:
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG)).one()
    session.commit()
    switch_user(auth, auth.user("admin"))
    response = client.post(f"/admin/anordnare/{provider.id}", data={"action": "approve", "reason": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    return provider


def test_apply_against_the_current_version_then_approval_offers_a_contract_to_accept(client, auth, session):
    published(session)
    form = client.get("/anordnare/ansok").get_data(as_text=True)
    assert "/upphandling/villkor/praktik/1" in form
    assert apply(client, kind="social_enterprise").status_code == 302
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG)).one()
    assert provider.kind == "social_enterprise"
    entry = session.exec(select(AuditLog).where(AuditLog.entity == "provider",
                                                AuditLog.action == "apply")).one()
    assert entry.after["conditions"] == {"praktik": 1}
    provider = _approve(client, auth, session)
    contract = session.exec(select(Contract).where(Contract.provider_id == provider.id)).one()
    cond = service.current(session, "praktik")
    assert contract.status == "offered" and contract.terms == {"praktik": cond.id}
    assert contract.end_date == service.add_months(contract.start_date, 24) - timedelta(days=1)
    review = client.get(f"/admin/anordnare/{provider.id}").get_data(as_text=True)
    assert contract.ref in review
    session.commit()

    user = auth.user("provider", email="maja@sprangbradan.example", provider_org_nr=ORG)
    switch_user(auth, user)
    assert contract.ref in client.get("/anordnare/avtal/").get_data(as_text=True)
    client.post(f"/anordnare/avtal/{contract.id}/godta")
    session.expire_all()
    contract = session.get(Contract, contract.id)
    assert contract.status == "active" and contract.accepted_by_id == user.id and contract.accepted_at
    assert session.exec(select(AuditLog).where(AuditLog.entity == "contract",
                                               AuditLog.action == "accept")).one().user_id == user.id


def _active_contract(session) -> tuple[Contract, object]:
    from app.auth.service import create_user

    seed(session)
    first = published(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    provider.service_types = ["praktik"]
    contract = service.offer_contract(session, provider, None, TODAY)
    user = create_user(session, email="a@arbetsvagen.example", role="provider", password="korrekt-hast-batteri-häftapparat",
                       provider_org_nr=ORG_A)
    service.accept_contract(session, contract, user)
    session.commit()
    return contract, user, first


def test_a_new_version_is_sent_and_the_old_terms_apply_until_it_is_accepted(session):
    contract, user, first = _active_contract(session)
    second = service.copy_as_draft(session, first, None)
    second.price_amount = second.price_amount + 10
    changes = service.publish(session, second, None, TODAY, TODAY + timedelta(days=14))
    session.commit()
    assert [c.contract_id for c in changes] == [contract.id]
    note = session.exec(select(Notification).where(Notification.provider_id == contract.provider_id)
                        .order_by(Notification.id.desc())).first()
    assert "version 2" in note.subject
    assert service.applicable(session, contract.provider_id, "praktik").id == first.id
    service.accept_change(session, changes[0].id, user, TODAY + timedelta(days=3))
    session.commit()
    assert session.get(Contract, contract.id).terms == {"praktik": second.id}
    assert service.applicable(session, contract.provider_id, "praktik").id == second.id
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "contract_change")).all()
    assert actions == ["send", "accept"]


def test_declined_or_late_new_terms_let_the_contract_end_at_its_end_date(session):
    contract, user, first = _active_contract(session)
    second = service.copy_as_draft(session, first, None)
    changes = service.publish(session, second, None, TODAY, TODAY + timedelta(days=14))
    with pytest.raises(ValidationError) as exc:
        service.accept_change(session, changes[0].id, user, TODAY + timedelta(days=15))
    assert exc.value.field == "change"
    assert service.ending(contract, changes, TODAY + timedelta(days=15))
    service.decline_change(session, changes[0].id, user, TODAY + timedelta(days=1))
    session.commit()
    assert session.get(ContractChange, changes[0].id).status == "declined"
    assert session.get(Contract, contract.id).terms == {"praktik": first.id}
    assert service.end_expired(session, contract.end_date) == []
    late = service.copy_as_draft(session, second, None)
    [unanswered] = service.publish(session, late, None, TODAY, TODAY + timedelta(days=14))
    service.end_expired(session, TODAY + timedelta(days=15))
    assert unanswered.status == "lapsed" and service.ending(contract, [unanswered], TODAY)
    assert session.exec(select(AuditLog).where(AuditLog.action == "lapse")).one()
    assert [c.id for c in service.end_expired(session, contract.end_date + timedelta(days=1))] == [contract.id]


def test_another_providers_contract_cannot_be_accepted(session):
    contract, _user, _first = _active_contract(session)
    from app.auth.service import create_user

    other = create_user(session, email="b@nastasteg.example", role="provider", password="korrekt-hast-batteri-häftapparat",
                        provider_org_nr="559123-4561")
    contract.status = "offered"
    with pytest.raises(ValidationError):
        service.accept_contract(session, contract, other)


# The price rule ------------------------------------------------------------------------------------

OFFERING_FORM = {"service_type": "praktik", "title": "Praktik i verkstad", "description": "Svets",
                 "rate_unit": "hour", "rate": "135,50", "vat_rate": "0", "start_share": "50",
                 "capacity": "4", "area": "", "address": "", "languages": "sv", "target_groups": "",
                 "available_from": "", "available_to": ""}


def test_an_offering_rate_that_breaks_the_fixed_rate_is_refused_naming_the_field(client, auth, session):
    seed(session)
    published(session)
    auth.login("provider", provider_org_nr=ORG_A)
    response = client.post("/tjanster/ny", data=OFFERING_FORM)
    assert response.status_code == 400
    assert "anger ett fast pris på 118,50" in response.get_data(as_text=True)
    response = client.post("/tjanster/ny", data={**OFFERING_FORM, "rate_unit": "day", "rate": "118,50"})
    assert response.status_code == 400 and "per timme" in response.get_data(as_text=True)
    assert client.post("/tjanster/ny", data={**OFFERING_FORM, "rate": "118,50"}).status_code == 302


def test_ceiling_and_level_rates_are_checked_against_the_version(session):
    cond = Conditions(service_type="praktik", version=3, title="x", price_rule="ceiling",
                      price_unit="hour", price_amount=service.money("120"), level_amounts={"B": "150.00"})
    assert service.price_problem(cond, "hour", service.money("120"), None) is None
    assert service.price_problem(cond, "hour", service.money("121"), None)[0] == "rate"
    assert service.price_problem(cond, "hour", service.money("100"), {"B": "150.00"}) is None
    field, message = service.price_problem(cond, "hour", service.money("100"), {"B": "151.00"})
    assert field == "level_rates.B" and message.startswith("nivå B:")
    assert service.price_problem(cond, "hour", service.money("100"), {"C": "121.00"})[0] == "level_rates.C"
    free = Conditions(service_type="praktik", version=1, title="x", price_rule="free")
    assert service.price_problem(free, "day", service.money("9999"), None) is None


def test_import_refuses_an_offering_that_breaks_the_price_rule(session):
    published(session)
    doc = {"providers": [{"ref": "P1", "org_nr": ORG_A, "name": "A AB", "status": "approved"}],
           "offerings": [{"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "T",
                          "rate_unit": "hour", "rate": "130.00"}]}
    with pytest.raises(ValidationError) as exc:
        import_document(session, doc)
    assert exc.value.field == "offerings[0].rate" and "fixed rate of 118.50" in exc.value.message
    session.rollback()
    doc["offerings"][0]["rate"] = "118.50"
    import_document(session, doc)
    assert session.exec(select(Offering)).one().rate == service.money("118.50")


# Kinds of provider --------------------------------------------------------------------------------

def test_import_takes_an_optional_kind_and_names_a_bad_one(session):
    doc = {"providers": [{"ref": "P1", "org_nr": ORG_A, "name": "Egen regi", "kind": "own_unit"},
                         {"ref": "P2", "org_nr": "559123-4561", "name": "B AB"}]}
    import_document(session, doc)
    kinds = dict(session.exec(select(Provider.ref, Provider.kind)).all())
    assert kinds == {"P1": "own_unit", "P2": "company"}
    with pytest.raises(ValidationError) as exc:
        import_document(session, {"providers": [{**doc["providers"][0], "kind": "bolag"}]})
    assert exc.value.field == "providers[0].kind"


def test_admin_sets_the_kind_and_iop(client, auth, session):
    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    session.commit()
    switch_user(auth, auth.user("admin"))
    page = client.get(f"/admin/anordnare/{provider.id}").get_data(as_text=True)
    assert "Typ av anordnare" in page
    client.post(f"/admin/upphandling/anordnare/{provider.id}/typ", data={"kind": "nonprofit", "iop": "y"})
    session.expire_all()
    provider = session.get(Provider, provider.id)
    assert (provider.kind, provider.iop) == ("nonprofit", True)


def test_the_comparison_page_names_the_kind_in_plain_words(app, client, auth, session):
    from datetime import date as _date

    from app.kundval.models import Referral
    from tests.kundval.test_views import _code, _login, _offerings, _register

    ids = _offerings(app)
    provider = session.exec(select(Provider)).one()
    provider.kind = "social_enterprise"
    session.commit()
    _login(auth, "case_worker")
    client_id = _register(client)
    client.post(f"/handlaggare/deltagare/{client_id}/beslut/nytt", data={
        "service_type": "praktik", "valid_from": _date.today().isoformat(),
        "valid_to": (_date.today() + timedelta(days=90)).isoformat(), "max_hours_per_week": "20"})
    referral = session.exec(select(Referral)).one()
    code = _code(client, client_id)
    auth.logout()
    client.post("/deltagare/logga-in", data={"code": code.lower()})
    client.get("/sprak/sv")  # the client is recorded as reading Arabic; this test reads Swedish
    page = client.get(f"/deltagare/beslut/{referral.id}/jamfor?o={ids[0]}&o={ids[1]}").text
    assert "Socialt företag" in page and "Arbetsintegrerande" not in page


def test_key_figures_count_providers_and_placements_per_kind(session):
    from app.followup import figures
    from tests.followup.test_figures import facts, placement
    from tests.kundval import factories as f

    day = date.today()
    kinds = ("social_enterprise", "own_unit", "company")
    providers = [f.provider(session, f"Anordnare {kind}", org_nr=f.ORG_NRS[i]) for i, kind in enumerate(kinds)]
    for provider, kind in zip(providers, kinds, strict=True):
        provider.kind = kind
    offerings = [f.offering(session, provider) for provider in providers[:2]]
    for i in range(10):  # five active placements at the social enterprise, five at the own unit
        referral = f.referral(session, f.client(session, i), decided_on=day - timedelta(days=20))
        f.placement(session, referral, offerings[i // 5], start=day - timedelta(days=10))
    session.commit()
    rows = {r.kind: r for r in figures.by_provider_kind(session, day)}
    assert (rows["social_enterprise"].providers, rows["social_enterprise"].active) == (1, 5)
    assert rows["social_enterprise"].share == Decimal("50.00") and not rows["own_unit"].hidden
    assert rows["company"].providers == 1 and rows["nonprofit"].providers == 0
    kinds_of = {p: "social_enterprise" if i < 5 else "own_unit" for i, p in enumerate(
        [f"S{i}" for i in range(5)] + [f"O{i}" for i in range(5)])}
    placements = [placement(ref, date(2026, 10, 1)) for ref in kinds_of]
    placements = [figures.PlacementFact(**{**p.__dict__, "provider_kind": kinds_of[p.ref]}) for p in placements]
    day = date(2026, 10, 15)
    grouped = figures.compute(facts(placements), day, day, "provider_kind", day)
    assert grouped["own_unit"]["active"].value == 5


def test_the_demo_data_marks_the_municipalitys_own_unit():
    import json

    from tests.conftest import ROOT

    providers = json.loads((ROOT / "providers_seed" / "demo.json").read_text())["providers"]
    kinds = {p["name"]: p.get("kind", "company") for p in providers}
    assert kinds["Kommunens arbetsmarknadsenhet"] == "own_unit"
    assert kinds["Kooperativet Nästa Steg ek. för."] == "social_enterprise"


def test_offerings_are_published_only_once_the_contract_is_accepted(session):
    from app.offerings import service as offerings

    seed(session)
    published(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    provider.service_types = ["praktik"]
    contract = service.offer_contract(session, provider, None, TODAY)
    offering = offerings.create_offering(session, provider, offerings.OfferingData(
        service_type="praktik", title="Praktik", rate_unit="hour", rate="118.50"), None)
    with pytest.raises(ValidationError) as exc:
        offerings.publish(session, offering, None)
    assert exc.value.field == "status"
    contract.status = "active"
    assert offerings.publish(session, offering, None).status == "published"


def test_the_daily_job_ends_contracts_past_their_end_date(session):
    contract, _user, _first = _active_contract(session)
    outcome = service.ending_contracts_job(session, contract.end_date + timedelta(days=1))
    assert outcome.ran and session.get(Contract, contract.id).status == "ended"


def test_the_dashboard_shows_providers_per_kind(client, auth, session):
    seed(session)
    auth.login("finance")
    page = client.get("/uppfoljning/?year=2026&through=2026-06").get_data(as_text=True)
    assert "Anordnare per typ" in page and "Arbetsintegrerande socialt företag" in page


def test_reimporting_an_unchanged_offering_is_not_checked_against_newer_conditions(session):
    doc = {"providers": [{"ref": "P1", "org_nr": ORG_A, "name": "A AB", "status": "approved"}],
           "offerings": [{"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "T",
                          "rate_unit": "hour", "rate": "130.00"}]}
    import_document(session, doc)
    published(session)
    import_document(session, doc)
    doc["offerings"][0]["rate"] = "131.00"
    with pytest.raises(ValidationError) as exc:
        import_document(session, doc)
    assert exc.value.field == "offerings[0].rate"


def test_bad_requests_get_a_message_or_a_404_never_a_500(client, auth, session):
    seed(session)
    cond = published(session)
    user = auth.login("admin")
    form = {"service_type": "praktik", "title": "Praktik", "description": "x", "contract_months": "abc",
            "price_rule": "free", "price_unit": "", "price_amount": ""}
    assert client.post("/admin/upphandling/villkor/ny", data=form).status_code == 400
    assert client.post("/admin/upphandling/villkor/ny", data={**form, "contract_months": "0"}).status_code == 400
    draft = service.copy_as_draft(session, cond, user.id)
    session.commit()
    response = client.post(f"/admin/upphandling/villkor/{draft.id}/publicera", data={"accept_by": "2000-01-01"})
    assert response.status_code == 302 and session.get(Conditions, draft.id).status == "draft"
    session.commit()
    assert client.post(f"/admin/upphandling/villkor/{cond.id}/publicera").status_code == 302
    assert client.post(f"/admin/upphandling/villkor/{cond.id}/ny-version").status_code == 302
    assert client.get("/admin/upphandling/villkor/999999").status_code == 404
    assert client.get("/upphandling/villkor/okand/1").status_code == 404
    assert client.get(f"/admin/upphandling/villkor/{cond.id}").status_code == 200
    assert client.get("/admin/upphandling/").status_code == 200
    session.commit()
    switch_user(auth, auth.user("provider", email="p@x.example", provider_org_nr=ORG_A))
    assert client.post("/anordnare/avtal/999/godta").status_code == 302
    assert client.post("/anordnare/avtal/andring/999/godta").status_code == 302
    assert client.post("/anordnare/avtal/andring/999/avboj").status_code == 302
