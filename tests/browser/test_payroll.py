"""Pay evidence in Chromium: a case worker reads in a payroll file and sees "lön finns" beside the
verify button, and a result without pay on the list."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_kundval_choice import check
from tests.kundval import factories as f


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def test_case_worker_reads_pay_data_and_sees_the_evidence_beside_the_button(live_server, page, tmp_path,
                                                                           task_worker):
    from app.kundval.models import Outcome

    worker = live_server.user("case_worker", name="Karin Handläggare")
    today = date.today()
    recent = today.replace(day=1) - timedelta(days=10)  # last month
    old = today - timedelta(days=100)
    with live_server.session() as s:
        prov = f.provider(s, "Steget AB", org_nr="556036-0793")
        off = f.offering(s, prov, title="Lager")
        for index, name, result_date, employer in ((0, "Amina Ali", recent, "Hotell Stjärnan"),
                                                   (1, "Bo Berg", old, "Bygg & Montage AB")):
            c = f.client(s, index, name=name, case_worker_id=worker.id)
            r = f.referral(s, c, decided_on=result_date - timedelta(days=60), case_worker_id=worker.id)
            pl = f.placement(s, r, off, start=result_date - timedelta(days=50))
            s.add(Outcome(ref=f"R{index}", placement_id=pl.id, kind="employment", result_date=result_date,
                          employer=employer, extent="heltid"))
    path = tmp_path / "agi.csv"
    path.write_text("\ufeffpersonnummer;arbetsgivare_orgnr;period;kontant_bruttolon\n"
                    f"{f.PERSONAL_IDS[0]};556677-8899;{_month(recent)};21 300,50\n"
                    f"19850315-9645;556677-8899;{_month(recent)};30000\n", encoding="utf-8")
    login(page, live_server.url, worker.email)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Lönedata").click()
    page.get_by_label("Fil med lönedata (CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Läs in", exact=True).click()
    expect(page.locator("#payroll-summary")).to_contain_text(
        "Använda rader: 1. Bortlagda rader (inte deltagare): 1.", timeout=30_000)
    check(page, "payroll-upload")

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Resultat").click()
    amina = page.get_by_role("row").filter(has_text="Amina Ali").first
    expect(amina.get_by_text("lön finns", exact=True)).to_be_visible()
    expect(amina.get_by_role("button", name="Verifiera")).to_be_visible()
    bo = page.get_by_role("row").filter(has_text="Bo Berg").first
    expect(bo.get_by_text("ingen lön", exact=True)).to_be_visible()
    expect(page.locator("#no-pay + p + .table-wrap")).to_contain_text("Bo Berg")
    check(page, "payroll-evidence-outcomes")


def test_a_bad_payroll_row_is_named_on_the_screen(live_server, page, tmp_path, task_worker):
    live_server.user("finance")
    with live_server.session() as s:
        f.client(s, 0)
    path = tmp_path / "agi.csv"
    path.write_text("personnummer;arbetsgivare_orgnr;period;kontant_bruttolon\n"
                    f"{f.PERSONAL_IDS[0]};556677-8899;2026-4;100\n", encoding="utf-8")
    login(page, live_server.url, "finance@test.example")
    page.goto(f"{live_server.url}/lonedata")
    page.get_by_label("Fil med lönedata (CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Läs in", exact=True).click()
    expect(page.locator("#task-error")).to_contain_text("rad 2, period: Ange månaden som ÅÅÅÅ-MM.",
                                                        timeout=30_000)
    check(page, "payroll-upload-error")
