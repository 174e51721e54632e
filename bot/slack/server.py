"""Run the app: Socket Mode when SLACK_APP_TOKEN is set, else HTTP at /slack/events.

Bolt's built-in HTTP server answers one request at a time; waitress serves many at once, so
acknowledgements do not queue behind each other. Everything is loaded, and the settings
checked, before the first request is accepted.
"""

from __future__ import annotations

import logging
import signal
import threading

from slack_bolt import App

from bot.config import Settings
from bot.errors import PolicyBotError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def check_settings(settings: Settings) -> None:
    """One clear line naming every missing setting."""
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("TOWN_MANAGER_SLACK_ID", settings.town_manager_slack_id),
        )
        if not value
    ]
    if not settings.slack_app_token and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
    if missing:
        raise PolicyBotError(
            "cannot start: set " + ", ".join(missing) + " (see .env.example and docs/slack.md)."
        )
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        raise PolicyBotError(
            "cannot start: SLACK_APP_TOKEN must be an app-level token starting xapp-."
        )


def learn_identity(app: App) -> None:
    """Ask Slack who the bot is (auth.test), once, before serving. A refused token stops here."""
    from slack_sdk.errors import SlackApiError

    client = app.runtime.client  # type: ignore[attr-defined]
    try:
        response = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
            raise PolicyBotError(
                f"cannot start: Slack refused SLACK_BOT_TOKEN ({error})."
            ) from None
        log.warning(
            "auth.test failed (%s); carrying on without the bot's user id", error or "no reply"
        )
        return
    except Exception as exc:
        log.warning("auth.test could not be reached (%s); carrying on", exc.__class__.__name__)
        return
    app.identity.update(  # type: ignore[attr-defined]
        bot_user_id=response.get("user_id"),
        bot_id=response.get("bot_id"),
        team_id=response.get("team_id"),
    )


def serve_http(app: App, port: int, threads: int, host: str = "0.0.0.0") -> None:
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from waitress.server import create_server

    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return handler(environ, start_response)

    server = create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="policybot",
        connection_limit=max(100, threads * 8),
        channel_timeout=30,
    )
    _stop_on_sigterm(_exit)
    log.info("serving Slack over HTTP on port %s at %s", server.effective_port, EVENTS_PATH)
    print(f"policybot: listening on port {server.effective_port} at {EVENTS_PATH}", flush=True)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token, web_client=app.runtime.client)  # type: ignore[attr-defined]
    log.info("serving Slack over Socket Mode")
    print("policybot: connected to Slack over Socket Mode", flush=True)
    stop = threading.Event()
    _stop_on_sigterm(stop.set)
    handler.connect()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()


def _exit() -> None:
    raise SystemExit(0)


def _stop_on_sigterm(stop) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop())


def serve(settings: Settings, port: int | None = None) -> None:
    """Check the settings, load the policy and the model, open the database, then serve."""
    from bot.service import PolicyService
    from bot.slack.app import build_app
    from bot.store import Store

    check_settings(settings)
    console = logging.StreamHandler()  # for `docker logs`; the same filter keeps secrets out
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(console)
    log.info("loading the policy and the model")
    service = PolicyService.from_settings(settings)
    service.ask("warm up the model")  # the first encode is slow; pay for it before serving
    service.check("Warming up the post checker.")
    store = Store(settings.effective_database_url)
    try:
        store.open()
    except PolicyBotError as exc:  # serve anyway: replies still go out, from memory
        log.error("%s Serving without it until it can be reached.", exc)
        print(f"policybot: warning: {exc} Serving without it until it can be reached.", flush=True)
    app = build_app(settings, service, store)
    learn_identity(app)
    resumed = app.runtime.later("resume deliveries", app.runtime.outbox.resume_pending)  # type: ignore[attr-defined]
    log.debug("resuming pending deliveries: %s", resumed)
    if settings.slack_app_token:
        serve_socket_mode(app, settings.slack_app_token)
    else:
        serve_http(app, port or 3000, settings.http_threads)
