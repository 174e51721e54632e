"""Strict loading of the YAML files a council edits: errors name the file, the place and the key.

One place for it, so policies' metadata, phrasings, rules and labelled sets all fail the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.errors import KnowledgeError


def load_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: file not found.") from None
    except UnicodeDecodeError:
        raise KnowledgeError(f"{path}: not UTF-8 text.") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML ({_one_line(exc)}).") from None


def require_keys(path: Path, where: str, data: object, required: set, optional: set) -> dict:
    """Strict mapping check: unknown or missing keys are errors naming the file and the place."""
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: {where} must be a mapping of keys to values.")
    unknown = set(data) - required - optional
    if unknown:
        expected = ", ".join(sorted(required | optional))
        raise KnowledgeError(
            f"{path}: {where} has unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"expected {expected}."
        )
    missing = required - set(data)
    if missing:
        raise KnowledgeError(f"{path}: {where} is missing {', '.join(sorted(missing))}.")
    return data


def _one_line(exc: Exception) -> str:
    return re.sub(r"\s+", " ", str(exc)).strip()
