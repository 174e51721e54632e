"""Command-line adapter: parses arguments, calls the service, prints. It never decides."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from bot.config import Settings
from bot.errors import InputError, PolicyBotError

log = logging.getLogger("bot")


def _setup_logging(settings: Settings) -> None:
    """Tracebacks go to a log file; the terminal only ever gets one plain line."""
    handlers: list[logging.Handler] = []
    try:
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(settings.cache_dir / "policybot.log", encoding="utf-8"))
    except OSError:
        handlers.append(logging.NullHandler())
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )


class _Context:
    def __init__(self, knowledge: str | None = None, service=None):
        self.knowledge = knowledge
        self._service = service  # tests hand in a ready service; otherwise built on first use

    def settings(self) -> Settings:
        settings = Settings.from_env()
        if self.knowledge:
            settings = settings.with_overrides(knowledge_dir=Path(self.knowledge))
        return settings

    def service(self, load_checker: bool = True, batch: bool = False):
        """The service, built on first use; with batch settings for a batch (Settings.for_batch)."""
        if self._service is None:
            from bot.service import PolicyService

            settings = self.settings().for_batch() if batch else self.settings()
            self._service = PolicyService.from_settings(settings, load_checker=load_checker)
        return self._service


def knowledge_option(f):
    def remember(ctx: click.Context, _param, value):
        if value:
            ctx.ensure_object(_Context).knowledge = value
        return value

    return click.option(
        "--knowledge",
        type=click.Path(file_okay=False),
        expose_value=False,
        callback=remember,
        help="Folder with the policy and rules (default: POLICYBOT_KNOWLEDGE_DIR or knowledge/).",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@knowledge_option
@click.version_option(package_name="policybot")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """policybot: what the council's IT and social-media policy says, quoted exactly."""
    ctx.ensure_object(_Context)


def _read_lines(stream) -> list[str]:
    """One entry per input line, blank ones included, so output line N answers input line N.

    Split on newlines only: binary junk may hold other characters Python counts as line breaks.
    """
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    lines = data.decode("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return [line.removesuffix("\r") for line in lines]


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines when reading stdin).")
@knowledge_option
@click.pass_obj
def ask(obj: _Context, question: str, as_json: bool) -> None:
    """Answer QUESTION from the policy. Use - to read one question per line from stdin."""
    from bot.render import answer_text

    service = obj.service(load_checker=False, batch=question == "-")
    if question == "-":
        lines = _read_lines(sys.stdin)
        for start in range(0, len(lines), 32):  # batches: one model call per 32 questions
            batch = lines[start : start + 32]
            for line, result in zip(batch, service.ask_many(batch), strict=True):
                if isinstance(result, InputError):
                    payload = {"question": line, "error": str(result)}
                    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else str(result))
                else:
                    text = json.dumps(result.to_dict(), ensure_ascii=False)
                    click.echo(text if as_json else answer_text(result) + "\n")
            sys.stdout.flush()
        return
    answer = service.ask(question)
    click.echo(
        json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)
        if as_json
        else answer_text(answer)
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@knowledge_option
@click.pass_obj
def sections(obj: _Context, as_json: bool) -> None:
    """Show the sections and clauses the bot sees in each policy, with their offsets."""
    from bot.knowledge import load_knowledge
    from bot.render import sections_text

    knowledge = load_knowledge(obj.settings().knowledge_dir)
    if as_json:
        payload = [
            {
                "source": p.source,
                "policy": p.meta.to_dict(),
                "sections": [s.__dict__ for s in p.sections],
                "clauses": [c.__dict__ for c in p.clauses],
            }
            for p in knowledge.policies
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo("\n\n".join(sections_text(p) for p in knowledge.policies))


@cli.command()
@knowledge_option
@click.pass_obj
def validate(obj: _Context) -> None:
    """Check the knowledge folder loads and every clause is a verbatim slice of its source."""
    from bot.validation import validate_knowledge

    report = validate_knowledge(obj.settings())
    for line in report.lines:
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)


@cli.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--misses", is_flag=True, help="List the questions it got wrong.")
@knowledge_option
@click.pass_obj
def evaluate(obj: _Context, path: str, as_json: bool, misses: bool) -> None:
    """Run a labelled question file and print top-1, top-3 and abstention figures."""
    from bot.evaluation import load_question_set, score_answers

    items = load_question_set(Path(path))
    service = obj.service(load_checker=False, batch=True)
    answers = service.ask_many([item.question for item in items])
    rows = [
        ("questions in scope", "in_scope", "{}"),
        ("right clause first", "top1", "{:.1%}"),
        ("right clause in first 3", "top3", "{:.1%}"),
        ("in scope, said not covered", "abstain_in_scope", "{:.1%}"),
        ("questions out of scope", "out_of_scope", "{}"),
        ("out of scope, not covered", "not_covered_out_of_scope", "{:.1%}"),
    ]
    _print_figures(score_answers(items, answers), rows, as_json, misses)


ACCOUNT_CHOICE = click.Choice(["council", "personal"])


def _stdin_post(line: str, account: str) -> tuple[str, str]:
    """A stdin line is a post, or a JSON object {"text": ..., "account": ...} for mixed sets."""
    if line.lstrip().startswith("{"):
        try:
            item = json.loads(line)
        except ValueError:
            return line, account
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            chosen = item.get("account", account)
            return item["text"], chosen if chosen in ("council", "personal") else account
    return line, account


@cli.command()
@click.argument("draft")
@click.option(
    "--account",
    type=ACCOUNT_CHOICE,
    default="council",
    show_default=True,
    help="Where it will be posted: the council's account or your personal one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines when reading stdin).")
@knowledge_option
@click.pass_obj
def checkpost(obj: _Context, draft: str, account: str, as_json: bool) -> None:
    """Check DRAFT, a post, against the policy. Use - to read one post per line from stdin."""
    from bot.render_report import report_text

    service = obj.service(batch=draft == "-")
    if draft == "-":
        lines = _read_lines(sys.stdin)
        for start in range(0, len(lines), 64):  # batches: one model call at most per 64 posts
            batch = [_stdin_post(line, account) for line in lines[start : start + 64]]
            results: list = [None] * len(batch)
            for acct in ("council", "personal"):
                positions = [n for n, (_, a) in enumerate(batch) if a == acct]
                checked = service.check_many([batch[n][0] for n in positions], acct)
                for n, result in zip(positions, checked, strict=True):
                    results[n] = result
            for (text, _), result in zip(batch, results, strict=True):
                if isinstance(result, InputError):
                    payload = {"post": text, "verdict": None, "error": str(result)}
                    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else str(result))
                else:
                    payload = json.dumps(result.to_dict(), ensure_ascii=False)
                    click.echo(payload if as_json else report_text(result, checklist=False) + "\n")
            sys.stdout.flush()
        return
    report = service.check(draft, account)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report_text(report))


@cli.command("eval-posts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--misses", is_flag=True, help="List the posts it got wrong.")
@knowledge_option
@click.pass_obj
def eval_posts(obj: _Context, path: str, as_json: bool, misses: bool) -> None:
    """Run a labelled file of draft posts and print how many it catches and wrongly flags."""
    from bot.post_evaluation import check_labelled, load_post_set, score_posts

    posts = load_post_set(Path(path))
    rows = [
        ("violating posts", "violating", "{}"),
        ("  caught with the right clause", "caught_right_clause", "{:.1%}"),
        ("  flagged at all (review or block)", "flagged_violating", "{:.1%}"),
        ("must-block posts", "must_block", "{}"),
        ("  blocked", "blocked", "{:.1%}"),
        ("clean posts", "clean", "{}"),
        ("  flagged (anything but ok)", "clean_flagged", "{:.1%}"),
    ]
    reports = check_labelled(obj.service(batch=True), posts)
    _print_figures(score_posts(posts, reports), rows, as_json, misses)


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=3000,
    show_default=True,
    help="HTTP port for Slack's requests (ignored in Socket Mode).",
)
@knowledge_option
@click.pass_obj
def serve(obj: _Context, port: int) -> None:
    """Run the Slack app: Socket Mode if SLACK_APP_TOKEN is set, else HTTP at /slack/events."""
    from bot.slack.server import serve as run_server

    run_server(obj.settings(), port)


def _print_figures(figures, rows, as_json: bool, misses: bool) -> None:
    """Print an evaluation's figures as aligned rows (label, key, format), or as JSON."""
    result = figures.as_dict()
    if as_json:
        click.echo(json.dumps(result | ({"misses": figures.misses} if misses else {}), indent=2))
        return
    for label, key, spec in rows:
        click.echo(f"{label + ':':<38} {spec.format(result[key])}")
    if misses:
        for miss in figures.misses:
            click.echo("  - " + json.dumps(miss, ensure_ascii=False))


def main() -> None:
    try:
        _setup_logging(Settings.from_env())
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Stopped.", err=True)
        raise SystemExit(130) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except PolicyBotError as exc:
        click.echo(f"policybot: {exc}", err=True)
        raise SystemExit(2) from None
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence: one clear line, traceback in the log
        log.exception("unexpected error")
        click.echo(
            f"policybot: something went wrong ({exc.__class__.__name__}); "
            "the details are in the log file.",
            err=True,
        )
        raise SystemExit(1) from None
