"""manifest.yml declares exactly the commands, shortcuts, events, scopes and interactivity the
code registers and uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.slack import app as slack_app
from bot.slack.asking import MESSAGE_EVENTS

REPO = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((REPO / "manifest.yml").read_text())

# The bot scope each Web API method or subscription needs (None: no scope needed).
SCOPE_FOR = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.getPermalink": None,
    "views.open": None,
    "views.publish": None,
    "event:app_mention": "app_mentions:read",
    "event:message.im": "im:history",
    "event:app_home_opened": None,
    "commands": "commands",
}


class Recorder:
    """Stands in for the Bolt app while the features register, noting what they register."""

    def __init__(self):
        self.seen: dict[str, list] = {
            "command": [],
            "event": [],
            "shortcut": [],
            "action": [],
            "view": [],
        }

    def __getattr__(self, kind):
        def register(name, *args, **kwargs):
            self.seen[kind].append(name)
            return lambda f: f

        return register


def registered() -> dict[str, list]:
    recorder = Recorder()
    for feature in slack_app.FEATURES:
        feature.register(recorder, rt=None)
    return recorder.seen


def methods_used() -> set[str]:
    """Web API methods named in the adapter: api("x.y", ...) and client.x_y(...)."""
    used = set()
    for path in (REPO / "bot" / "slack").glob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'api\(\s*"([a-z]+\.[A-Za-z]+)"', text))
        for family, name in re.findall(r"client\.([a-z]+)_([A-Za-z]+)\(", text):
            if (family, name) != ("api", "call"):  # the sender's generic call: covered by api(...)
                used.add(f"{family}.{name}")
    return used


def manifest_events() -> set[str]:
    return set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_commands_match():
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == set(registered()["command"])


def test_shortcuts_match():
    declared = {s["callback_id"] for s in MANIFEST["features"]["shortcuts"]}
    assert declared == set(registered()["shortcut"])
    assert all(s["type"] == "message" for s in MANIFEST["features"]["shortcuts"])


def test_events_match():
    code = set(registered()["event"])
    expected = (code - {"message"}) | (set(MESSAGE_EVENTS) if "message" in code else set())
    assert manifest_events() == expected


def test_interactivity_is_on_because_buttons_modals_and_shortcuts_are_used():
    seen = registered()
    assert seen["action"] and seen["view"]
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_scopes_are_exactly_those_needed():
    needs = set()
    for method in methods_used():
        assert method in SCOPE_FOR, f"add {method} and its scope to SCOPE_FOR and manifest.yml"
        needs.add(SCOPE_FOR[method])
    for event in manifest_events():
        needs.add(SCOPE_FOR[f"event:{event}"])
    if registered()["command"] or registered()["shortcut"]:
        needs.add(SCOPE_FOR["commands"])
    needs.discard(None)
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needs


def test_every_url_is_the_events_path():
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls += [
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        MANIFEST["settings"]["interactivity"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)
