"""Extraction from archived report bytes: pure functions, no Scrapy, re-runnable over the archive.

`stats` turns the statistics tables of a report (HTML, flattened text, DOCX, PDF) into rows keyed
by documented indicators (docs/indicators.md); `checks` runs the 勾稽 consistency checks on them.
"""
