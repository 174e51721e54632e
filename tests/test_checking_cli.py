"""`policybot checkpost` and `eval-posts`: readable report, JSON, JSON Lines from stdin, and
one clear line on stderr for bad input or a broken rules file (never a traceback)."""

from __future__ import annotations

import json
import shutil

import pytest

from bot.config import DEFAULT_KNOWLEDGE_DIR
from tests.conftest import DATA, run_policybot

pytestmark = pytest.mark.model


def test_checkpost_prints_a_readable_report_quoting_the_clause(run):
    result = run("checkpost", "The new bus timetable is total cr4p")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("DO NOT POST")
    assert "“cr4p”" in result.output
    assert "Use offensive language" in result.output
    assert "Also check for yourself" in result.output


def test_checkpost_says_ok_for_an_ordinary_post(run):
    result = run("checkpost", "Bonfire night display on the playing fields, gates open at 6pm")
    assert result.output.startswith("OK to post")


def test_checkpost_json_is_one_report(run, service):
    result = run("checkpost", "Vote Labour on Thursday", "--json")
    data = json.loads(result.output)
    assert data["verdict"] == "block" and data["account"] == "council"
    clause = data["findings"][0]["clause"]
    assert (
        service.knowledge.policy_for(clause["source"]).text[clause["start"] : clause["end"]]
        == clause["text"]
    )


def test_checkpost_account_option_changes_the_rules(run):
    result = run("checkpost", "Vote Labour on Thursday", "--account", "personal", "--json")
    assert json.loads(result.output)["verdict"] == "ok"


def test_checkpost_from_stdin_writes_one_json_line_per_post(run):
    stdin = (
        "Bin day is Tuesday\n\nTotal cr4p\n"
        + "\x00\x01\x02\x03" * 5
        + "\n"
        + json.dumps({"text": "Vote Labour!", "account": "personal"})
        + "\n"
    )
    result = run("checkpost", "-", "--json", stdin=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    # one line out for every line in: the blank line and the junk get error objects
    assert [line.get("verdict") for line in lines] == ["ok", None, "block", None, "ok"]
    assert "error" in lines[1] and "error" in lines[3]
    assert lines[4]["account"] == "personal"


def test_eval_posts_prints_the_three_figures(run):
    result = run("eval-posts", str(DATA / "posts.yml"))
    assert result.exit_code == 0, result.output
    assert "caught with the right clause" in result.output
    assert "blocked" in result.output and "flagged (anything but ok)" in result.output


def test_bad_drafts_and_broken_rules_are_one_line_errors(cache_dir, tmp_path):
    env = {"POLICYBOT_CACHE_DIR": str(cache_dir), "HF_HUB_OFFLINE": "1"}
    huge = run_policybot("checkpost", "x" * 100_000, env_extra=env)
    assert huge.returncode != 0
    assert "Traceback" not in huge.stderr and "characters" in huge.stderr
    assert huge.stderr.strip().count("\n") == 0

    shutil.copytree(DEFAULT_KNOWLEDGE_DIR / "policies", tmp_path / "policies")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.yml").write_text("rules:\n  - id: x\n    kind: magic\n")
    broken = run_policybot("checkpost", "hello", "--knowledge", str(tmp_path), env_extra=env)
    assert broken.returncode != 0
    assert "mine.yml" in broken.stderr and "Traceback" not in broken.stderr
