"""Alerts: an outbox of (event, channel) rows in the archive, delivered through Apprise.

Why an outbox: a cycle records its events first and alerts second, so a channel that is down,
a crash or a kill never loses an alert; the rows wait in `outbox` until a later run sends them.
Channels are Apprise URLs (mail, DingTalk, WeCom, Feishu, webhooks …). The outbox names a
channel by `channel_id(url)` — its scheme and a hash — never by the URL, because URLs carry
tokens and passwords and users browse the archive with Datasette.

Delivery guarantee: at least once, per alert and channel. A row is marked `sending` (attempts
+1) and committed *before* the send, and marked `sent` or `failed` and committed after it. A
row found `sending` at the start of a run was interrupted between the send and the mark, so it
is sent again: a crash or kill at that moment gives at most one duplicate of that alert on that
channel, and never a lost one. A row is `sent` only once Apprise reports that the receiver
accepted it. Receivers de-duplicate on the "Gongkai event #N" line every alert carries. Runs
must not overlap (the cycle lock sees to that), or both could send the same row.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise
from sqlite_utils import Database

from archive.clock import now_iso
from archive.config import AlertsConfig

PENDING, SENDING, SENT, FAILED, ORPHANED = "pending", "sending", "sent", "failed", "orphaned"
DIFF_LINES = 40
_TOKEN = re.compile(r"(?=[A-Za-z_\-]*[0-9])[A-Za-z0-9_\-]{16,}")

TITLES = {
    "new": "新发现年度报告 New report",
    "changed": "年度报告内容变化 Report changed",
    "moved": "年度报告地址变更 Report moved",
    "removed": "年度报告已删除 Report removed",
    "source_failing": "来源抓取失败 Source failing",
    "source_recovered": "来源已恢复 Source recovered",
    "source_incomplete": "栏目未抓全 Column not fully reached",
    "overdue": "年度报告逾期未公开 Report overdue",
    "published_late": "年度报告逾期公开 Report published late",
    "cycle_failed": "本轮抓取失败（我方故障）Cycle failed on our side",
}
EVIDENCE = {
    "published_on": "页面发布日期 the date on the page",
    "first_seen": (
        "按首次发现日期（页面未注明日期或所注日期晚于首次发现） the day Gongkai first saw it "
        "(the page shows no date, or a later one)"
    ),
}


# Query keys under which Apprise URLs may carry a password (`mailtos://host?user=…&pass=…`).
_SECRET_KEYS = re.compile(r"^(pass|password|passwd|pwd)$", re.IGNORECASE)


def channel_id(url: str) -> str:
    """`<scheme>-<8 hex>`: stable for one URL, and derived from nothing secret in it.

    The hash covers the URL without its user:password part and without the values of
    password-like query keys: 32 bits of an unsalted hash of a weak password are recovered
    offline in milliseconds, and `outbox` is browsable in Datasette. What remains (scheme,
    host, path, the other query values) still tells two channels apart.
    """
    scheme = re.sub(r"[^a-z0-9+]", "", url.split("://", 1)[0].lower())[:16] or "url"
    return f"{scheme}-{hashlib.sha256(_without_secrets(url).encode('utf-8')).hexdigest()[:8]}"


def _without_secrets(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    head, query_sep, query = rest.partition("?")
    authority, slash, path = head.partition("/")
    host = authority.rpartition("@")[2]
    pairs = [
        f"{key}=" if _SECRET_KEYS.match(unquote(key)) else f"{key}={value}"
        for key, _, value in (pair.partition("=") for pair in query.split("&") if pair)
    ]
    return f"{scheme}://{host}{slash}{path}{query_sep}{'&'.join(pairs)}"


def _legacy_id(url: str) -> str:
    """The id before migration 0010 (a hash of the whole URL, password included): computed
    only to re-key rows queued under it, never stored anew."""
    scheme = re.sub(r"[^a-z0-9+]", "", url.split("://", 1)[0].lower())[:16] or "url"
    return f"{scheme}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"


def _channels(alerts: AlertsConfig) -> dict[str, str]:
    """Channel id → URL. Two URLs that differ only in their credentials have the same id;
    the second and later ones get `-2`, `-3` … in config order, so each is still a channel."""
    channels: dict[str, str] = {}
    for url in alerts.urls:
        key, n = channel_id(url), 1
        while key in channels and channels[key] != url:
            n += 1
            key = f"{channel_id(url)}-{n}"
        channels[key] = url
    return channels


def adopt_legacy_rows(db: Database, alerts: AlertsConfig) -> int:
    """Re-key the outbox rows of each configured channel still under its old id; return how
    many. A pending alert queued before the upgrade is then neither orphaned (its old id is
    no configured channel's) nor queued twice (the unique (event_id, channel) index sees it),
    and the old id, derived from the password, leaves the archive. A row whose event already
    has a row under the new id is a duplicate and goes."""
    moved = 0
    with db.conn:
        for new, url in _channels(alerts).items():
            old = _legacy_id(url)
            if old == new:
                continue
            moved += db.conn.execute(
                "UPDATE OR IGNORE outbox SET channel = ? WHERE channel = ?", [new, old]
            ).rowcount
            db.conn.execute("DELETE FROM outbox WHERE channel = ?", [old])
    return moved


def enqueue(db: Database, alerts: AlertsConfig, cycle_id: int) -> int:
    """Queue every event still owed, recorded up to `cycle_id`: one `pending` row per channel
    for each alerting one; return the rows created.

    An event is owed from the moment it is committed (`events.queued_at` NULL) until this
    marks it queued, in the same transaction as its rows: so events of a cycle that died
    before publishing are queued by the next cycle, exactly once. Each event is queued once,
    to the channels configured then: a channel added later does not receive the archive's
    history. Baseline events (a source's first cycle) and kinds not in `on` are marked queued
    without rows: they never alert.
    """
    adopt_legacy_rows(db, alerts)
    kinds = set(alerts.on)
    channels = list(_channels(alerts))
    owed = db.execute(
        "SELECT id, kind, baseline FROM events WHERE queued_at IS NULL "
        "AND coalesce(cycle_id, 0) <= ? ORDER BY id",
        [cycle_id],
    ).fetchall()
    created, now = 0, now_iso()
    with db.conn:
        for event_id, kind, baseline in owed:
            for channel in channels if kind in kinds and not baseline else ():
                created += db.conn.execute(
                    "INSERT OR IGNORE INTO outbox (event_id, channel, status, attempts, "
                    "created_at) VALUES (?, ?, ?, 0, ?)",
                    [event_id, channel, PENDING, now],
                ).rowcount
            db.conn.execute("UPDATE events SET queued_at = ? WHERE id = ?", [now, event_id])
    return created


def render(db: Database, event_id: int) -> tuple[str, str]:
    """(title, body) of an event's alert: plain text, Chinese and English, one fact a line."""
    cursor = db.execute(
        "SELECT e.id, e.kind, e.source_id, e.detected_at, e.summary, e.detail, r.agency, "
        "r.title, coalesce(r.year, e.year) AS year, r.published_on, r.url, r.issuer, r.repost "
        "FROM events e "
        "LEFT JOIN reports r ON r.id = e.report_id WHERE e.id = ?",
        [event_id],
    )
    row = cursor.fetchone()
    if row is None:
        raise KeyError(event_id)
    event = dict(zip([c[0] for c in cursor.description], row, strict=True))
    if event["kind"].startswith("source_"):
        return _render_source(db, event)
    if event["kind"] == "cycle_failed":
        return _render_cycle(event)
    if event["kind"] in ("overdue", "published_late"):
        return _render_register(db, event)
    return _render_report(event)


def _render_report(event: dict) -> tuple[str, str]:
    title = f"{TITLES.get(event['kind'], event['kind'])}: {event['agency']} — {event['title']}"
    lines = [
        f"机关 Agency: {event['agency']}",
        f"标题 Title: {event['title']}",
        f"年度 Year: {event['year'] or '未注明 (not stated)'}",
        f"发布日期 Published: {event['published_on'] or '未注明 (not stated)'}",
        f"链接 URL: {event['url']}",
        *_repost_lines(event),
        f"摘要 Summary: {event['summary']}",
        *_detail_lines(event["kind"], event["detail"] or ""),
    ]
    return title, "\n".join([*lines, *_footer(event)])


def _repost_lines(event: dict) -> list[str]:
    """Another agency's report posted in the source's column says so: it is not the source's."""
    if not event.get("repost"):
        return []
    return [
        f"转载 Repost: 发布机关为 {event['issuer']}，不计入本机关的年报登记。 Issued by "
        f"{event['issuer']}, not by this agency: not counted in its register."
    ]


def _detail_lines(kind: str, detail: str) -> list[str]:
    if kind == "moved":
        return [f"原地址 Moved from: {detail.removeprefix('from ').strip()}"]
    if kind == "removed":
        return [
            "该报告已无法在原地址访问，存档副本仍保留。 The report is gone from its URL; "
            "the archived copy is kept."
        ]
    if kind != "changed" or not detail:
        return []
    diff = detail.splitlines()
    more = [f"… (另有 {len(diff) - DIFF_LINES} 行 / {len(diff) - DIFF_LINES} more lines)"]
    head = f"变化 Diff (前 {DIFF_LINES} 行 / first {DIFF_LINES} lines):"
    return ["", head, *diff[:DIFF_LINES], *(more if len(diff) > DIFF_LINES else [])]


def _render_source(db: Database, event: dict) -> tuple[str, str]:
    agency = _source_agency(db, event["source_id"])
    title = f"{TITLES.get(event['kind'], event['kind'])}: {event['source_id']} ({agency})"
    lines = [
        f"来源 Source: {event['source_id']}",
        f"机关 Agency: {agency}",
        f"摘要 Summary: {event['summary']}",
        f"信息 Message: {event['detail'] or '—'}",
    ]
    return title, "\n".join([*lines, *_footer(event)])


def _render_register(db: Database, event: dict) -> tuple[str, str]:
    """An agency-year that is overdue, or whose report came late (facts as of detection)."""
    detail = json.loads(event["detail"] or "{}")
    agency = detail.get("agency") or event["agency"] or _source_agency(db, event["source_id"])
    title = f"{TITLES[event['kind']]}: {agency} {event['year']}年度"
    lines = [
        f"机关 Agency: {agency}",
        f"年度 Report year: {event['year']}",
        f"截止日期 Due: {detail.get('due_on')} ({detail.get('due_basis')}; {detail.get('kind')})",
    ]
    if event["kind"] == "overdue":
        lines += [
            f"已逾期 Overdue by: {detail.get('days_late')} 天 days",
            f"栏目 Column: {detail.get('url')}",
            "截至检测时未发现该年度报告。 No report for this year had been found when this was "
            "detected.",
        ]
    else:
        evidence = detail.get("evidence")
        by_seen = evidence == "first_seen" or not detail.get("published_on")
        when = detail.get("first_seen_on") if by_seen else detail.get("published_on")
        lines += [
            f"标题 Title: {event['title']}",
            f"发布日期 Published: {when} (依据 evidence: {EVIDENCE.get(evidence, evidence)})",
            f"逾期 Days late: {detail.get('days_late')} 天 days",
            f"链接 URL: {event['url'] or detail.get('url')}",
        ]
    lines.append(f"摘要 Summary: {event['summary']}")
    return title, "\n".join([*lines, *_footer(event)])


def _render_cycle(event: dict) -> tuple[str, str]:
    lines = [
        f"摘要 Summary: {event['summary']}",
        f"原因 Reason: {event['detail'] or '—'}",
        "各来源记为未检查，健康状态不变 Sources recorded not_checked; health unchanged.",
    ]
    return TITLES["cycle_failed"], "\n".join([*lines, *_footer(event)])


def _source_agency(db: Database, source_id: str) -> str:
    """The agency as last recorded for the source (events of a source carry no report)."""
    row = (
        db.execute(
            "SELECT agency FROM cycle_sources WHERE source_id = ? ORDER BY cycle_id DESC LIMIT 1",
            [source_id],
        ).fetchone()
        or db.execute(
            "SELECT agency FROM reports WHERE source_id = ? ORDER BY id DESC LIMIT 1", [source_id]
        ).fetchone()
    )
    return row[0] if row else "未知 unknown"


def _footer(event: dict) -> list[str]:
    return ["", f"检测时间 Detected: {event['detected_at']}", f"Gongkai event #{event['id']}"]


@dataclass(frozen=True)
class Delivery:
    """What one `deliver` run did; `down` names (by channel id) the channels that failed."""

    sent: int
    failed: int
    skipped: int
    down: tuple[str, ...]


def deliver(db: Database, alerts: AlertsConfig) -> Delivery:
    """Send every unsent outbox row of a configured channel, oldest first, channel by channel.

    Rows of channels no longer configured become `orphaned` (and are sent after all if the
    same URL comes back). A channel that fails once is skipped for the rest of the run (its rows
    wait for the next run), so a dead channel costs one timeout per run and never blocks the
    others. Apprise paces most services (mail, DingTalk, WeCom …) at one message per ~5.5 s.
    """
    channels = _channels(alerts)
    adopt_legacy_rows(db, alerts)
    _orphan(db, channels)
    senders: dict[str, apprise.Apprise | None] = {}
    sent, failed, skipped, down = 0, 0, 0, []
    for row_id, event_id, channel in _due(db, channels):
        if channel in down:
            skipped += 1
            continue
        if channel not in senders:
            senders[channel] = _sender(channels[channel])
        error = _send_row(db, row_id, event_id, channels[channel], senders[channel])
        if error is None:
            sent += 1
        else:
            failed += 1
            down.append(channel)
    return Delivery(sent, failed, skipped, tuple(down))


def _orphan(db: Database, channels: dict[str, str]) -> None:
    marks = ", ".join("?" for _ in channels)
    with db.conn:
        db.conn.execute(
            f"UPDATE outbox SET status = ? WHERE status NOT IN (?, ?) AND channel NOT IN ({marks})",
            [ORPHANED, SENT, ORPHANED, *channels],
        )


def _due(db: Database, channels: dict[str, str]) -> list[tuple[int, int, str]]:
    """Unsent rows of configured channels, oldest first (`sending` ones were interrupted)."""
    marks = ", ".join("?" for _ in channels)
    return db.execute(
        f"SELECT id, event_id, channel FROM outbox WHERE status != ? AND channel IN ({marks}) "
        "ORDER BY id",
        [SENT, *channels],
    ).fetchall()


def _sender(url: str) -> apprise.Apprise | None:
    """One Apprise per channel and run, so its per-service rate limit holds across alerts."""
    sender = apprise.Apprise()
    return sender if sender.add(url) else None


def _send_row(
    db: Database, row_id: int, event_id: int, url: str, sender: apprise.Apprise | None
) -> str | None:
    """Mark, send, mark — each mark committed — and return the error, or None when sent."""
    with db.conn:
        db.conn.execute(
            "UPDATE outbox SET status = ?, attempts = attempts + 1 WHERE id = ?", [SENDING, row_id]
        )
    title, body = render(db, event_id)
    error = _send(sender, title, body)
    error = None if error is None else _mask(error, url)
    with db.conn:
        if error is None:
            db.conn.execute(
                "UPDATE outbox SET status = ?, sent_at = ?, last_error = NULL WHERE id = ?",
                [SENT, now_iso(), row_id],
            )
        else:
            db.conn.execute(
                "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", [FAILED, error, row_id]
            )
    return error


def _send(sender: apprise.Apprise | None, title: str, body: str) -> str | None:
    """Notify; on failure return Apprise's warnings and errors, plus its "Socket Exception"
    debug line (it tells a refused connection from a timeout). Other debug lines are left out:
    some print the whole endpoint with its token."""
    if sender is None:
        return "Apprise does not accept this URL (unknown scheme or missing parts)"
    with apprise.LogCapture(level=logging.DEBUG, fmt="%(levelname)s %(message)s") as log:
        ok = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        text = log.getvalue()
    if ok:
        return None
    lines = [line.split(" ", 1)[-1].strip() for line in text.splitlines() if _telling(line)]
    return " | ".join(lines) or "Apprise reported a failure without a message"


def _telling(line: str) -> bool:
    level, _, message = line.partition(" ")
    return level in ("WARNING", "ERROR", "CRITICAL") or message.startswith("Socket Exception")


def _mask(error: str, url: str) -> str:
    """`last_error` is browsable too: hide the URL's user, password, path and query values
    (where tokens live), and anything else token-like."""
    parts = urlsplit(url)
    values = [v for _, v in parse_qsl(parts.query)] + parts.path.split("/")
    for secret in (parts.username, parts.password, *values):
        if secret and len(secret) >= 4:
            error = error.replace(secret, "****")
    return _TOKEN.sub("****", error)[:500]
