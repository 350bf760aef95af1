"""Adding a `[[sources]]` block to the user's config file without rewriting it.

The config is the user's file: its comments, key order, quoting and blank lines are theirs. So
`add` never parses-and-dumps the TOML: it appends one block of text at the end, then loads the
whole file with the ordinary validator, and puts the original bytes back if the result would
not load. Also here: the id a host suggests, the agency name a site states, and whether a URL
is already watched — small decisions `add` and `import` share.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html as lxml_html

from archive.config import ID_PATTERN, Config, ConfigError, Source, load
from archive.encoding import decode_html

# Labels that name the kind of site, not the agency: dropped from a derived id.
_GENERIC_LABELS = {"www", "gov", "cn", "com", "net", "org", "edu", "xxgk", "zwgk"}
_YEAR = re.compile(r"(?:19|20)\d\d\s*年|[〇零○一二三四五六七八九Oo0]{4}\s*年")
# Words that end an agency's name (局, 厅, 人民政府 …): how a page title's agency part is found.
_AGENCY_END = re.compile(r"(局|厅|委|会|政府|室|办|海关|院|部|署|中心|馆|所|队|站)$")
_TITLE_SPLIT = re.compile(r"\s*[-_|—–·>»\s]+\s*")
# Title parts that name a page or a column, not the agency.
_NOT_AGENCY = ("首页", "信息公开", "政务公开", "年度报告", "年报", "网站", "欢迎")


def canonical(url: str) -> str:
    """A start URL as compared for duplicates: scheme and host lower-cased, default port and
    an empty path made explicit; the rest (query, fragment — gkmlpt's `#2629` names the
    column) kept as written."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not (scheme == "http" and port == 80) and not (scheme == "https" and port == 443):
        host = f"{host}:{port}"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{scheme}://{host}{path}{query}{fragment}"


def configured_with(config: Config, urls: Iterable[str]) -> Source | None:
    """The configured source (own or included) that already starts at one of `urls`, or that
    `add` added from one of them (a home page whose column is the start URL)."""
    wanted = {canonical(u) for u in urls if u}
    for source in config.sources:
        if wanted & {canonical(u) for u in (*source.start_urls, *origins(source))}:
            return source
    return None


ADDED_NOTE = "added by `add` on {day} from {url}"
_ADDED_FROM = re.compile(r"added by `add` on \S+ from (\S+)")


def origins(source: Source) -> list[str]:
    """The URLs `add` found this source from, as its notes record them."""
    return _ADDED_FROM.findall(source.notes)


def derive_id(url: str, taken: Iterable[str]) -> str:
    """A source id from the URL's host: `mzj.wuhan.gov.cn` → `mzj-wuhan`; an IP host keeps
    its digits and port. `-2`, `-3` … is added when the id is taken (several agencies on one
    portal)."""
    parts = urlsplit(url)
    host = (parts.hostname or "source").lower()
    try:
        ipaddress.ip_address(host)
        labels = ["host", *re.split(r"[.:]+", host)]
    except ValueError:
        labels = [label for label in host.split(".") if label not in _GENERIC_LABELS] or ["site"]
    if parts.port:
        labels.append(str(parts.port))
    base = re.sub(r"[^a-z0-9-]+", "-", "-".join(labels)).strip("-")[:56] or "source"
    if not base[0].isalnum():
        base = f"s{base}"
    taken = set(taken)
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def agency_name(report_titles: Iterable[str], page: bytes = b"") -> str:
    """The agency as its site names it: the words before the year in its reports' titles
    (东岭区民政局2024年政府信息公开工作年度报告 → 东岭区民政局), the most common one; else the
    part of the start page's <title> that ends like an agency's name; else ""."""
    prefixes = Counter()
    for title in report_titles:
        match = _YEAR.search(title or "")
        prefix = title[: match.start()].strip(" 　:：-—") if match else ""
        if len(prefix) >= 2:
            prefixes[prefix] += 1
    if prefixes:
        return prefixes.most_common(1)[0][0]
    return _title_agency(page)


def _title_agency(page: bytes) -> str:
    if not page.strip():
        return ""
    try:
        text, _codec = decode_html(page, None)
        title = lxml_html.document_fromstring(text).findtext(".//title") or ""
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    parts = [p for p in _TITLE_SPLIT.split(title.strip()) if p]
    parts = [p for p in parts if not any(word in p for word in _NOT_AGENCY)]
    return next((p for p in parts if _AGENCY_END.search(p)), "")


def render_block(source_id: str, agency: str, start_url: str, **extra: object) -> str:
    """One `[[sources]]` block as TOML text. Strings are written as JSON strings, which are
    valid TOML basic strings; `extra` keys with empty values are left out."""
    lines = [
        "[[sources]]",
        f"id = {_value(source_id)}",
        f"agency = {_value(agency)}",
        f"start_urls = [{_value(start_url)}]",
    ]
    lines += [f"{key} = {_value(value)}" for key, value in extra.items() if value not in ("", None)]
    return "\n".join(lines) + "\n"


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def append_block(path: Path, block: str) -> Config:
    """Append `block` to the config file, byte for byte after what is there, and return the
    config as loaded afterwards. If the file would no longer load, its original bytes are put
    back and the error is raised: the user's file is never left broken."""
    before = path.read_bytes()
    separator = b"" if not before or before.endswith(b"\n\n") else b"\n"
    if before and not before.endswith(b"\n"):
        separator = b"\n\n"
    with path.open("ab") as out:
        out.write(separator + block.encode("utf-8"))
    try:
        return load(path)
    except ConfigError:
        path.write_bytes(before)
        raise


def valid_id(source_id: str) -> bool:
    return bool(ID_PATTERN.match(source_id))
