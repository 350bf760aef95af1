"""Project commands: Scrapy's `crawl`, with an exit status that tells a failed archive write."""
