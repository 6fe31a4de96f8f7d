"""The client's journey in Chromium in Arabic (right to left, 320 px) and in Tigrinya (390 px):
sign in with a code, compare, choose, confirmation; axe finds nothing serious on the Arabic pages."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, shot
from tests.browser.test_kundval_choice import check
from tests.kundval import factories as f

pytestmark = pytest.mark.browser


def _arrange(live_server, language: str) -> str:
    from app.kundval import service

    with live_server.session() as s:
        good = f.provider(s, "Steget AB", org_nr="556036-0793")
        other = f.provider(s, "Nya Vägar ekonomisk förening", org_nr="556016-0680")
        shop = f.offering(s, good, title="Praktik i butik", area="Centrum", languages=["sv", "ar", "ti"])
        shop.descriptions = {"ar": "تتدرّب في متجر مع مشرف يساعدك.", "ti": "ምስ ዝሕግዘካ ተቖጻጻሪ ኣብ ድኳን ትለማመድ።"}
        f.offering(s, other, title="Praktik på lager", area="Norrby", languages=["sv", "so"])
        c = f.client(s, 0, name="Amina Ali")
        c.language = language
        f.referral(s, c, decided_on=date.today())
        return service.issue_login_code(s, c, actor_id=None)


def _is_rtl(page) -> bool:
    return page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"


def test_the_client_chooses_in_arabic_on_a_320_px_phone(live_server, phone_page):
    code = _arrange(live_server, "sv")
    phone = phone_page
    phone.goto(f"{live_server.url}/deltagare/logga-in")
    phone.get_by_role("navigation", name="Välj språk").get_by_role("link", name="العربية").click()
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    assert _is_rtl(phone)
    check(phone, "client-ar-320-login")
    phone.get_by_label("رمزك").fill(code)
    phone.get_by_role("button", name="تسجيل الدخول").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("مرحبًا Amina!")
    check(phone, "client-ar-320-overview")
    phone.get_by_role("link", name="اطّلع على ما يمكنك اختياره").click()
    expect(phone.get_by_text("يتم عرض 2 من 2 خدمة.")).to_be_visible()
    check(phone, "client-ar-320-offerings")
    boxes = phone.get_by_role("checkbox", name="قارن")
    boxes.nth(0).check()
    boxes.nth(1).check()
    phone.get_by_role("button", name=re.compile("قارن المختارة")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("قارن")
    expect(phone.get_by_text("تتدرّب في متجر مع مشرف يساعدك.")).to_be_visible()
    check(phone, "client-ar-320-compare")
    phone.get_by_role("link", name="اختر Praktik i butik").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("أكّد اختيارك")
    check(phone, "client-ar-320-confirm")
    phone.get_by_role("button", name="نعم، أختار هذا").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("تم! لديك مكان.")
    expect(phone.get_by_text("سيتصل بك Steget AB خلال ثلاثة أيام عمل.")).to_be_visible()
    check(phone, "client-ar-320-done")
    phone.get_by_role("navigation", name="القائمة الرئيسية").get_by_role("link", name="معلوماتي").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("معلوماتي")
    check(phone, "client-ar-320-my-data")


def test_the_client_chooses_in_tigrinya_recorded_by_the_case_worker_on_a_390_px_phone(live_server, browser):
    code = _arrange(live_server, "ti")
    context, phone = _new_page(browser, {"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        phone.goto(f"{live_server.url}/deltagare/logga-in")
        phone.get_by_label("Din kod").fill(code)
        phone.get_by_role("button", name="Logga in").click()
        # No language chosen in this browser: the case worker's recorded language comes first.
        expect(phone.get_by_role("heading", level=1)).to_have_text("ሰላም Amina!")
        expect(phone.locator("html")).to_have_attribute("lang", "ti")
        check(phone, "client-ti-390-overview")
        phone.get_by_role("link", name="እንታይ ክትመርጽ ከም እትኽእል ርአ").click()
        phone.get_by_label("ቋንቋ", exact=True).select_option("ti")
        phone.get_by_role("button", name="ኣርኢ").click()
        expect(phone.get_by_text("ካብ 2 ኣገልግሎታት 1 ይርኣዩ ኣለዉ።")).to_be_visible()
        check(phone, "client-ti-390-offerings")
        phone.get_by_label("ቋንቋ", exact=True).select_option("")
        phone.get_by_role("button", name="ኣርኢ").click()
        boxes = phone.get_by_role("checkbox", name="ኣወዳድር")
        boxes.nth(0).check()
        boxes.nth(1).check()
        phone.get_by_role("button", name=re.compile("ዝተመርጹ ኣወዳድር")).click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("ኣወዳድር")
        expect(phone.get_by_text("ምስ ዝሕግዘካ ተቖጻጻሪ ኣብ ድኳን ትለማመድ።")).to_be_visible()
        check(phone, "client-ti-390-compare")
        phone.get_by_role("link", name="Praktik i butik ምረጽ").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("ምርጫኻ ኣረጋግጽ")
        check(phone, "client-ti-390-confirm")
        phone.get_by_role("button", name="እወ፣ ነዚ እመርጽ").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("ተወዲኡ! ቦታ ኣለካ።")
        check(phone, "client-ti-390-done")
    finally:
        context.close()


def test_arabic_pages_at_390_px_and_dari_sign_in_fit_the_phone(live_server, browser):
    _arrange(live_server, "sv")
    context, phone = _new_page(browser, {"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        phone.goto(f"{live_server.url}/sprak/ar?next=/deltagare/logga-in")
        check(phone, "client-ar-390-login")
        phone.goto(f"{live_server.url}/sprak/fa_AF?next=/deltagare/logga-in")
        assert _is_rtl(phone)
        check(phone, "client-fa_AF-390-login")
        phone.goto(f"{live_server.url}/sprak/sv_LL?next=/deltagare/logga-in")
        shot(phone, "client-sv_LL-390-login")
        expect(phone.get_by_text("Koden har 8 tecken. Till exempel ABCD-EFGH.")).to_be_visible()
    finally:
        context.close()
