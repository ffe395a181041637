"""The fake PSA's own page at `/`: its tickets, notes and time entries per provider, server-rendered
and escaped (a note's text is whatever a client sent)."""

from __future__ import annotations

from html import escape

from flowpilot.psa.connectors.base import Provider

from .store import FakeStore

TITLES = {Provider.CONNECTWISE: "ConnectWise PSA", Provider.HALOPSA: "HaloPSA", Provider.AUTOTASK: "Autotask"}

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1f2933; }
h1 { font-size: 1.4rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #d9e2ec; } h3 { font-size: 1rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e4e7eb; }
th { background: #f5f7fa; } .text { white-space: pre-wrap; max-width: 40rem; } .muted { color: #7b8794; }
.tag { display: inline-block; padding: 0 .4rem; border-radius: .6rem; background: #e4e7eb; font-size: 12px; }
"""


def _row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _table(headers: tuple[str, ...], rows: list[str], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_page(store: FakeStore, base_url: str) -> str:
    sections = []
    for provider in Provider:
        tickets = store.tickets_of(provider)
        numbers = {t.id: t.number for t in tickets}
        ticket_rows = [
            _row(
                escape(t.number),
                escape(str(t.id)),
                escape(t.summary),
                escape(t.company),
                escape(t.status) + (' <span class="tag">closed</span>' if t.closed else ""),
            )
            for t in tickets
        ]
        note_rows = []
        for note in store.notes_of(provider):
            kind = "internal" if note.internal else "public"
            tags = f'<span class="tag">{kind}</span>' + (
                ' <span class="tag">resolution</span>' if note.resolution else ""
            )
            note_rows.append(
                _row(
                    escape(numbers.get(note.ticket_id, str(note.ticket_id))),
                    escape(str(note.id)),
                    tags,
                    f'<div class="text">{escape(note.text)}</div>',
                )  # fmt: skip
            )
        time_rows = [
            _row(
                escape(numbers.get(e.ticket_id, str(e.ticket_id))),
                escape(str(e.id)),
                escape(f"{e.hours:g} h"),
                escape(f"{e.start} → {e.end}"),
                escape(e.who),
                f'<div class="text">{escape(e.notes)}</div>',
            )
            for e in store.time_entries_of(provider)
        ]
        sections.append(
            f'<section id="{provider.value}"><h2>{escape(TITLES[provider])}</h2>'
            "<h3>Tickets</h3>"
            + _table(("Number", "Id", "Summary", "Company", "Status"), ticket_rows, "No tickets.")
            + "<h3>Notes</h3>"
            + _table(("Ticket", "Id", "Kind", "Text"), note_rows, "No notes yet.")
            + "<h3>Time entries</h3>"
            + _table(("Ticket", "Id", "Hours", "When (UTC)", "Who", "Notes"), time_rows, "No time entries yet.")
            + "</section>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="5"><title>Fake PSA</title>'
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Fake PSA at {escape(base_url)}</h1>"
        '<p class="muted">ConnectWise PSA, HaloPSA and Autotask in one process, for tests and the demo. '
        "This page refreshes every 5 seconds.</p>" + "".join(sections) + "</body></html>"
    )
