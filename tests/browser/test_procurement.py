"""Procurement in Chromium: conditions published and read on a phone, an application against them,
the contract accepted, a new version sent and accepted (or declined), and the price rule."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.browser.test_kundval_choice import serious_violations
from tests.browser.test_provider_portal import _files, _fill_application, _link
from tests.conftest import PASSWORD

PROVIDER = "Språngbrädan ek. för."


def _write_conditions(page, base: str) -> None:
    page.goto(f"{base}/admin/upphandling/villkor/ny")
    page.get_by_label("Insatstyp").select_option("praktik")
    page.get_by_label("Rubrik").fill("Praktik hos arbetsgivare i Exempelby")
    page.get_by_label("Vad tjänsten är").fill(
        "Praktik på en arbetsplats med handledare, 8–40 timmar i veckan, i upp till sex månader.")
    page.get_by_label("Krav: dokument och intyg").fill("F-skattebevis, registreringsbevis, kreditupplysning.")
    page.get_by_label("Krav: försäkring").fill("Ansvarsförsäkring om minst 10 miljoner kronor.")
    page.get_by_label("Krav: personalens kompetens").fill("Handledare med minst två års erfarenhet.")
    page.get_by_label("Krav: språk").fill("Svenska. Gärna arabiska, somaliska eller tigrinja.")
    page.get_by_label("Ersättningsmodell").fill("Ersättning per närvarotimme enligt månadsrapporten.")
    page.get_by_label("Prisregel").select_option("fixed")
    page.get_by_label("Ersättningsform för priset").select_option("hour")
    page.get_by_label("Belopp i kronor").fill("118,50")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_text("Utkastet är sparat.")).to_be_visible()


def _publish(page, accept_by: str = "") -> None:
    if accept_by:
        page.get_by_label("Sista dag för avtalade anordnare").fill(accept_by)
    page.get_by_role("button", name="Publicera version").click()
    expect(page.get_by_text("är publicerad och skickad till")).to_be_visible()


def _logout(page) -> None:
    page.get_by_role("button", name="Logga ut").click()


def test_apply_approve_accept_the_contract_then_a_new_version(live_server, page, phone_page, tmp_path):
    base = live_server.url
    live_server.user("admin")
    login(page, base, "admin@test.example")
    _write_conditions(page, base)
    _publish(page)
    shot(page, "procurement-admin-desktop")
    assert serious_violations(page) == []
    _logout(page)

    # Anyone reads the published conditions, on a phone too.
    phone_page.goto(f"{base}/upphandling/villkor/praktik/1")
    expect(phone_page.get_by_role("heading", name="Praktik hos arbetsgivare i Exempelby")).to_be_visible()
    expect(phone_page.get_by_text("Fast pris som kommunen bestämmer: 118,50 kr per timme.")).to_be_visible()
    shot(phone_page, "procurement-conditions-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious_violations(phone_page) == []
    page.goto(f"{base}/upphandling/villkor/praktik/1")
    shot(page, "procurement-conditions-desktop")
    assert serious_violations(page) == []
    page.goto(f"{base}/upphandling/villkor/")
    assert serious_violations(page) == []

    # The application names the version it is made against and asks for the kind of organisation.
    page.goto(f"{base}/anordnare/ansok")
    expect(page.get_by_role("link", name="Praktik: Praktik hos arbetsgivare i Exempelby, version 1")).to_be_visible()
    _fill_application(page, _files(tmp_path))
    page.get_by_label("Typ av organisation").select_option("social_enterprise")
    shot(page, "procurement-application-desktop")
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.get_by_role("heading", name="Tack, ansökan är skickad")).to_be_visible()

    login(page, base, "admin@test.example")
    page.goto(f"{base}/admin/anordnare/")
    page.get_by_role("link", name=PROVIDER).click()
    page.get_by_label("Beslut").select_option("approve")
    page.get_by_role("button", name="Registrera beslut").click()
    expect(page.get_by_text("Väntar på anordnarens godkännande")).to_be_visible()
    expect(page.get_by_text("Arbetsintegrerande socialt företag").first).to_be_visible()
    shot(page, "procurement-admin-review-desktop")
    _logout(page)

    page.goto(base + _link(live_server, provider_name=PROVIDER))
    page.get_by_label("Ditt namn").fill("Maja Berg")
    page.get_by_label("Välj ett lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    login(page, base, "maja@sprangbradan.example")
    page.goto(f"{base}/anordnare/")
    page.get_by_role("link", name="Gå till Avtal").click()
    shot(page, "procurement-contract-offered-desktop")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Godta avtalet").click()
    expect(page.get_by_text("Avtalet är godtaget.")).to_be_visible()
    expect(page.get_by_text("maja@sprangbradan.example").first).to_be_visible()

    # The rate must keep to the fixed price of the conditions; the field is named.
    page.goto(f"{base}/tjanster/ny")
    page.get_by_label("Insatstyp").select_option("praktik")
    page.get_by_label("Rubrik").fill("Praktik i vårt café")
    page.get_by_label("Ersättningsform").select_option("hour")
    page.get_by_label("Ersättning i kronor (exkl. moms)").fill("125")
    page.get_by_label("Momssats").select_option("0")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("anger ett fast pris på 118,50")).to_be_visible()
    shot(page, "procurement-offering-refused-desktop")
    page.get_by_label("Ersättning i kronor (exkl. moms)").fill("118,50")
    page.get_by_role("button", name="Spara").click()
    page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_text("Tjänsten är publicerad.")).to_be_visible()
    _logout(page)

    # A new version goes to the contracted provider, who accepts it.
    login(page, base, "admin@test.example")
    page.goto(f"{base}/admin/upphandling/")
    page.get_by_role("button", name="Ny version").click()
    page.get_by_label("Belopp i kronor").fill("122")
    page.get_by_role("button", name="Spara utkast").click()
    _publish(page, (date.today() + timedelta(days=20)).isoformat())
    expect(page.get_by_text("skickad till 1 avtalade anordnare")).to_be_visible()
    _logout(page)

    login(page, base, "maja@sprangbradan.example")
    page.goto(f"{base}/meddelanden/")
    expect(page.get_by_text("version 2").first).to_be_visible()
    page.goto(f"{base}/anordnare/avtal/")
    expect(page.get_by_text("till dess gäller de nuvarande villkoren")).to_be_visible()
    shot(page, "procurement-new-version-desktop")
    phone_page.context.add_cookies(page.context.cookies())
    phone_page.goto(page.url)
    shot(phone_page, "procurement-new-version-phone")
    page.get_by_role("button", name="Godta version 2").click()
    expect(page.get_by_text("De nya villkoren är godtagna")).to_be_visible()
    expect(page.get_by_role("link", name="Praktik, version 2").first).to_be_visible()
    shot(page, "procurement-new-version-accepted-desktop")


def test_a_provider_lets_the_contract_end_instead_of_accepting_new_terms(live_server, page):
    from sqlmodel import select

    from app.auth.models import User
    from app.procurement import service
    from app.providers.models import Provider

    live_server.provider()
    user = live_server.user("provider", email="anna@arbetsvagen.example", provider_org_nr="556677-8899")
    today = date.today()
    with live_server.session() as session:
        provider = session.exec(select(Provider)).one()
        provider.service_types = ["praktik"]
        first = service.create_draft(session, service.ConditionsData(
            service_type="praktik", title="Praktik", description="Praktik på arbetsplats.",
            price_rule="ceiling", price_unit="hour", price_amount="130"), None)
        service.publish(session, first, None, today)
        contract = service.offer_contract(session, provider, None, today)
        service.accept_contract(session, contract, session.get(User, user.id))
        second = service.copy_as_draft(session, first, None)
        service.publish(session, second, None, today, today + timedelta(days=10))
        end = contract.end_date.isoformat()

    login(page, live_server.url, "anna@arbetsvagen.example")
    page.goto(f"{live_server.url}/anordnare/avtal/")
    page.get_by_role("button", name=f"Avböj och låt avtalet upphöra {end}").click()
    expect(page.get_by_text("Ni har avböjt de nya villkoren.")).to_be_visible()
    expect(page.get_by_text(f"Upphör {end}")).to_be_visible()
    expect(page.get_by_role("link", name="Praktik, version 1").first).to_be_visible()
    shot(page, "procurement-contract-ending-desktop")
