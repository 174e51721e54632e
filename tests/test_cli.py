"""The command line prints readable answers, JSON, and JSON Lines; errors are one clear line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import _Context, cli
from tests.conftest import run_policybot

pytestmark = pytest.mark.model


def test_ask_prints_the_quote_and_its_section(run):
    result = run("ask", "can I share this petition?")
    assert result.exit_code == 0, result.output
    assert "Section 3, General Obligations" in result.output
    assert "Re-tweet, like or share campaigns or petitions" in result.output


def test_ask_json_is_one_object_with_verbatim_quotes(run, service):
    result = run("ask", "can I share this petition?", "--json")
    payload = json.loads(result.output)
    assert payload["status"] == "answered"
    quote = payload["quotes"][0]
    assert (
        service.knowledge.policy_for(quote["source"]).text[quote["start"] : quote["end"]]
        == quote["text"]
    )


def test_ask_from_stdin_writes_one_json_line_per_question(run):
    stdin = "can I share this petition?\n\nhow do I book the hall?\n🙂\nbinary\x0bjunk\x1c\r\n"
    result = run("ask", "-", "--json", stdin=stdin)
    lines = [json.loads(line) for line in result.output.split("\n") if line]
    assert len(lines) == 5  # one line out for every line in, blank and junk ones included
    assert lines[0]["status"] == "answered"
    assert "error" in lines[1]
    assert lines[2]["status"] == "not_covered"
    assert "error" in lines[3]
    assert lines[4]["question"].startswith("binary")


def test_empty_question_is_refused_with_a_plain_reason(service):
    from bot.errors import InputError

    result = CliRunner().invoke(cli, ["ask", ""], obj=_Context(service=service))
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)  # main() prints it as one line (see below)
    assert "type a question" in str(result.exception)


def test_sections_lists_what_the_bot_sees(run):
    result = run("sections")
    assert result.exit_code == 0
    assert "3. General Obligations" in result.output
    assert "[MUST NOT AT ANY TIME]" in result.output


def test_fresh_process_answers_offline_and_errors_are_one_line(cache_dir, tmp_path):
    env = {"POLICYBOT_CACHE_DIR": str(cache_dir), "HF_HUB_OFFLINE": "1"}
    ok = run_policybot("ask", "can I share this petition?", "--json", env_extra=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["quotes"][0]["section"] == "3"

    empty = run_policybot("ask", "   ", env_extra=env)
    assert empty.returncode != 0
    assert empty.stderr.strip().count("\n") == 0
    assert "Traceback" not in empty.stderr and "question" in empty.stderr

    missing = run_policybot("ask", "hi", "--knowledge", str(tmp_path / "nowhere"), env_extra=env)
    assert missing.returncode != 0
    assert "nowhere" in missing.stderr and "Traceback" not in missing.stderr
