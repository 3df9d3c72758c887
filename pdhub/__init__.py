"""PD Hub: the Flask application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from pdhub import config as settings
from pdhub import routing


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from defaults, PDHUB_* environment variables and ``overrides``.

    Does no network or database I/O. In the embedded default it reads (and the first
    time writes) the generated secret key and data key in the instance folder.
    """
    app = Flask(__name__, instance_relative_config=True)
    values = settings.defaults()
    values.update(settings.read_environment(os.environ))
    values.update(overrides or {})
    settings.finalize(values, app.instance_path)
    if not values["PDHUB_PRODUCTION"]:
        settings.ensure_instance_secrets(values)
    app.config.update(values)
    app.secret_key = values["PDHUB_SECRET_KEY"]
    # Before any route is added: every <int:...> in every blueprint uses it.
    app.url_map.converters["int"] = routing.IdConverter
    app.instance_path = values["PDHUB_INSTANCE_PATH"]
    if values["PDHUB_PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Believe X-Forwarded-For/-Proto only from the configured number of proxies,
        # so throttles and session records see the real client address.
        hops = values["PDHUB_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops
        )

    from pdhub import cli, errors, forms, headers, i18n, jobs, models, templating  # noqa: F401
    from pdhub.accounts import auth
    from pdhub.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.MIGRATIONS_PATH))
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    jobs.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    forms.init_app()
    templating.init_app(app)
    errors.register_error_handlers(app)
    cli.init_app(app)

    from pdhub.accounts.views import bp as accounts_bp
    from pdhub.admin.views import bp as admin_bp
    from pdhub.districts.ledger_views import external_bp
    from pdhub.districts.views import bp as districts_bp
    from pdhub.home.views import bp as home_bp
    from pdhub.notifications.views import bp as notifications_bp
    from pdhub.review.views import bp as review_bp

    for blueprint in (home_bp, accounts_bp, districts_bp, admin_bp, notifications_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(external_bp)
    from pdhub.districts.rostersync_views import bp as oneroster_bp

    app.register_blueprint(oneroster_bp)
    from pdhub.credentials.views import bp as credentials_bp

    app.register_blueprint(credentials_bp)
    from pdhub.backpack.views import bp as backpack_bp
    from pdhub.credentials.renewal_views import bp as renewals_bp

    app.register_blueprint(backpack_bp)
    app.register_blueprint(renewals_bp)

    from pdhub.learning.views import bp as learning_bp
    from pdhub.submissions.views import bp as submissions_bp

    app.register_blueprint(learning_bp)
    app.register_blueprint(submissions_bp)

    from pdhub.api import district as _district_api  # noqa: F401  (its routes)
    from pdhub.api.views import bp as api_bp
    from pdhub.verification import views as verification_views

    verification_views.init_app(app)
    app.register_blueprint(verification_views.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(review_bp)

    from pdhub.trust.views import bp as trust_bp

    app.register_blueprint(trust_bp)

    from pdhub.lti.views import bp as lti_bp

    app.register_blueprint(lti_bp)

    from pdhub.privacy.views import bp as privacy_bp

    app.register_blueprint(privacy_bp)

    from pdhub.communities.views import bp as communities_bp
    from pdhub.equity.views import bp as equity_bp

    app.register_blueprint(communities_bp)

    from pdhub.audit.views import bp as audit_bp

    app.register_blueprint(audit_bp)
    from pdhub.accountdata.views import bp as accountdata_bp

    app.register_blueprint(accountdata_bp)

    from pdhub.sharing.views import bp as sharing_bp

    app.register_blueprint(sharing_bp)

    from pdhub.wallets.views import bp as wallets_bp

    app.register_blueprint(wallets_bp)

    from pdhub.coaching.views import bp as coaching_bp
    from pdhub.cohorts.views import bp as cohorts_bp

    app.register_blueprint(cohorts_bp)
    app.register_blueprint(coaching_bp)
    app.register_blueprint(equity_bp)

    from pdhub.learnpath.views import bp as learnpath_bp

    app.register_blueprint(learnpath_bp)

    from pdhub.clr.views import bp as clr_bp

    app.register_blueprint(clr_bp)

    from pdhub.obapi import server as obapi_server
    from pdhub.obapi.connected_views import bp as connected_bp
    from pdhub.obapi.views import bp as obapi_bp

    obapi_server.init_app(app)
    app.register_blueprint(obapi_bp)
    app.register_blueprint(connected_bp)

    from pdhub.impact.views import bp as impact_bp

    app.register_blueprint(impact_bp)

    from pdhub.pathways.views import bp as pathways_bp

    app.register_blueprint(pathways_bp)

    from pdhub.endorsements.views import bp as endorsements_bp

    app.register_blueprint(endorsements_bp)

    from pdhub.workshops.views import bp as workshops_bp

    app.register_blueprint(workshops_bp)

    from pdhub.sso.views import bp as sso_bp

    app.register_blueprint(sso_bp)
    return app
