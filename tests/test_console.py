"""``carrybot chat``: /carry lines from a pipe, answered through the same command layer."""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli.console import run_chat
from commands.services import Services
from commands.settings.model import ChatKey

SCRIPT = "/carry\n/carry explain\n/carry threshold pressure 55\n/carry settings\n"


def chat(services: Services, script: str, tmp_path: Path) -> str:
    out = io.StringIO()
    assert (
        run_chat(io.StringIO(script), out, services, tmp_path / "charts", user_name="tester") == 0
    )
    return out.getvalue()


def test_the_done_when_script(services: Services, tmp_path: Path) -> None:
    output = chat(services, SCRIPT, tmp_path)
    blocks = output.split("> ")[1:]
    assert [b.splitlines()[0] for b in blocks] == SCRIPT.strip().splitlines()
    carry, explain, threshold, settings = blocks
    assert "Yen carry: UNWINDING (disorderly)" in carry
    assert "How the scores are made" in explain and "C5 Position flush" in explain
    assert "the unwind pressure alert threshold is now 55 (it was 65)" in threshold
    assert "Unwind pressure alert threshold: 55." in settings
    assert "tester changed the unwind pressure threshold from 65 to 55" in settings
    assert services.settings.get(ChatKey("console", "local")).pressure_threshold == 55


def test_the_console_user_moderates_the_local_chat(services: Services, tmp_path: Path) -> None:
    output = chat(services, "/carry alerts on\n/carry reset\n", tmp_path)
    assert "alerts are on" in output and "every setting is back to its default" in output


def test_blank_lines_are_ignored_and_other_lines_get_a_hint(
    services: Services, tmp_path: Path
) -> None:
    output = chat(services, "\n\n   \nhello there\n", tmp_path)
    assert output == (
        "> hello there\nCommands start with /carry. Type /carry help to see them all.\n\n"
    )


def test_bad_arguments_say_what_to_type_instead(services: Services, tmp_path: Path) -> None:
    output = chat(services, "/carry threshold pressure 555\n/carry subscribe 8am\n", tmp_path)
    assert "Use /carry threshold pressure 55." in output
    assert "for example /carry subscribe 08:00 Asia/Tokyo." in output


def test_charts_are_written_to_files(services: Services, tmp_path: Path) -> None:
    output = chat(services, "/carry chart pressure 5y\n", tmp_path)
    line = next(line for line in output.splitlines() if line.startswith("chart: "))
    path = Path(line.removeprefix("chart: "))
    assert path.parent == (tmp_path / "charts").resolve()
    assert path.name == "carry-pressure-5y-20260612.png"
    assert path.read_bytes().startswith(b"\x89PNG")


def test_exit_ends_the_session(services: Services, tmp_path: Path) -> None:
    output = chat(services, "exit\n/carry\n", tmp_path)
    assert output == ""


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_prompt_and_no_echo(services: Services, tmp_path: Path) -> None:
    out = io.StringIO()
    run_chat(FakeTerminal("/carry settings\n"), out, services, tmp_path, user_name="tester")
    text = out.getvalue()
    assert text.startswith("carrybot chat: type /carry help")
    assert "carry> Settings of this chat" in text
    assert "> /carry settings" not in text


def test_a_huge_piped_line_is_echoed_cut(services: Services, tmp_path: Path) -> None:
    output = chat(services, "/carry lang " + "9" * 100_000 + "\x1b[2J\n", tmp_path)
    first = output.splitlines()[0]
    assert first == "> /carry lang " + "9" * 51 + "…" and len(first) == 2 + 64
    assert "\x1b" not in output and len(output) < 1000
