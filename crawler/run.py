"""The cycle's crawl child: `python -m crawler.run disclosure -s NAME=VALUE …`.

The same crawl as `scrapy crawl disclosure` (our crawl command, crawler/commands/crawl.py:
same settings, options, exit status and SIGTERM handling, which CrawlerProcess installs), without
Scrapy's command line finding every command it has first: importing all of them was ~75 ms CPU
of each night's crawl, a tenth of an unchanged night's start-up.
"""

from __future__ import annotations

import sys

# Imported first, while few modules are loaded and the stack is shallow: its deprecated aliases
# (scrapy.utils.deprecate.create_deprecated_class) call inspect.stack(), which reads the source
# of every frame and scans sys.modules for each; imported later, deep in the crawler's start-up,
# that was ~20 ms CPU a crawl. Every crawl downloads over HTTP, so nothing extra is loaded.
import scrapy.core.downloader.handlers.http11  # noqa: F401  isort: skip

from scrapy.commands import ScrapyHelpFormatter
from scrapy.crawler import AsyncCrawlerProcess, CrawlerProcess
from scrapy.exceptions import UsageError
from scrapy.utils.project import get_project_settings
from scrapy.utils.python import garbage_collect
from scrapy.utils.reactor import _asyncio_reactor_path

from crawler.commands.crawl import Command


def main(argv: list[str] | None = None) -> int:
    """Run one spider as `scrapy crawl` would (scrapy/cmdline.py's execute, for one command)."""
    import argparse

    settings = get_project_settings()
    command = Command()
    parser = argparse.ArgumentParser(
        prog="python -m crawler.run",
        usage=f"%(prog)s {command.syntax()}",
        formatter_class=ScrapyHelpFormatter,
        conflict_handler="resolve",
        description=command.long_desc(),
    )
    settings.setdict(command.default_settings, priority="command")
    command.settings = settings
    command.add_options(parser)
    opts, args = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    try:
        command.process_options(args, opts)
        if len(args) != 1:
            raise UsageError("name one spider: disclosure")
    except UsageError as error:
        parser.error(str(error))  # exits 2, as Scrapy's command line does
    if (
        settings["TWISTED_REACTOR"] == _asyncio_reactor_path
        and not settings.getbool("FORCE_CRAWLER_PROCESS")
    ) or not settings.getbool("TWISTED_REACTOR_ENABLED"):
        command.crawler_process = AsyncCrawlerProcess(settings)
    else:
        command.crawler_process = CrawlerProcess(settings)
    command.run(args, opts)
    return command.exitcode


if __name__ == "__main__":
    try:
        code = main()
    finally:
        garbage_collect()  # as scrapy/cmdline.py does: Twisted reports errors from __del__
    sys.exit(code)
