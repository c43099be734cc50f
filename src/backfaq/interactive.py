"""The interactive prompt: type a question, read the answers, ask the next one.

Part of the command line, like cli.py: it reads lines from the terminal and
draws with the same renderers and views as the commands. Line editing, Tab
completion and history are ``line_editing``'s.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from backfaq import views
from backfaq.app import DEFAULT_LIMIT
from backfaq.render import Renderer, get_renderer
from backfaq.text import is_blank, printable

if TYPE_CHECKING:
    from backfaq.app import App

PROMPT = "backfaq> "
INTERRUPTED = 130

HELP = """\
Type a question and press Enter, for example: pain between shoulder blades
  :topics          list the topics
  :list [TOPIC]    list the entries (of one topic), with their ids
  :show ID         show one entry in full
  :limit [N]       show at most N answers (now: {limit})
  :explain on|off  say why each answer matched (now: {explain})
  :help            this help
  :quit            leave (or Ctrl-D)
Tab completes commands, ids, topics and on|off.
Ctrl-C clears the line; Ctrl-C twice in a row leaves."""
COMMANDS = (":topics", ":list", ":show", ":limit", ":explain", ":help", ":quit")

def _answers(count: int) -> str:
    return "1 answer" if count == 1 else f"{count} answers"


def greeting(title: str | None) -> str:
    """The first line of a session: what the store is about, in its own words."""
    about = f"{title}: ask a question." if title else "Ask a question."
    return f"{about} :help for commands, :quit or Ctrl-D to leave."


class Session:
    """One interactive session over an ``App``; ``read`` is ``input`` at a terminal.

    ``prompting``: greet and prompt, as at a terminal. Questions fed from a
    file or a pipe get their answers alone, with no greeting and no
    ``backfaq> `` run into the output."""

    def __init__(
        self,
        app: App,
        *,
        fmt: str,
        quiet: bool = False,
        out: TextIO | None = None,
        read: Callable[[str], str] = input,
        prompting: bool = True,
    ) -> None:
        self.app = app
        self.fmt = fmt
        self.quiet = quiet
        self.out = out or sys.stdout
        self.read = read
        self.prompting = prompting
        self.limit = int(app.settings.get("limit", DEFAULT_LIMIT))
        self.explain = False

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self) -> int:
        """Read and answer until :quit or Ctrl-D (0), or two Ctrl-C in a row (130)."""
        if self.prompting:
            self.say(greeting(self.app.store.title))
        interrupts = 0
        while True:
            try:
                line = self.read(PROMPT if self.prompting else "")
            except EOFError:
                if self.prompting:
                    self.say("")  # the line Ctrl-D left open
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
            try:
                if not self.handle(line.strip()):
                    return 0
            except KeyboardInterrupt:  # while answers were drawn: stop them, keep the prompt
                interrupts = 1
                self.say("\n(stopped; press Ctrl-C again or type :quit to leave)")

    def handle(self, line: str) -> bool:
        """Act on one line; False when the session should end."""
        if is_blank(line):
            return True
        if not line.startswith(":"):
            self.ask(line)
            return True
        command, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        if command in ("quit", "q", "exit"):
            return False
        if command in ("help", "h", "?"):
            self.say(HELP.format(limit=self.limit, explain="on" if self.explain else "off"))
        elif command == "topics":
            self.renderer().topics(views.topic_rows(self.app.store))
        elif command == "list":
            self.list_entries(argument or None)
        elif command == "show" and argument:
            self.show(argument)
        elif command == "show":
            self.say("Usage: :show ID (the id is shown under each answer; :list lists them)")
        elif command == "limit":
            self.set_limit(argument)
        elif command == "explain":
            self.set_explain(argument)
        else:
            self.say(f"Unknown command ':{printable(command)}'. Type :help.")
        return True

    def renderer(self) -> Renderer:
        return get_renderer(self.fmt, self.out, quiet=self.quiet, show_explain=self.explain)

    def ask(self, text: str) -> None:
        answer = self.app.answer(text, limit=self.limit, topic=None)
        if answer.answered or answer.signs:  # a warning is shown, answer or not
            data = views.ask_dict(self.app.store, answer,
                                  explain=self.explain or self.fmt == "rich")
            self.renderer().ask(data)
        if not answer.answered:
            self.say(views.no_answer_message(self.app.store, answer, explain=self.explain,
                                             prompt=True))

    def list_entries(self, topic: str | None) -> None:
        chosen = self.app.find_topic(topic) if topic else None
        if topic and chosen is None:
            message = self.app.unknown_topic(topic)
            self.say(message[:1].upper() + message[1:])
            return
        self.renderer().entries(views.list_rows(self.app.store, chosen))

    def set_limit(self, argument: str) -> None:
        if not argument:
            self.say(f"Showing at most {_answers(self.limit)}. :limit N to change it.")
        elif argument.isascii() and argument.isdigit() and _whole(argument) >= 1:
            # Any whole number from 1, as `ask --limit` and the config file take.
            self.limit = _whole(argument)
            self.say(f"Showing at most {_answers(self.limit)}.")
        else:
            self.say("Usage: :limit N, a whole number from 1")

    def set_explain(self, argument: str) -> None:
        if argument in ("on", "off"):
            self.explain = argument == "on"
            self.say(f"Explanations {argument}.")
        else:
            self.say(f"Usage: :explain on|off (now {'on' if self.explain else 'off'})")

    def complete(self, line: str, text: str) -> list[str]:
        """What Tab offers (see ``line_editing.completions``)."""
        from backfaq.line_editing import completions

        def values(command: str) -> list[str]:
            store = self.app.store
            if command == ":show":
                return [e.id for e in store.entries]
            if command == ":list":
                return [t.id for t in store.topics]
            if command == ":explain":
                return ["on", "off"]
            return []

        return completions(line, text, COMMANDS, values)

    def show(self, entry_id: str) -> None:
        entry = self.app.store.entry(entry_id)
        shared = views.clashing_ids(self.app.store, entry_id) if entry is None else []
        if shared:
            self.say(f"Several stores have an entry '{entry_id}': {', '.join(shared)}")
        elif entry is None:
            message = views.unknown_id_message(self.app.store, entry_id, prompt=True)
            self.say(message[:1].upper() + message[1:])
        else:
            self.renderer().entry(views.entry_dict(self.app.store, entry))


def _whole(digits: str) -> int:
    """``digits`` as a number; 0 past the digits int() reads (4,300)."""
    try:
        return int(digits)
    except ValueError:
        return 0
