"""The shapes every family speaks: list entries, report fields, and list requests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    """One item of a list page: where it links, its text, and the date printed beside it."""

    url: str
    text: str
    date: str | None = None


@dataclass(frozen=True)
class ReportFields:
    """What a report page says about itself, before any choice between the candidates."""

    meta_title: str | None
    headings: tuple[str, ...]
    meta_pubdate: str | None
    text: str
    attachments: tuple[Entry, ...] = ()
    meta_source: str | None = None  # meta ContentSource: who the page says the content is from


@dataclass(frozen=True)
class ListRequest:
    """A list page that is not a plain GET of a URL: a POSTed data proxy, a JSON API page.

    Families yield these from `next_pages` beside plain URL strings; `key` tells two requests
    to the same URL apart (e.g. the record range of a POST). `fallback` is asked instead when
    this request is not made because its page was already read in this crawl (a jump that
    leads back where the walk has been).
    """

    url: str
    method: str = "GET"
    formdata: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    fallback: str | ListRequest | None = None

    @property
    def key(self) -> str:
        """The URL without its fragment (HTTP never sends it: Scrapy's duplicate filter treats
        "p#1" and "p#2" as one page), then the form fields, if any."""
        url = self.url.split("#", 1)[0]
        if not self.formdata:
            return url
        return url + "#" + "&".join(f"{k}={v}" for k, v in sorted(self.formdata.items()))
