"""`make bench`: a synthetic government web served locally, a plain Scrapy baseline and three
Gongkai cycles over it, side by side. See docs/benchmarks.md."""
