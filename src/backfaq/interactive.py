"""The interactive prompt: type a question, read the answers, ask the next one.

Part of the command line, like cli.py: it reads lines from the terminal and
draws with the same renderers and views as the commands. readline (line
editing and history) is imported only here, and only when it exists.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from backfaq import views
from backfaq.render import Renderer, get_renderer
from backfaq.text import printable

if TYPE_CHECKING:
    from backfaq.app import App

PROMPT = "backfaq> "
INTERRUPTED = 130

HELP = """\
Type a question and press Enter, for example: pain between shoulder blades
  :topics     list the topics
  :show ID    show one entry in full (`backfaq list` lists the ids)
  :help       this help
  :quit       leave (or Ctrl-D)
Ctrl-C clears the line; Ctrl-C twice in a row leaves."""

def greeting(title: str | None) -> str:
    """The first line of a session: what the store is about, in its own words."""
    about = f"{title}: ask a question." if title else "Ask a question."
    return f"{about} :help for commands, :quit or Ctrl-D to leave."


def enable_line_editing() -> None:
    """Arrow keys, editing and in-session history when the readline module exists."""
    try:
        import readline  # noqa: F401  (importing it is what makes input() use it)
    except ImportError:  # some Python builds have none; plain input() still works
        pass


class Session:
    """One interactive session over an ``App``; ``read`` is ``input`` at a terminal."""

    def __init__(
        self,
        app: App,
        *,
        fmt: str,
        quiet: bool = False,
        out: TextIO | None = None,
        read: Callable[[str], str] = input,
    ) -> None:
        self.app = app
        self.fmt = fmt
        self.quiet = quiet
        self.out = out or sys.stdout
        self.read = read

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self) -> int:
        """Read and answer until :quit or Ctrl-D (0), or two Ctrl-C in a row (130)."""
        self.say(greeting(self.app.store.title))
        interrupts = 0
        while True:
            try:
                line = self.read(PROMPT)
            except EOFError:
                self.say("")
                return 0
            except UnicodeError:  # a codec that cannot replace (utf-16 without its mark)
                from backfaq.app import InputError

                self.say("")
                raise InputError("cannot read input: it is not text in its encoding") from None
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts > 1:
                    self.say("")
                    return INTERRUPTED
                self.say("\n(line cleared; press Ctrl-C again or type :quit to leave)")
                continue
            interrupts = 0
            if not self.handle(line.strip()):
                return 0

    def handle(self, line: str) -> bool:
        """Act on one line; False when the session should end."""
        if not line:
            return True
        if not line.startswith(":"):
            self.ask(line)
            return True
        command, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        if command in ("quit", "q", "exit"):
            return False
        if command in ("help", "h", "?"):
            self.say(HELP)
        elif command == "topics":
            self.renderer().topics(views.topic_rows(self.app.store))
        elif command == "show" and argument:
            self.show(argument)
        elif command == "show":
            self.say("Usage: :show ID (the id is shown under each answer)")
        else:
            self.say(f"Unknown command ':{printable(command)}'. Type :help.")
        return True

    def renderer(self) -> Renderer:
        return get_renderer(self.fmt, self.out, quiet=self.quiet)

    def ask(self, text: str) -> None:
        answer = self.app.answer(text, limit=int(self.app.settings.get("limit", 3)),
                                 topic=None)
        if answer.answered or answer.signs:  # a warning is shown, answer or not
            data = views.ask_dict(self.app.store, answer, explain=self.fmt == "rich")
            self.renderer().ask(data)
        if not answer.answered:
            self.say(views.no_answer_message(self.app.store, answer))

    def show(self, entry_id: str) -> None:
        entry = self.app.store.entry(entry_id)
        shared = views.clashing_ids(self.app.store, entry_id) if entry is None else []
        if shared:
            self.say(f"Several stores have an entry '{entry_id}': {', '.join(shared)}")
        elif entry is None:
            message = views.unknown_id_message(self.app.store, entry_id)
            self.say(message[:1].upper() + message[1:])
        else:
            self.renderer().entry(views.entry_dict(self.app.store, entry))
