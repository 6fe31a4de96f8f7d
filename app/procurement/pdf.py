"""A published version of the conditions as a Swedish PDF, with WeasyPrint (like the avräkning)."""
from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.common.i18n import fmt_money
from app.common.labels import label
from app.config import BASE_DIR
from app.procurement.models import Conditions

TEMPLATE = "procurement/conditions_pdf.html"
STYLESHEET = BASE_DIR / "templates" / "procurement" / "conditions_pdf.css"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(BASE_DIR / "templates")),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda value: fmt_money(value, "sv")
    return env


def render_html(cond: Conditions, municipality: str) -> str:
    from flask_babel import force_locale

    with force_locale("sv"):
        names = {"service_type": label("service_type", cond.service_type),
                 "price_rule": label("price_rule", cond.price_rule),
                 "price_unit": label("rate_unit", cond.price_unit)}
    return _environment().get_template(TEMPLATE).render(cond=cond, names=names,
                                                        municipality=municipality)


def render_conditions_pdf(cond: Conditions, municipality: str) -> bytes:
    from weasyprint import CSS, HTML

    return HTML(string=render_html(cond, municipality), base_url=str(BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET))])
