"""Plain text for pipes: no colour, no boxes, no wrapping, a layout for grep and awk.

Listings are one tab-separated line per row; answers are blocks of
``key: value`` lines with the answer's own lines indented by two spaces. A
warning notice is a block of its own before the answers, the disclaimer one
after them (``quiet`` leaves the disclaimer out).
"""

from __future__ import annotations

from typing import Any, TextIO

from backfaq.text import MESSAGE_LIMIT, printable


class PlainRenderer:
    def __init__(self, out: TextIO, *, quiet: bool = False) -> None:
        self.out = out
        self.quiet = quiet

    def _line(self, *fields: object) -> None:
        self.out.write("\t".join(str(f) for f in fields) + "\n")

    def _record(self, data: dict[str, Any], extra: dict[str, Any]) -> None:
        for key, value in extra.items():
            self.out.write(f"{key}: {value}\n")
        self.out.write(f"id: {data['id']}\n")
        self.out.write(f"question: {data['question']}\n")
        for phrasing in data["also_asked"]:
            self.out.write(f"also asked: {phrasing}\n")
        self.out.write(f"topic: {data['topic']}\n")
        if data.get("store"):
            self.out.write(f"store: {data['store']}\n")
        for source in data["sources"]:
            self.out.write(f"source: {source_line(source)}\n")
        self.out.write("answer:\n")
        # Every answer line is indented, even an empty one, so that the only
        # truly blank lines are the separators between answers.
        for line in data["answer"].splitlines():
            self.out.write(f"  {line}\n")

    def reports(self, rows: list[dict[str, Any]]) -> None:
        """``validate`` of several stores: each one's report in turn."""
        for data in rows:
            self.report(data)

    def report(self, data: dict[str, Any]) -> None:
        """``validate``: one ``PATH: LOCATION: PROBLEM`` line each, or ``PATH: ok``."""
        for line in report_lines(data):
            self.out.write(line + "\n")

    def ask(self, data: dict[str, Any]) -> None:
        blocks = 0
        if data.get("notice"):
            self.out.write(f"notice: {data['notice']}\n")
            blocks += 1
        # The urgent-care advice belongs to the warning: right under it, unranked.
        for entry in data.get("urgent", ()):
            self.out.write("\n")
            self._record(entry, {"urgent": "yes", "reason": entry.get("reason", "warning sign")})
            blocks += 1
        shown = {entry["id"] for entry in data.get("urgent", ())}
        for rank, result in enumerate(data["results"], 1):
            if result["id"] in shown:
                continue  # already under the notice; the ranks stay those of JSON
            if blocks:
                self.out.write("\n")
            self._record(result, {"rank": rank, "score": f"{result['score']:.1f}"})
            if "explain" in result:
                _explain(self.out, result["explain"])
            blocks += 1
        if "decision" in data:
            self.out.write("\n" if blocks else "")
            for reason in data["decision"]["reasons"]:
                self.out.write(f"decision: {reason}\n")
            blocks += 1
        if not self.quiet and data.get("disclaimer"):
            if blocks:
                self.out.write("\n")
            self.out.write(f"disclaimer: {data['disclaimer']}\n")

    def entry(self, data: dict[str, Any]) -> None:
        self._record(data, {})

    def entries(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            self._line(row["id"], row["topic"], row["question"])

    def topics(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._line(row["id"], row["entries"], row["title"], row["description"])

    def sources(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            url = (row["url"],) if row.get("url") else ()
            self._line(row["id"], row["entries"], row["file"], row["title"], *url)


def source_line(source: dict[str, Any]) -> str:
    """A source as an answer's footer names it: title, file and address if known."""
    url = f" {source['url']}" if source.get("url") else ""
    return f"{source['title']} ({source['file']}){url}"


def _explain(out: TextIO, explain: dict[str, Any]) -> None:
    for line in explain_lines(explain):
        out.write(line + "\n")


def explain_lines(explain: dict[str, Any]) -> list[str]:
    """``why:`` lines: the points from each field, then each query term."""
    fields = explain["fields"]
    lines = [
        f"why: question {fields['question']:.1f} + answer {fields['answer']:.1f}"
        f" + phrase {fields['phrase']:.1f}"
    ]
    if explain.get("reason"):
        lines.append(f"why: {explain['reason']}")
    lines += [f"why: {describe_term(term)}" for term in explain["terms"]]
    # Readings blended into the score after the fields (``search.index``).
    if "sentence" in explain:
        lines.append(f"why: best sentence {explain['sentence']:.1f} (blended into the score)")
    if "meaning" in explain:
        lines.append(f"why: meaning {explain['meaning']:.2f} (how near its phrasings are in"
                     " general English; blended into the score)")
    return lines


def describe_term(term: dict[str, Any]) -> str:
    """One matched query term in words, e.g. 'sholder -> shoulder (typo), weight 0.52'."""
    text = term["query"]
    if term["corrected"]:
        text += f" -> {term['corrected']} (typo)"
    if term["synonym"]:
        kind = "related word" if term.get("related") else "synonym"
        text += f" ~ {term['matched']} ({kind})"
    return f"{text}, weight {term['weight']:.2f}, strength {term['strength']:.2f}"


def report_lines(data: dict[str, Any]) -> list[str]:
    """The lines of a ``validate`` report; a store's own text is escaped and cut."""
    path = data["path"]
    if data["valid"]:
        return [printable(f"{path}: ok", limit=MESSAGE_LIMIT)]
    lines = []
    for problem in data["problems"]:
        where = f"{problem['location']}: " if problem["location"] else ""
        lines.append(printable(f"{path}: {where}{problem['message']}", limit=MESSAGE_LIMIT))
    return lines
