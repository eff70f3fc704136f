"""Fault: PostgreSQL restarts while respondents save answers.

gunicorn with production settings serves four respondents (four threads, each its own
municipality, autosaving a text answer as fast as it can and opening its page now and then)
from a private PostgreSQL cluster, which is shut down fast (as `pg_ctl restart -m fast` does
first), kept down until every respondent has met the outage, and started again. Every request
during the outage gets a clean 503 (a Norwegian page; JSON "unavailable" for the autosave, on
which the page's script tries again), never a 500; afterwards requests succeed without anyone
restarting anything; and every answer a respondent was told was saved is in the database
and in its audit trail, the last one as the answer."""

import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg
import pytest
from django.db import connection

from tests.servers import HttpClient, Process, procfile, production_env
from tests.support import ROOT, free_port, wait_until

pytestmark = pytest.mark.faults

UNITS = ["4601", "5501", "1804", "0301"]  # Bergen, Tromsø, Bodø, Oslo
FRIENDLY = "Tjenesten er midlertidig utilgjengelig"


@dataclass
class Respondent:
    """One browser: autosaves its municipality's Q10 again and again, as the page's script does
    (a 503 "unavailable" is sent again with the same text), and opens the section now and then."""

    number: str
    token: str
    client: HttpClient
    form_token: str = ""
    version: int = 0
    saved: list[tuple[str, int, float]] = field(default_factory=list)  # (text, version, when)
    replies: Counter = field(default_factory=Counter)
    unclean: list[str] = field(default_factory=list)

    def open_page(self) -> None:
        try:
            response, page = self.client.call(f"/r/{self.token}/s/directorate/")
        except OSError as error:
            self.unclean.append(f"page: {type(error).__name__}")
            return
        self.replies[f"page {response.status}"] += 1
        if response.status == 200:
            self.form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        elif response.status != 503 or FRIENDLY not in page or "Traceback" in page:
            self.unclean.append(f"page {response.status}: {page[:300]}")

    def save(self, text: str) -> bool:
        data = {"question": "Q10", "version": self.version, "Q10": text, "csrfmiddlewaretoken": self.form_token}
        try:
            response, body = self.client.call(f"/r/{self.token}/s/directorate/autosave/", data)
        except OSError as error:
            self.unclean.append(f"autosave: {type(error).__name__}")
            return False
        self.replies[f"autosave {response.status}"] += 1
        reply = json.loads(body) if body.startswith("{") else {}
        if response.status == 200 and reply.get("status") == "saved":
            self.version = reply["version"]
            self.saved.append((text, self.version, time.monotonic()))
            return True
        if response.status != 503 or reply.get("status") != "unavailable" or response.getheader("Retry-After") is None:
            self.unclean.append(f"autosave {response.status}: {body[:300]}")
        return False

    def run(self, stop: threading.Event) -> None:
        self.open_page()
        count = 0
        while not stop.is_set():
            text = f"Svar {count} fra {self.number}"
            while not stop.is_set() and not self.save(text):
                time.sleep(0.1)  # the script waits before it tries again
            count += 1
            if count % 5 == 0:
                self.open_page()


def _copy_test_database(target_url: str) -> None:
    """The test database (schema, migrations and registry) into the private cluster."""
    settings = connection.settings_dict
    env = {"PGPASSWORD": settings["PASSWORD"] or ""}
    dump = subprocess.run(
        ["pg_dump", "-Fc", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),
         "-U", settings["USER"], settings["NAME"]],
        capture_output=True, check=True, timeout=120, env=env,
    )  # fmt: skip
    subprocess.run(
        ["pg_restore", "--no-owner", "-d", target_url], input=dump.stdout, capture_output=True, check=True, timeout=120
    )


def test_a_postgresql_restart_under_load_gives_clean_503s_recovers_and_loses_no_saved_answer(
    db,
    private_postgres,
    private_redis,
    collected_static,
    tmp_path,
):
    # given a private cluster holding the platform's database and an open round with four links
    with psycopg.connect(private_postgres.url("postgres"), autocommit=True) as admin:
        admin.execute("CREATE DATABASE survey")
    database_url = private_postgres.url("survey")
    _copy_test_database(database_url)
    seed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"from tests.faults.seed import main; main({UNITS!r})"],
        cwd=ROOT,
        env=production_env(DATABASE_URL=database_url, REDIS_URL=private_redis.url, PLATFORM_ENV="development"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seed.returncode == 0, seed.stderr
    tokens = json.loads(seed.stdout.strip().splitlines()[-1])

    # and two gunicorn processes with production settings on it
    port = free_port()
    env = production_env(
        DATABASE_URL=database_url,
        REDIS_URL=private_redis.url,
        STATIC_ROOT=str(collected_static),
        MEDIA_ROOT=str(tmp_path / "media"),
        WEB_CONCURRENCY="2",
        PORT=str(port),
    )
    web = Process("web", procfile()["web"], env, tmp_path / "web.log")
    try:
        wait_until(lambda: _healthy(port, web), timeout=60, what="gunicorn")
        respondents = [Respondent(number, tokens[number], HttpClient(port, {})) for number in UNITS]
        stop = threading.Event()
        threads = [threading.Thread(target=r.run, args=(stop,), daemon=True) for r in respondents]
        for thread in threads:
            thread.start()

        # when they have saved for a moment and PostgreSQL goes down, fast
        wait_until(lambda: all(len(r.saved) >= 3 for r in respondents), timeout=30, what="saves before the outage")
        private_postgres.stop()
        # and stays down until every respondent has met it
        wait_until(
            lambda: all(r.replies["autosave 503"] or r.unclean for r in respondents),
            timeout=30,
            what="each to meet the outage",
        )
        private_postgres.start()
        back = time.monotonic()

        # then, with nobody restarting anything, every respondent saves again
        wait_until(
            lambda: all(r.saved and r.saved[-1][2] > back for r in respondents),
            timeout=30,
            what="saves after the restart",
        )
        recovered = max(next(when for _t, _v, when in r.saved if when > back) for r in respondents) - back
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        web.stop()

    replies = sum((r.replies for r in respondents), Counter())
    print(f"replies: {dict(replies)}; every respondent saved again {recovered:.2f} s after the start")
    # and every failure was a clean 503: the friendly page, or JSON the script acts on
    assert [problem for r in respondents for problem in r.unclean] == []
    assert set(replies) <= {"autosave 200", "autosave 503", "page 200", "page 503"}
    assert '"status": 500' not in web.output() and "Traceback" not in "".join(
        line for line in web.output().splitlines() if '"status": 503' in line
    )

    # and every answer reported saved is in the audit trail, the last one as the answer
    with psycopg.connect(database_url) as db_connection:
        for respondent in respondents:
            rows = db_connection.execute(
                """SELECT c.new_value, c.version, a.value, a.version
                     FROM surveys_answerchange c
                     JOIN surveys_answer a ON a.id = c.answer_id
                     JOIN surveys_question q ON q.id = a.question_id
                     JOIN surveys_response r ON r.id = a.response_id
                     JOIN municipalities_municipality m ON m.id = r.municipality_id
                    WHERE q.code = 'Q10' AND m.number = %s""",
                [respondent.number],
            ).fetchall()
            trail = {(value, version) for value, version, _answer, _current in rows}
            assert {(text, version) for text, version, _when in respondent.saved} <= trail
            last_text, last_version, _when = respondent.saved[-1]
            assert (rows[0][2], rows[0][3]) == (last_text, last_version)


def _healthy(port: int, web: Process) -> bool:
    assert web.process.poll() is None, web.output()
    try:
        response, _body = HttpClient(port, {}).call("/health/", https=False)
    except OSError:
        return False
    return response.status == 200
