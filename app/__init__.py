"""Kundval: the application factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from app.config import BASE_DIR, Config


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    from app.common.routing import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.from_object(Config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    if test_config:
        app.config.update(test_config)

    from app.common import personal_data
    from app.common.keys import configure_keys

    configure_keys(app.config, app.config["KEY_DIR"] or app.instance_path)
    personal_data.configure(app.config["PERSONAL_ID_KEY"])

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _connect_areas()

    from app.web import register_web_helpers

    register_web_helpers(app)
    logging.getLogger("kundval").setLevel(logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    from app.auth import oidc
    from app.common import limits
    from app.common.i18n import select_locale, select_timezone
    from app.extensions import babel, csrf, db, limiter, login_manager

    db.init_app(app)
    limits.init_app(app)  # before CSRFProtect, which reads the form first
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    oidc.init_app(app)  # client sign-in with e-ID, only when OIDC_* is configured


def _register_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.auth.passkey_views import bp as passkeys_bp
    from app.auth.second_factor_views import bp as second_factor_bp
    from app.auth.sso import bp as sso_bp
    from app.auth.views import bp as auth_bp
    from app.followup.views import bp as followup_bp
    from app.kundval.client_views import bp as client_bp
    from app.kundval.provider_status import bp as provider_status_bp
    from app.kundval.provider_views import bp as placements_bp
    from app.kundval.views import bp as kundval_bp
    from app.notifications.views import bp as notifications_bp
    from app.offerings.views import bp as offerings_bp
    from app.privacy.views import bp as privacy_bp
    from app.procurement import views as procurement_views
    from app.providers import views as provider_views
    from app.reporting.api import bp as api_bp
    from app.reporting.views import bp as reporting_bp
    from app.settlement.bonus_views import bp as bonus_rules_bp
    from app.settlement.provider_views import bp as provider_settlements_bp
    from app.settlement.views import bp as settlement_bp
    from app.start.views import bp as start_bp
    from app.tasks.views import bp as tasks_bp

    for blueprint in (start_bp, auth_bp, second_factor_bp, passkeys_bp, sso_bp, admin_bp, settlement_bp, provider_views.bp, provider_views.admin_bp,
                      notifications_bp, offerings_bp, reporting_bp, api_bp,
                      kundval_bp, client_bp, followup_bp, procurement_views.bp,
                      procurement_views.admin_bp, procurement_views.portal_bp, bonus_rules_bp,
                      provider_status_bp, provider_settlements_bp, privacy_bp,
                      placements_bp, tasks_bp):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.common.migrate import db_cli
    from app.exchange.cli import data_cli, seed_cmd
    from app.scheduler import scheduler_cmd
    from app.settlement.cli import period_cli, settlement_cli
    from app.tasks.cli import tasks_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(seed_cmd)
    app.cli.add_command(settlement_cli)
    app.cli.add_command(period_cli)
    app.cli.add_command(scheduler_cmd)
    app.cli.add_command(tasks_cli)


def _connect_areas() -> None:
    """Provide the hooks through which a lower area asks a higher one (app/common/hooks.py)."""
    from app.auth import service as auth_service
    from app.auth import sessions
    from app.common import client_language
    from app.followup import kept
    from app.kundval import (
        casefacts,
        fairness,
        followups,
        page_language,
        placement_windows,
        reported_days,
        results,
    )
    from app.kundval import service as kundval_service
    from app.notifications import service as notifications
    from app.offerings import service as offerings
    from app.procurement import service as procurement
    from app.providers import service as providers
    from app.settlement import bonus_rules, late_changes, workflow

    auth_service.provider_by_org_nr.provide(providers.provider_id_for_org_nr)
    sessions.end_other_access.provide(providers.revoke_tokens_made_by)
    notifications.provider_addresses.provide(providers.contact_addresses)
    client_language.recorded_choice.provide(page_language.recorded)
    client_language.store_choice.provide(page_language.store)
    offerings.offering_in_use.provide(kundval_service.offering_in_use)
    results.record_if_late.provide(late_changes.record_new_outcome)
    followups.sustain_days_by_service_type.provide(bonus_rules.sustain_days_by_service_type)
    followups.sustain_days_of.provide(bonus_rules.sustain_days_of)
    casefacts.watch()  # the case worker's list kept on change, in every session
    reported_days.watch()  # the grid's reported days kept on change, likewise
    fairness.watch()  # the compare page's kept groups forgotten on change, likewise
    placement_windows.watch()  # the provider's lists' kept windows, likewise
    late_changes.month_changed.provide(kept.data_changed)
    workflow.period_approved.provide(kept.settlement_approved)
    providers.stop_offerings.provide(offerings.stop_offerings)
    providers.published_conditions.provide(procurement.current_by_type)
    providers.conditions_applied_to.provide(procurement.record_application)
    providers.contract_on_approval.provide(procurement.offer_contract)
