"""Alerts through real Apprise to real receivers on 127.0.0.1: a JSON webhook and an SMTP server."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from archive import alerts
from archive.config import AlertsConfig
from tests.eventrows import AGENCY, archive, event, report

ROOT = Path(__file__).parent.parent


def outbox(db) -> list[dict]:
    return list(db.query("SELECT * FROM outbox ORDER BY id"))


def new_report_events(db, count: int = 1) -> list[int]:
    ids = []
    for n in range(count):
        report_id = report(db, f"http://ka.sz.gov.cn/xxgk/ndbg/t{n}.html", f"{2024 - n}年度报告")
        ids.append(event(db, "new", report_id))
    return ids


def test_one_alert_per_new_event_per_channel_by_webhook_and_mail(tmp_path, webhook, smtp):
    db = archive(tmp_path / "a.db")
    hook = webhook()
    url = "http://ka.sz.gov.cn/xxgk/qt/ndbg/content/post_1.html"
    title = "深圳市人民政府口岸办公室2024年政府信息公开工作年度报告"
    wanted = event(db, "new", report(db, url, title))
    event(db, "new", report(db, "http://ka.sz.gov.cn/old.html", "2019年度报告"), baseline=1)
    event(db, "changed", report(db, "http://ka.sz.gov.cn/c.html", "2023年度报告"), detail="-a\n+b")
    config = AlertsConfig(urls=(hook.url, smtp.url), on=("new",))

    assert alerts.enqueue(db, config, 1) == 2
    delivery = alerts.deliver(db, config)

    assert delivery == alerts.Delivery(sent=2, failed=0, skipped=0, down=())
    assert len(hook.posts) == 1 and len(smtp.messages) == 1
    mail = smtp.messages[0]
    texts = [
        hook.posts[0]["title"] + "\n" + hook.posts[0]["message"],
        mail["subject"] + "\n" + mail.get_body(("plain",)).get_content(),
    ]
    for text in texts:
        for fact in (AGENCY, title, "2024", "2025-01-20", url, f"Gongkai event #{wanted}"):
            assert fact in text
    assert [row["status"] for row in outbox(db)] == ["sent", "sent"]

    assert alerts.enqueue(db, config, 1) == 0
    assert alerts.deliver(db, config) == alerts.Delivery(0, 0, 0, ())
    assert len(hook.posts) == 1 and len(smtp.messages) == 1


def test_the_default_kinds_alert_and_baseline_or_unlisted_kinds_do_not(tmp_path, webhook):
    db = archive(tmp_path / "a.db", cycles=2)
    hook = webhook()
    report_id = report(db, "http://ka.sz.gov.cn/r.html", "2024年度报告")
    for kind in ("new", "changed", "removed", "moved"):
        event(db, kind, report_id, detail="from http://old/" if kind == "moved" else None)
        event(db, kind, report_id, baseline=1)
    event(db, "source_failing", None, detail="HTTP 503")
    event(db, "source_recovered", None)
    event(db, "new", report_id, cycle_id=2)  # another cycle's event
    config = AlertsConfig(urls=(hook.url,))

    assert alerts.enqueue(db, config, 1) == 5
    assert alerts.deliver(db, config).sent == 5
    titles = [post["title"] for post in hook.posts]
    assert [t.split(":")[0] for t in titles] == [
        alerts.TITLES[k]
        for k in ("new", "changed", "removed", "source_failing", "source_recovered")
    ]


def test_a_down_channel_fails_alone_and_is_delivered_once_when_it_returns(
    tmp_path, webhook, dead_port
):
    db = archive(tmp_path / "a.db")
    live = webhook()
    port = dead_port.getsockname()[1]
    down_url = f"json://127.0.0.1:{port}/hook"
    config = AlertsConfig(urls=(down_url, live.url))
    first, second = new_report_events(db, 2)
    alerts.enqueue(db, config, 1)

    delivery = alerts.deliver(db, config)

    down = alerts.channel_id(down_url)
    assert delivery == alerts.Delivery(sent=2, failed=1, skipped=1, down=(down,))
    assert len(live.posts) == 2
    failed = [row for row in outbox(db) if row["channel"] == down]
    assert [(r["status"], r["attempts"]) for r in failed] == [("failed", 1), ("pending", 0)]
    assert "error" in failed[0]["last_error"].lower()

    dead_port.close()
    returned = webhook(port=port)
    assert alerts.deliver(db, config) == alerts.Delivery(sent=2, failed=0, skipped=0, down=())
    assert alerts.deliver(db, config) == alerts.Delivery(0, 0, 0, ())
    assert [p["message"].splitlines()[-1] for p in returned.posts] == [
        f"Gongkai event #{first}",
        f"Gongkai event #{second}",
    ]
    assert len(live.posts) == 2
    assert {row["status"] for row in outbox(db)} == {"sent"}


def test_rows_of_a_channel_removed_from_the_config_are_orphaned(tmp_path, webhook):
    db = archive(tmp_path / "a.db")
    kept, dropped = webhook(), webhook()
    new_report_events(db, 2)
    alerts.enqueue(db, AlertsConfig(urls=(kept.url, dropped.url)), 1)

    assert alerts.deliver(db, AlertsConfig(urls=(kept.url,))).sent == 2

    statuses = {(row["channel"], row["status"]) for row in outbox(db)}
    assert statuses == {
        (alerts.channel_id(kept.url), "sent"),
        (alerts.channel_id(dropped.url), "orphaned"),
    }
    assert dropped.posts == []


def test_an_unusable_url_is_a_failed_channel_not_a_crash(tmp_path, webhook):
    db = archive(tmp_path / "a.db")
    hook = webhook()
    new_report_events(db)
    config = AlertsConfig(urls=("nosuchscheme://example", hook.url))
    alerts.enqueue(db, config, 1)

    delivery = alerts.deliver(db, config)

    assert (delivery.sent, delivery.failed) == (1, 1)
    bad = next(r for r in outbox(db) if r["channel"] == alerts.channel_id("nosuchscheme://example"))
    assert bad["status"] == "failed" and "URL" in bad["last_error"]


def test_the_outbox_never_holds_a_secret_of_a_channel_url(tmp_path, dead_port):
    db = archive(tmp_path / "a.db")
    port = dead_port.getsockname()[1]
    url = f"json://user:Secr3tPassw0rd@127.0.0.1:{port}/hook?token=T0kenT0kenT0kenT0ken"
    new_report_events(db)
    config = AlertsConfig(urls=(url,))
    alerts.enqueue(db, config, 1)
    alerts.deliver(db, config)

    channel = alerts.channel_id(url)
    assert re.fullmatch(r"json-[0-9a-f]{8}", channel)
    assert channel == alerts.channel_id(url) != alerts.channel_id(url.replace("/hook", "/other"))
    dump = "\n".join(db.iterdump())
    assert outbox(db)[0]["status"] == "failed"
    for secret in ("Secr3tPassw0rd", "T0kenT0ken", "user:"):
        assert secret not in dump


def _sha_id(url: str) -> str:
    """A `<scheme>-<8 hex>` id as Gongkai made them before 0010: a hash of the whole URL."""
    return f"{url.split('://')[0]}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def test_a_channel_id_is_derived_from_nothing_of_the_password():
    """32 bits of an unsalted hash of the whole URL give a weak password away offline: the id
    must be the same whatever the password (so nothing of it went in), yet tell channels apart."""
    words = ["123456", "password", "gongkai", "Gongkai2026", "qwerty", "app-password"]
    for template in (
        "mailtos://gongkai:{}@smtp.example.org?to=ops@example.org",
        "mailtos://smtp.example.org?user=gongkai&pass={}&to=ops@example.org",
        "json://admin:{}@127.0.0.1:8080/hook",
    ):
        ids = {alerts.channel_id(template.format(word)) for word in words}
        assert len(ids) == 1, f"{template}: the id changes with the password"
        (channel,) = ids
        cracked = [w for w in words if _sha_id(template.format(w)) == channel]
        assert cracked == [], "a dictionary of passwords finds none of them in the id"
    other = alerts.channel_id("mailtos://gongkai:123456@smtp.example.org?to=boss@example.org")
    assert other != alerts.channel_id(
        "mailtos://gongkai:123456@smtp.example.org?to=ops@example.org"
    )


def test_rows_queued_under_the_old_password_derived_id_are_sent_once_and_the_old_id_goes(
    tmp_path, webhook
):
    """An archive upgraded with alerts still pending under the old ids: each is delivered once,
    under the new id, and nothing derived from the password stays in the archive."""
    db = archive(tmp_path / "a.db")
    hook = webhook()
    url = hook.url.replace("json://", "json://gongkai:weak-pass@")
    pending, sent = new_report_events(db, 2)
    old = _sha_id(url)
    assert old != alerts.channel_id(url)
    now = "2026-11-23T02:31:00+00:00"
    db["outbox"].insert_all([
        {"event_id": pending, "channel": old, "status": "pending", "attempts": 0,
         "created_at": now},
        {"event_id": sent, "channel": old, "status": "sent", "attempts": 1, "created_at": now,
         "sent_at": now},
    ])  # fmt: skip
    db.execute("UPDATE events SET queued_at = ?", [now])
    config = AlertsConfig(urls=(url,))

    assert alerts.enqueue(db, config, 1) == 0
    assert alerts.deliver(db, config).sent == 1

    assert [p["message"].splitlines()[-1] for p in hook.posts] == [f"Gongkai event #{pending}"]
    rows = [(r["event_id"], r["channel"], r["status"]) for r in outbox(db)]
    new = alerts.channel_id(url)
    assert sorted(rows) == [(pending, new, "sent"), (sent, new, "sent")]
    assert old not in "\n".join(db.iterdump())
    assert alerts.deliver(db, config).sent == 0 and len(hook.posts) == 1


def test_render_gives_each_kind_its_facts(tmp_path):
    db = archive(tmp_path / "a.db")
    db["cycle_sources"].insert({"cycle_id": 1, "source_id": "szka", "agency": AGENCY})
    undated = report(db, "http://ka.sz.gov.cn/u.html", "2022年度报告", published_on=None)
    diff = "\n".join(f"+line {n}" for n in range(60))
    new = event(db, "new", undated)
    changed = event(db, "changed", undated, detail=diff)
    moved = event(db, "moved", undated, detail="from http://ka.sz.gov.cn/old.html")
    removed = event(db, "removed", undated)
    failing = event(db, "source_failing", None, detail="列表页 HTTP 503")

    assert "发布日期 Published: 未注明" in alerts.render(db, new)[1]
    body = alerts.render(db, changed)[1]
    assert "+line 39" in body and "+line 40" not in body and "20 more lines" in body
    assert "Moved from: http://ka.sz.gov.cn/old.html" in alerts.render(db, moved)[1]
    assert "removed" in alerts.render(db, removed)[0].lower()
    title, body = alerts.render(db, failing)
    assert "szka" in title and AGENCY in body and "列表页 HTTP 503" in body
    assert body.endswith(f"Gongkai event #{failing}")


CHILD = (
    "import sys; from archive.db import open_db; from archive import alerts; "
    "from archive.config import AlertsConfig; "
    "alerts.deliver(open_db(sys.argv[1]), AlertsConfig(urls=(sys.argv[2],)))"
)


def test_killing_the_process_during_delivery_never_loses_an_alert(tmp_path, webhook):
    db = archive(tmp_path / "a.db")
    hook = webhook(slow=1, delay=3.0)
    (event_id,) = new_report_events(db)
    config = AlertsConfig(urls=(hook.url,))
    alerts.enqueue(db, config, 1)
    log = tmp_path / "child.log"
    with open(log, "wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path / "a.db"), hook.url], cwd=ROOT, stderr=stderr
        )
    try:
        assert hook.arrived.wait(30), log.read_text()
        assert outbox(db)[0]["status"] == "sending"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        child.kill()

    assert alerts.deliver(db, config).sent == 1

    assert 1 <= len(hook.posts) <= 2
    assert {p["message"].splitlines()[-1] for p in hook.posts} == {f"Gongkai event #{event_id}"}
    (row,) = outbox(db)
    assert (row["status"], row["attempts"]) == ("sent", 2)


def test_two_urls_that_differ_only_in_their_credentials_are_two_channels(tmp_path, webhook):
    """Their ids hash the same credential-free URL; the second gets `-2` and its own rows."""
    db = archive(tmp_path / "a.db")
    hook = webhook()
    first = hook.url.replace("json://", "json://alice:one@")
    second = hook.url.replace("json://", "json://bob:two@")
    (event_id,) = new_report_events(db)
    config = AlertsConfig(urls=(first, second))

    assert alerts.enqueue(db, config, 1) == 2
    assert alerts.deliver(db, config).sent == 2

    base = alerts.channel_id(first)
    assert base == alerts.channel_id(second)
    rows = [(r["event_id"], r["channel"], r["status"]) for r in outbox(db)]
    assert rows == [(event_id, base, "sent"), (event_id, f"{base}-2", "sent")]
    assert len(hook.posts) == 2
