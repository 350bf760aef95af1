"""Signals from the downloader middleware to the archive pipeline.

They exist because Scrapy hands some responses (robots.txt, retried 5xx, meta refreshes) to no
spider callback, yet every exchange must reach the fetch log.
"""

response_fetched = object()  # (request, response): a response arrived, body decoded
fetch_failed = object()  # (request, exception): no response (timeout, refused, size cap)
