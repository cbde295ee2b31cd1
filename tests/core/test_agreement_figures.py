"""The agreement summary is one typed owner: attributes for readers, one JSON spelling."""

from __future__ import annotations

import json

from hggt_desktop.core.agreement_figures import AgreementSummary
from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.resources import resource_path


def test_summary_survives_a_json_round_trip_unchanged() -> None:
    summary = summarize_agreement(load_dataset(resource_path("demo")), resamples=20)
    text = json.dumps(summary.to_json(), allow_nan=False)
    again = AgreementSummary.from_json(json.loads(text))
    assert again == summary
    assert json.dumps(again.to_json(), allow_nan=False) == text


def test_alpha_rows_are_overall_then_each_version_with_their_intervals() -> None:
    summary = summarize_agreement(load_dataset(resource_path("demo")), resamples=20)
    rows = summary.alpha_rows()
    assert [name for name, _, _ in rows] == [
        "overall",
        "version 01",
        "version 02",
        "version 03",
        "version 04",
    ]
    assert rows[0][1] == summary.krippendorff_alpha_ordinal == summary.overall.krippendorff_alpha_ordinal
    assert rows[1][1] == summary.per_version["01"].krippendorff_alpha_ordinal
    assert rows[1][2] == summary.confidence_intervals.per_version["01"]["krippendorff_alpha_ordinal"]
