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
    app.config.from_object(Config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    if test_config:
        app.config.update(test_config)

    from app.common import personal_data

    personal_data.configure(app.config["PERSONAL_ID_KEY"] or app.config["SECRET_KEY"])

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from app.common.web import register_web_helpers

    register_web_helpers(app)
    logging.getLogger("kundval").setLevel(logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    from app.common.i18n import select_locale, select_timezone
    from app.extensions import babel, csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.auth.views import bp as auth_bp
    from app.settlement.views import bp as settlement_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(settlement_bp)


def _register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.common.migrate import db_cli
    from app.exchange.cli import data_cli, seed_cmd
    from app.scheduler import scheduler_cmd
    from app.settlement.cli import period_cli, settlement_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(seed_cmd)
    app.cli.add_command(settlement_cli)
    app.cli.add_command(period_cli)
    app.cli.add_command(scheduler_cmd)
