"""Polite HTTP fetching for the harvest: robots.txt, delays, retries, WARC."""

from __future__ import annotations

import email.utils
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from documents.harvest.warc_journal import RevisitOf, WarcJournal, WarcLocation

if TYPE_CHECKING:
    from documents.harvest.definitions import Politeness

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 10
ROBOTS_MAX_REDIRECTS = 5  # as Google follows for robots.txt
# Google reads the first 500 KiB of a robots.txt and ignores the rest (RFC 9309
# asks crawlers to parse at least that much): a huge one is not parsed whole.
ROBOTS_MAX_BYTES = 500 * 1024
# After an unreachable robots.txt the host is closed "for now" (Google's rule);
# asked again after this many seconds.
ROBOTS_UNREACHABLE_RETRY = 600.0
# A Retry-After or Crawl-delay beyond these would stall a run for hours.
RETRY_AFTER_CAP = 120.0
CRAWL_DELAY_CAP = 120.0
# httpx's timeout bounds each read, so a server dripping a byte at a time
# would hold a worker for ever: past the timeout, a body must keep arriving at
# this average rate (bytes per second), or the attempt counts as a timeout.
MIN_BODY_RATE = 5_000
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Results, not failures: the crawler marks the document withdrawn.
GONE_STATUSES = frozenset({404, 410})


@dataclass
class Exchange:
    """One HTTP request and its response, as sent and received."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    raw_body: bytes  # as received (content-encoding kept); WARC stores this
    body: bytes  # decoded (content-encoding removed)
    captured_at: datetime  # aware UTC
    peer: str = ""  # IP address
    request_target: str = ""  # path and query as on the request line
    # WARC-Truncated reason ("length") when the body was cut at max_bytes.
    truncated: str = ""
    # Why the whole raw body gave no usable ``body`` (then b""): the response
    # is still journaled as received.
    body_error: str = ""


@dataclass
class Fetched:
    """The outcome of ``Fetcher.get``: the final response, or why there is none."""

    url: str  # asked for
    # After redirects, as sent (httpx's form, percent-encoded): the same
    # string as the WARC-Target-URI of the record at ``warc``.
    final_url: str
    status: int | None
    body: bytes
    headers: dict[str, str]
    sha256: str
    error: str = ""
    warc: WarcLocation | None = None
    not_modified: bool = False
    revisit: bool = False
    exchanges: int = 0
    # When the final response was received (its WARC-Date); None without one.
    captured_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error


class _RetryableStatus(Exception):
    """A 429 or 5xx response: tried again after a back-off."""

    def __init__(self, exchange: Exchange, location: WarcLocation | None) -> None:
        super().__init__(f"HTTP {exchange.status}")
        self.exchange = exchange
        self.location = location


@dataclass
class _Host:
    slots: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_start: float | None = None
    crawl_delay: float = 0.0


@dataclass
class _Outcome:
    """What following one URL (redirects, retries) came to."""

    final_url: str
    exchange: Exchange | None = None
    location: WarcLocation | None = None  # set when already journaled
    error: str = ""
    attempts: int = 0


_DENY_ALL = object()  # robots.txt unreachable: nothing allowed for now


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - _utcnow()).total_seconds())


class _Chunks(httpx.SyncByteStream):
    """Raw bytes in small pieces, so that decoding can stop at a size cap."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), 8192):
            yield self.data[start : start + 8192]


def _decode(raw: bytes, headers: list[tuple[str, str]], limit: int) -> bytes:
    """Remove the content-encoding with httpx's own decoders, within ``limit``.

    Raises _BodyError when the bytes do not decode or decode to more than
    ``limit`` bytes (a gzip bomb stays within the raw size cap).
    """
    encodings = [value for name, value in headers if name.lower() == "content-encoding"]
    if not encodings or not raw:
        return raw
    response = httpx.Response(
        200,
        headers=[("content-encoding", value) for value in encodings],
        stream=_Chunks(raw),
    )
    parts: list[bytes] = []
    size = 0
    try:
        for part in response.iter_bytes():
            size += len(part)
            if size > limit:
                raise _BodyError(
                    f"响应过大 (decoded response larger than {limit} bytes)"
                )
            parts.append(part)
    except httpx.DecodingError as error:
        logger.info("undecodable body: %s", error)
        raise _BodyError("解码失败 (cannot decode the content-encoding)") from error
    return b"".join(parts)


class _BodyError(Exception):
    """The raw body is whole but unusable (undecodable or decoded too large)."""


INVALID_URL = "网址无效 (invalid URL)"
NOT_HTTP = "网址无效 (not an http(s) URL)"
ROBOTS_DISALLOWED = "robots.txt 禁止 (disallowed by robots.txt)"
ROBOTS_UNREACHABLE = "robots.txt 无法获取 (robots.txt unreachable: host closed for now)"


class Fetcher:
    """GET with politeness, robots.txt, retries and redirects, journaled to WARC.

    ``politeness`` is a ``documents.harvest.definitions.Politeness`` (or any
    object with its attributes). Thread-safe: at most ``concurrency`` requests
    at once per host, and ``delay`` seconds (or the robots.txt Crawl-delay,
    whichever is longer) between the starts of two requests to one host.
    """

    def __init__(self, politeness: Politeness, *, journal: WarcJournal | None) -> None:
        self.politeness = politeness
        self.journal = journal
        self._client = httpx.Client(
            follow_redirects=False,  # each hop is journaled, so we follow
            timeout=httpx.Timeout(politeness.timeout),
            headers={"User-Agent": politeness.user_agent},
            trust_env=False,
        )
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, tuple[object, float]] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    # Public API

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our User-Agent fetch ``url``."""
        return not self._refusal(url)

    def get(
        self,
        url: str,
        *,
        etag: str = "",
        last_modified: str = "",
        known_sha256: str = "",
        known_date: datetime | None = None,
    ) -> Fetched:
        """Fetch ``url``; never raises for network or HTTP trouble.

        ``etag``/``last_modified`` make the request conditional (a 304 gives
        ``not_modified``). ``known_sha256`` is the hash of the body last time:
        a 200 with the same body is journaled as a revisit record
        (``known_date``: that earlier capture's time, for WARC-Refers-To-Date).
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            outcome = self._follow(
                url, headers, check_robots=True, max_redirects=MAX_REDIRECTS
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            # A URL httpx cannot send. Journal errors (OSError) are not
            # network trouble: they stop the run.
            logger.warning("fetch %s: %s", url, error)
            return self._failed(url, url, INVALID_URL, 0)
        return self._result(url, outcome, known_sha256, known_date)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _refusal(self, url: str, *, robots: bool = True) -> str:
        """Why ``url`` may not be fetched ("" when it may)."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            return INVALID_URL
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return NOT_HTTP
        if not robots or not self.politeness.obey_robots:
            return ""
        rules = self._robots_for(_host_key(url))
        if rules is _DENY_ALL:
            return ROBOTS_UNREACHABLE
        if rules is None:
            return ""
        assert isinstance(rules, Protego)
        if rules.can_fetch(url, self.politeness.user_agent):
            return ""
        return ROBOTS_DISALLOWED

    # Results

    def _failed(
        self,
        url: str,
        final_url: str,
        error: str,
        attempts: int,
        *,
        status: int | None = None,
        exchange: Exchange | None = None,
        location: WarcLocation | None = None,
    ) -> Fetched:
        return Fetched(
            url=url,
            final_url=final_url,
            status=status,
            body=b"",
            headers=self._header_dict(exchange) if exchange else {},
            sha256=hashlib.sha256(b"").hexdigest(),
            error=error,
            warc=location,
            exchanges=attempts,
            captured_at=exchange.captured_at if exchange else None,
        )

    @staticmethod
    def _header_dict(exchange: Exchange) -> dict[str, str]:
        result: dict[str, str] = {}
        for name, value in exchange.headers:
            key = name.lower()
            result[key] = f"{result[key]}, {value}" if key in result else value
        return result

    def _result(
        self,
        url: str,
        outcome: _Outcome,
        known_sha256: str,
        known_date: datetime | None,
    ) -> Fetched:
        exchange = outcome.exchange
        if exchange is None:
            return self._failed(url, outcome.final_url, outcome.error, outcome.attempts)
        location = outcome.location
        if outcome.error:
            return self._failed(
                url,
                exchange.url,
                outcome.error,
                outcome.attempts,
                status=exchange.status,
                exchange=exchange,
                location=location,
            )
        sha256 = hashlib.sha256(exchange.body).hexdigest()
        revisit = bool(
            known_sha256 and 200 <= exchange.status < 300 and sha256 == known_sha256
        )
        if location is None and self.journal is not None:
            location = self.journal.write_exchange(
                exchange,
                revisit_of=RevisitOf(exchange.url, known_date) if revisit else None,
            )
        error = ""
        status = exchange.status
        if status >= 400 and status not in GONE_STATUSES:
            error = f"HTTP 错误 (HTTP {status})"
        return Fetched(
            url=url,
            final_url=exchange.url,
            status=status,
            body=exchange.body,
            headers=self._header_dict(exchange),
            sha256=sha256,
            error=error,
            warc=location,
            not_modified=status == 304,
            revisit=revisit,
            exchanges=outcome.attempts,
            captured_at=exchange.captured_at,
        )

    # Redirects

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        *,
        check_robots: bool,
        max_redirects: int,
    ) -> _Outcome:
        """Follow redirects ourselves, so that each hop is journaled.

        Every response is journaled here except a final 2xx, which the caller
        journals (as a response or a revisit).
        """
        try:
            current = _without_fragment(url)
        except ValueError:
            return _Outcome(url, error=INVALID_URL)
        seen = {current}
        attempts = 0
        for _hop in range(max_redirects + 1):
            refusal = self._refusal(current, robots=check_robots)
            if refusal:
                return _Outcome(current, error=refusal, attempts=attempts)
            outcome = self._with_retries(current, headers)
            attempts += outcome.attempts
            outcome.attempts = attempts
            exchange = outcome.exchange
            if exchange is None or outcome.error:
                return outcome
            location_header = self._header_dict(exchange).get("location", "")
            if exchange.status not in REDIRECT_STATUSES or not location_header:
                return outcome
            try:
                target = _without_fragment(urljoin(current, location_header.strip()))
                urlsplit(target).port  # noqa: B018 - raises ValueError
            except ValueError:
                logger.info("%s: bad Location %r", current, location_header)
                outcome.error = "重定向无效 (bad Location header)"
                return outcome
            if target in seen:
                logger.info("%s: redirect loop at %s", url, target)
                outcome.error = "重定向循环 (redirect loop)"
                return outcome
            seen.add(target)
            current = target
        outcome.error = f"重定向过多 (more than {max_redirects} redirects)"
        return outcome

    # Retries

    def _wait(self, state: RetryCallState) -> float:
        backoff = self.politeness.backoff * 2 ** (state.attempt_number - 1)
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RetryableStatus):
            after = _retry_after(self._header_dict(error.exchange).get("retry-after"))
            if after is not None:
                return max(backoff, min(after, RETRY_AFTER_CAP))
        return backoff

    def _with_retries(self, url: str, headers: dict[str, str]) -> _Outcome:
        """One URL, retried with back-off on network errors, 429 and 5xx."""
        attempts = 0

        def attempt() -> tuple[Exchange, WarcLocation | None]:
            nonlocal attempts
            attempts += 1
            exchange = self._send(url, headers)
            location = None
            final_2xx = (
                200 <= exchange.status < 300
                and not exchange.truncated
                and not exchange.body_error
            )
            if self.journal is not None and not final_2xx:
                location = self.journal.write_exchange(exchange)
            if exchange.status == 429 or exchange.status >= 500:
                raise _RetryableStatus(exchange, location)
            return exchange, location

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            logger.info(
                "%s: attempt %d failed (%s), again in %.2f s",
                url,
                state.attempt_number,
                error,
                wait,
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.politeness.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type((httpx.TransportError, _RetryableStatus)),
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            exchange, location = retrying(attempt)
        except _RetryableStatus as failure:
            exchange = failure.exchange
            kind = "请求过多" if exchange.status == 429 else "服务器错误"
            return _Outcome(
                url,
                exchange,
                failure.location,
                f"{kind} (HTTP {exchange.status})",
                attempts,
            )
        except httpx.TimeoutException:
            return _Outcome(
                url,
                error=f"超时 (timeout after {self.politeness.timeout:g} s)",
                attempts=attempts,
            )
        except httpx.TransportError as error:
            return _Outcome(
                url,
                error=f"连接失败 (connection error: {type(error).__name__})",
                attempts=attempts,
            )
        outcome = _Outcome(url, exchange, location, attempts=attempts)
        if exchange.truncated:
            outcome.error = (
                f"响应过大 (response larger than {self.politeness.max_bytes} bytes)"
            )
        elif exchange.body_error:
            outcome.error = exchange.body_error
        return outcome

    # One request

    def _host(self, url: str) -> _Host:
        key = _host_key(url)
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                slots = max(1, min(2, int(self.politeness.concurrency)))
                host = _Host(threading.BoundedSemaphore(slots))
                self._hosts[key] = host
            return host

    @contextmanager
    def _turn(self, url: str) -> Iterator[None]:
        """Hold one of the host's slots, started ``delay`` after the last start."""
        host = self._host(url)
        with host.slots:
            with host.lock:
                now = time.monotonic()
                delay = max(float(self.politeness.delay), host.crawl_delay)
                start = now
                if host.last_start is not None:
                    start = max(now, host.last_start + delay)
                host.last_start = start
            if start > now:
                time.sleep(start - now)
            yield

    def _send(self, url: str, headers: dict[str, str]) -> Exchange:
        """One GET, body read within max_bytes; raises httpx errors."""
        max_bytes = int(self.politeness.max_bytes)
        with self._turn(url):
            captured_at = _utcnow()
            started = time.monotonic()
            timeout = float(self.politeness.timeout)
            with self._client.stream("GET", url, headers=headers) as response:
                peer = ""
                stream = response.extensions.get("network_stream")
                if stream is not None:
                    address = stream.get_extra_info("server_addr")
                    if address:
                        peer = str(address[0])
                truncated = ""
                chunks: list[bytes] = []
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    truncated = "length"  # not read at all
                else:
                    size = 0
                    for chunk in response.iter_raw():
                        if size + len(chunk) > max_bytes:
                            chunks.append(chunk[: max_bytes - size])
                            truncated = "length"
                            break
                        size += len(chunk)
                        chunks.append(chunk)
                        elapsed = time.monotonic() - started
                        if elapsed > timeout + size / MIN_BODY_RATE:
                            raise httpx.ReadTimeout(
                                f"body slower than {MIN_BODY_RATE} bytes/s",
                                request=response.request,
                            )
                raw = b"".join(chunks)
                response_headers = [
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in response.headers.raw
                ]
                body, body_error = b"", ""
                if not truncated:
                    try:
                        body = _decode(raw, response_headers, max_bytes)
                    except _BodyError as error:
                        body_error = str(error)
                request = response.request
                exchange = Exchange(
                    url=str(request.url),
                    method=request.method,
                    request_headers=[
                        (name.decode("latin-1"), value.decode("latin-1"))
                        for name, value in request.headers.raw
                    ],
                    status=response.status_code,
                    reason=response.reason_phrase,
                    http_version=response.http_version,
                    headers=response_headers,
                    raw_body=raw,
                    body=body,
                    captured_at=captured_at,
                    peer=peer,
                    request_target=request.url.raw_path.decode("ascii"),
                    truncated=truncated,
                    body_error=body_error,
                )
        return exchange

    # robots.txt

    def _robots_for(self, key: str) -> object:
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        # One fetch per host even when two threads ask at once.
        with lock:
            cached = self._robots.get(key)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
            rules, lifetime = self._fetch_robots(key)
            self._robots[key] = (rules, time.monotonic() + lifetime)
            return rules

    def _fetch_robots(self, key: str) -> tuple[object, float]:
        """Parsed rules, None (allow all) or _DENY_ALL, and how long to keep it."""
        forever = float("inf")
        url = f"{key}/robots.txt"
        try:
            outcome = self._follow(
                url, {}, check_robots=False, max_redirects=ROBOTS_MAX_REDIRECTS
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            logger.warning("robots.txt %s: %s", url, error)
            return _DENY_ALL, ROBOTS_UNREACHABLE_RETRY
        exchange = outcome.exchange
        if exchange is not None and outcome.location is None and self.journal:
            outcome.location = self.journal.write_exchange(exchange)
        if exchange is None or exchange.status >= 500 or exchange.status == 429:
            logger.warning("robots.txt %s unreachable: %s", url, outcome.error)
            return _DENY_ALL, ROBOTS_UNREACHABLE_RETRY
        body = exchange.body
        if 200 <= exchange.status < 300 and exchange.truncated:
            # Past max_bytes: its first part holds the rules that count (see
            # ROBOTS_MAX_BYTES), never a reason to allow everything.
            encoded = any(
                name.lower() == "content-encoding" for name, _ in exchange.headers
            )
            if encoded or not exchange.raw_body:
                # Not read (its Content-Length is over the cap) or a cut gzip
                # stream: no rules to go by, so the host is closed for now.
                logger.warning("robots.txt %s: over the size cap, unread", url)
                return _DENY_ALL, ROBOTS_UNREACHABLE_RETRY
            body = exchange.raw_body
        elif exchange.status >= 400 or outcome.error:
            # 4xx: no robots.txt, everything allowed (as Google reads it).
            return None, forever
        if exchange.status >= 300:
            return None, forever
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
        rules = Protego.parse(text)
        delay = rules.crawl_delay(self.politeness.user_agent)
        if delay:
            delay = min(float(delay), CRAWL_DELAY_CAP)
            host = self._host(key)
            with host.lock:
                host.crawl_delay = delay
        return rules, forever
