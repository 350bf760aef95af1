"""Detection's set-based path for new reports writes what the per-sighting path writes.

A few scenarios of other modules — new, changed, moved, removed, aliased, reposted reports
over several real cycles — run again with every detection run both ways and compared
(tests/detect_equivalence.py: each table, row for row, and the counts). Run the plugin over
any other module with `pytest -p tests.detect_equivalence tests/test_X.py`.
"""

from __future__ import annotations

import pytest

from archive import events
from tests import detect_equivalence
from tests.test_evidence import (
    test_a_repost_while_the_original_is_still_listed_deeper_is_new_not_a_move as _repost_new,
)
from tests.test_evidence import (
    test_a_repost_whose_original_answers_404_on_an_incremental_night_is_a_move as _repost_moved,
)
from tests.test_identity import (
    test_one_report_reached_at_urls_with_unknown_tracking_parameters_is_one_row as _aliases,
)
from tests.test_watch import test_new_changed_moved_and_removed_reports_are_told_apart as _watch


@pytest.fixture(autouse=True)
def both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "detect", detect_equivalence.detect)


def test_new_changed_moved_and_removed_reports(serve_site, tmp_path):
    _watch(serve_site, tmp_path)


def test_a_report_at_several_urls(serve_site, tmp_path):
    _aliases(serve_site, tmp_path)


def test_a_repost_with_its_original_still_listed(serve_site, tmp_path):
    _repost_new(serve_site, tmp_path)


def test_a_repost_whose_original_is_gone(serve_site, tmp_path):
    _repost_moved(serve_site, tmp_path)
