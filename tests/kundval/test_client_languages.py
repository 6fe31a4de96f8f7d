"""Choosing the page language: clients get eight, staff pages stay Swedish and English, rtl for Arabic."""
from __future__ import annotations

from decimal import Decimal

from app.common.i18n import fmt_money
from app.kundval import service
from app.kundval.models import Client
from tests.kundval import factories as f


def _client_user(session, language="sv"):
    c = f.client(session, 0, name="Amina Ali")
    c.language = language
    f.referral(session, c)
    user = service.client_user(session, c)
    session.commit()
    return c, user


def test_sign_in_page_offers_every_language_named_in_itself(client):
    page = client.get("/deltagare/logga-in").text
    for name in ("Svenska", "Lättläst svenska", "English", "العربية", "دری", "Soomaali", "ትግርኛ", "Українська"):
        assert name in page
    assert 'href="/sprak/ti?next=/deltagare/logga-in"' in page


def test_choosing_arabic_before_signing_in_gives_a_right_to_left_page(client):
    assert client.get("/sprak/ar?next=/deltagare/logga-in").status_code == 302
    page = client.get("/deltagare/logga-in").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page


def test_dari_is_right_to_left_and_tigrinya_left_to_right(client):
    client.get("/sprak/fa_AF")
    assert '<html lang="fa-AF" dir="rtl">' in client.get("/deltagare/logga-in").text
    client.get("/sprak/ti")
    page = client.get("/deltagare/logga-in").text
    assert '<html lang="ti">' in page and "እቶ" in page


def test_easy_to_read_swedish_has_its_own_words_and_swedish_formatting(client):
    client.get("/sprak/sv_LL")
    page = client.get("/deltagare/logga-in").text
    assert '<html lang="sv">' in page
    assert "Koden har 8 tecken. Till exempel ABCD-EFGH." in page


def test_staff_pages_stay_swedish_when_another_language_was_chosen(client, auth):
    client.get("/sprak/ar")
    assert '<html lang="sv">' in client.get("/login").text
    auth.login("case_worker")
    page = client.get("/").text
    assert '<html lang="sv">' in page and "العربية" not in page


def test_staff_can_still_choose_english(client, auth):
    auth.login("case_worker")
    client.get("/sprak/en")
    assert '<html lang="en">' in client.get("/").text


def test_the_case_workers_recorded_language_is_the_first_choice(client, auth, session):
    _, user = _client_user(session, language="ti")
    auth.login_user(user)
    page = client.get("/deltagare/").text
    assert '<html lang="ti">' in page
    assert "ሰላም Amina!" in page


def test_a_farsi_reader_is_shown_dari(client, auth, session):
    _, user = _client_user(session, language="fa")
    auth.login_user(user)
    assert 'dir="rtl"' in client.get("/deltagare/").text


def test_the_clients_choice_is_remembered_for_the_next_visit(client, auth, session):
    c, user = _client_user(session, language="ar")
    auth.login_user(user)
    client.get("/sprak/uk")
    session.expire_all()
    assert session.get(Client, c.id).page_language == "uk"
    auth.logout()
    auth.login_user(user)  # a new session: no choice in it, the remembered one applies
    assert '<html lang="uk">' in client.get("/deltagare/").text
    assert session.get(Client, c.id).language == "ar"  # the case worker's record stays


def test_a_choice_before_signing_in_is_kept_and_remembered(client, session):
    c = f.client(session, 0, name="Amina Ali")
    f.referral(session, c)
    code = service.issue_login_code(session, c, actor_id=None)
    session.commit()
    client.get("/sprak/so?next=/deltagare/logga-in")
    response = client.post("/deltagare/logga-in", data={"code": code})
    assert response.status_code == 302
    assert '<html lang="so">' in client.get("/deltagare/").text
    session.expire_all()
    assert session.get(Client, c.id).page_language == "so"


def test_an_unknown_language_is_ignored(client):
    client.get("/sprak/xx")
    assert '<html lang="sv">' in client.get("/deltagare/logga-in").text


def test_error_pages_for_clients_are_in_their_language(client):
    client.get("/sprak/uk")
    page = client.get("/deltagare/finns-inte")
    assert page.status_code == 404 and '<html lang="uk">' in page.text


def test_money_is_formatted_for_the_locale():
    assert fmt_money(Decimal("1234.50"), locale="sv").replace("\u00a0", " ") == "1 234,50 kr"
    assert "1,234.50" in fmt_money(Decimal("1234.50"), locale="en")
    assert "SEK" in fmt_money(Decimal("1234.50"), locale="ar")
    assert "1" in fmt_money(Decimal("1234.50"), locale="uk")


def test_a_service_message_reaches_the_client_in_their_language(app):
    from flask import request

    from app.common.languages import page_language
    from app.kundval import choice
    from app.kundval.client_messages import client_error

    with app.test_request_context("/deltagare/"):
        request.kundval_page_language = page_language("ar")
        assert client_error(choice.NO_PLACE) == "للأسف، المكان محجوز بالفعل. اختر خدمة أخرى."
        assert client_error("något vi inte känner till") == "Något vi inte känner till."
    with app.test_request_context("/deltagare/"):
        assert client_error(choice.NO_PLACE) == "Platsen är tyvärr redan tagen. Välj en annan tjänst."
