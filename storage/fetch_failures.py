"""Failed fetches, kept across runs: a url whose fetch failed (an HTTP error, no answer, a body
cut short) is retried by later runs, with backoff across runs, until a fetch succeeds (its row is
removed) or it is declared gone (404/410 twice, or `max_tries` tries), its last error kept."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, exists, func, or_, select
from sqlalchemy.orm import aliased

from storage.models import Document, FetchFailure
from storage.upsert import dialect_insert

failures = FetchFailure.__table__
documents = Document.__table__
GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class RetryPolicy:
    """When a later run tries a failed url again: `after_s` after its first failure, doubling
    with each try; after `max_tries` tries it is declared gone."""

    after_s: float = 3600.0
    max_tries: int = 8

    def next_try(self, tries: int, now: datetime) -> datetime:
        return now + timedelta(seconds=self.after_s * 2 ** min(tries - 1, 30))


@dataclass(frozen=True)
class FailedFetch:
    url: str
    error: str  # one line: the exception or the HTTP status, never the body
    status: int | None = None  # the HTTP status answered (None: no answer)
    portal: str | None = None
    role: str | None = None  # list, report, attachment
    report_url: str | None = None  # the report page an attachment belongs to


@dataclass(frozen=True)
class FailureRecord:
    url: str
    error: str
    status: int | None
    tries: int
    next_try_at: datetime
    gone: bool


def record(
    conn: Connection, failed: FailedFetch, *, portal_id: int | None, now: datetime, policy: RetryPolicy
) -> FailureRecord:
    """Count one more failed try of `failed.url` (gone: 404/410 twice, or too many tries)."""
    before = conn.execute(
        select(failures.c.tries, failures.c.status, failures.c.first_tried).where(
            failures.c.url == failed.url
        )
    ).first()
    tries = before.tries + 1 if before else 1
    twice_gone = failed.status in GONE_STATUSES and before is not None and before.status in GONE_STATUSES
    row = {
        "url": failed.url,
        "portal_id": portal_id,
        "role": failed.role,
        "report_url": failed.report_url,
        "error": failed.error,
        "status": failed.status,
        "tries": tries,
        "first_tried": before.first_tried if before else now,
        "last_tried": now,
        "next_try_at": policy.next_try(tries, now),
        "gone": twice_gone or tries >= policy.max_tries,
    }
    insert = dialect_insert(conn.dialect.name, failures)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[failures.c.url], set_={k: insert.excluded[k] for k in row if k != "url"}
        ),
        row,
    )
    return FailureRecord(failed.url, failed.error, failed.status, tries, row["next_try_at"], row["gone"])


def clear(conn: Connection, url: str) -> None:
    """`url` was fetched whole: it is not failing any more."""
    conn.execute(delete(failures).where(failures.c.url == url))


def incomplete(conn: Connection, urls: Collection[str], now: datetime) -> set[str]:
    """Those of `urls` a run must fetch again even when their list page is unchanged: a failure
    of the url itself or of an attachment it links that is due for another try, and report pages
    announcing attachments of which none was ever archived (a run killed before it fetched them)."""
    if not urls:
        return set()
    due = and_(failures.c.gone.is_(False), failures.c.next_try_at <= now)
    out = {url for (url,) in conn.execute(select(failures.c.url).where(due, failures.c.url.in_(urls)))}
    out |= {
        url
        for (url,) in conn.execute(
            select(failures.c.report_url).where(due, failures.c.report_url.in_(urls)).distinct()
        )
    }
    attachment = aliased(documents)
    never_attached = (
        select(documents.c.url)
        .where(
            documents.c.url.in_(urls),
            documents.c.role == "report",
            documents.c.parse.is_(False),
            ~exists().where(attachment.c.role == "attachment", attachment.c.report_url == documents.c.url),
            # an attachment that failed for good does not make its page pending for ever
            ~exists().where(failures.c.report_url == documents.c.url, or_(failures.c.gone.is_(True), ~due)),
        )
        .distinct()
    )
    out |= {url for (url,) in conn.execute(never_attached)}
    return out


def counts_by_portal(conn: Connection) -> dict[int | None, tuple[int, int]]:
    """Per portal id: (failing urls still retried, urls declared gone)."""
    query = select(failures.c.portal_id, failures.c.gone, func.count()).group_by(
        failures.c.portal_id, failures.c.gone
    )
    out: dict[int | None, tuple[int, int]] = {}
    for portal_id, gone, n in conn.execute(query):
        failing, gone_n = out.get(portal_id, (0, 0))
        out[portal_id] = (failing, gone_n + n) if gone else (failing + n, gone_n)
    return out
