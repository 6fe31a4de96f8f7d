"""The admin's bonus rules screen (/admin/bonusregler): list, create, change, retire, new terms from a date."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import col, select

from app.auth.access import roles_required
from app.common.errors import ValidationError
from app.common.labels import LABELS
from app.common.nav import add_nav
from app.extensions import db
from app.settlement import bonus_rules
from app.settlement.models import BonusRule

bp = Blueprint("bonus_rules", __name__, url_prefix="/admin/bonusregler")
TIER_ROWS = 5  # empty rows offered in the tiers table besides the rule's own


def _rule_or_404(rule_id: int) -> BonusRule:
    rule = db.session.get(BonusRule, rule_id) if 0 < rule_id < 2**31 else None
    if rule is None:
        abort(404)
    return rule


def _date(name: str) -> date | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(name, _("ange datumet som ÅÅÅÅ-MM-DD")) from None
    if not 1900 <= day.year <= 2100:
        raise ValidationError(name, _("ange ett datum mellan 1900 och 2100"))
    return day


def _posted() -> bonus_rules.RuleData:
    form = request.form
    tiers = []
    for i in range(int(form.get("tier_rows", TIER_ROWS)) if form.get("tier_rows", "").isdigit() else TIER_ROWS):
        if i >= 50:
            break
        tiers.append((form.get(f"tiers[{i}].max_days", ""), form.get(f"tiers[{i}].amount", "")))
    return bonus_rules.RuleData(
        name=form.get("name", ""), priority=form.get("priority", ""),
        service_types=form.getlist("service_types"), min_age=form.get("min_age", ""),
        max_age=form.get("max_age", ""), newly_arrived=form.get("newly_arrived", ""),
        placements_from=_date("placements_from"), placements_to=_date("placements_to"),
        outcome_kinds=form.getlist("outcome_kinds"), tiers=tiers, grace_days=form.get("grace_days", ""),
        sustain_days=form.get("sustain_days", ""), sustain_amount=form.get("sustain_amount", ""),
        levels=form.getlist("levels"))


def _form_page(data: bonus_rules.RuleData, errors: dict[str, Any], rule: BonusRule | None = None,
               used: bonus_rules.Usage | None = None, status: int = 200) -> tuple[str, int]:
    rows = list(data.tiers) + [("", "")] * TIER_ROWS
    rows = rows[:max(len([t for t in data.tiers if any(t)]) + 2, TIER_ROWS)]
    return render_template("settlement/bonus_rules/edit.html", data=data, errors=errors, rule=rule,
                           used=used, tier_rows=rows, labels=LABELS, levels=bonus_rules.LEVELS), status


@bp.route("/")
@roles_required("admin", "finance")
def index() -> ResponseReturnValue:
    rules = list(db.session.execute(select(BonusRule).order_by(col(BonusRule.priority), col(BonusRule.ref))).scalars())
    used = bonus_rules.usage(db.session, rules)
    return render_template("settlement/bonus_rules/index.html", rules=rules, used=used, labels=LABELS)


@bp.route("/ny", methods=["GET", "POST"])
@roles_required("admin")
def create() -> ResponseReturnValue:
    if request.method == "GET":
        return _form_page(bonus_rules.RuleData(tiers=[("90", "10000.00")]), {})
    try:
        data = _posted()
        rule = bonus_rules.create_rule(db.session, data, current_user.id)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return _form_page(_safe_posted(), {exc.field: exc.message}, status=400)
    flash(_("Bonusregeln %(ref)s är skapad.", ref=rule.ref), "success")
    return redirect(url_for("bonus_rules.show", rule_id=rule.id))


def _safe_posted() -> bonus_rules.RuleData:
    """The posted values to show again, even when a date in them could not be read."""
    try:
        return _posted()
    except ValidationError:
        form = request.form
        return bonus_rules.RuleData(name=form.get("name", ""), priority=form.get("priority", ""),
                                    service_types=form.getlist("service_types"),
                                    outcome_kinds=form.getlist("outcome_kinds"), levels=form.getlist("levels"))


@bp.route("/<int:rule_id>", methods=["GET", "POST"])
@roles_required("admin", "finance")
def show(rule_id: int) -> ResponseReturnValue:
    rule = _rule_or_404(rule_id)
    used = bonus_rules.usage(db.session)[rule.id]
    if request.method == "GET":
        return _form_page(bonus_rules.RuleData.of(rule), {}, rule, used)
    if current_user.role != "admin":
        abort(403)
    try:
        message, target = _act(rule, request.form.get("action", "save"))
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        rule = _rule_or_404(rule_id)
        return _form_page(_safe_posted(), {exc.field: exc.message}, rule, used, status=400)
    flash(message, "success")
    return redirect(url_for("bonus_rules.show", rule_id=target.id))


def _act(rule: BonusRule, action: str) -> tuple[str, BonusRule]:
    """Retire the rule, give it successor terms from a date (the old terms stay for placements
    already under them), or save it; returns what to tell the admin and the rule to show next."""
    if action == "retire":
        bonus_rules.retire(db.session, rule, _date("placements_to"), current_user.id)
        return _("Regeln gäller placeringar som börjar till och med %(d)s.", d=rule.placements_to), rule
    if action == "successor":
        target = bonus_rules.new_terms_from(db.session, rule, _date("from_date"), _posted(), current_user.id)
        return _("De nya villkoren är regeln %(ref)s.", ref=target.ref), target
    bonus_rules.update_rule(db.session, rule, _posted(), current_user.id)
    return _("Bonusregeln är sparad."), rule

add_nav(("admin", "finance"), "bonus_rules.index", _l("Bonusregler"), order=25)
