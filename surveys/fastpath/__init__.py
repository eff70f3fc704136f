"""The fast path: every speed trick of the platform, fenced in this one package (the respondent's
path, and the bulk write of an imported past round).

Everything here has a plain twin outside it, written with the ORM and Django's templates, which
is the definition of what the trick must do: with `SURVEYS_FASTPATH=false` (and always on SQLite,
the embedded default) the platform runs the twins alone. The test command runs the respondent's
tests both ways, and tests hold each trick to its twin. Only this package holds SQL text
(sql/*.sql) and memory kept by a process between requests.

Measured with bench/respondent.py (gunicorn, PostgreSQL, Redis; figures in bench/RESULTS.md),
each trick's gain on the requests it serves:

- links.py, the link read in one prepared query (sql/link_read.sql): the link, its round,
  questionnaire, unit, giver, the unit's response and profile. The ORM's select_related took
  longer to build the query than PostgreSQL to answer it; prepared, PostgreSQL plans it once
  per connection (about 1 ms to plan against 0.1 ms to run). Twin: respondent.links' ORM read.
- tickets.py, a signed ticket in a cookie: the section page gives the browser what its autosaves
  and submit need of the link, so they read nothing of it, on any process (about two link reads
  per respondent flow before). Twin: resolving the link on each request.
- saves.py, one answer saved in one call of a database function (sql/answer_save.sql), a submit
  in one statement (sql/section_submit.sql): an autosave went from 7 statements and a
  transaction to one round trip (autosave 6.5x the ceiling before, 2.5x after). Both ask the
  link rule's SQL form (sql/link_may_change.sql) in the same statement. Twin:
  surveys.services.responses' ORM steps in a transaction.
- memory.py, a process's own memory of a frozen questionnaire's plan, items, rules and compiled
  forms, and of the tickets it has checked: spares each request the cache's round trip and the
  unpickling. Safe without expiry: every key names the questionnaire's freeze time. Twin: the
  Django cache alone.
- forms.py, each section's form rendered by crispy-forms once per frozen questionnaire, section
  and language, then filled with a unit's answers: rendering sixty questions' fields took a
  couple of hundred milliseconds. Twin: crispy-forms rendering the form on every page.
- frames.py, the section page drawn once per section, language and variant with markers in
  place of its per-request values, and filled in per request: drawing base.html and the section's
  template took about a millisecond of a page. Measured in one hour (bench/RESULTS.md): in full,
  3.9x and 4.5x the ceiling (demo section, 60 questions); with a Jinja2 twin of the templates,
  3.5x and 4.4x; framed, 2.9x and 3.8x, within the 4x target. Twin: the template drawn in full,
  and both templates say so at their top.

- imports.py, a past round's answers written in two statements (sql/answers_import.sql,
  sql/answer_changes_import.sql): PostgreSQL unpacks one JSON document of about 105,000 answers
  and copies their first audit entries from them (bench/past_rounds.py, bench/RESULTS.md). Twin:
  surveys.past_rounds.services.answers_write_plain, the ORM's bulk_create in batches.

config/wsgi.py's gc.freeze() at a web process's start is the one trick outside this package: it
concerns the process, not the respondent (9-13% more flows).
"""

from django.conf import settings
from django.db import connection


def enabled() -> bool:
    """Whether the fast path runs: on PostgreSQL, unless SURVEYS_FASTPATH is off."""
    return settings.SURVEYS_FASTPATH and connection.vendor == "postgresql"
