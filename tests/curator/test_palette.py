"""One label palette: the annotator, the curator and the report show a label in the same colour."""

from hggt_desktop.core.labels import Label
from hggt_desktop.core.palette import LABEL_COLOURS
from hggt_desktop.gui.annotate.annotator_view import LABEL_COLORS as ANNOTATOR
from hggt_desktop.gui.curator.charts import LABEL_QCOLOURS as CHARTS
from hggt_desktop.gui.curator.set_view import LABEL_QCOLOURS as SET_VIEW
from hggt_desktop.report.style import CSS
from hggt_desktop.report.svg import LABEL_COLOURS as REPORT_CHARTS


def test_every_view_colours_each_label_alike() -> None:
    for label in Label:
        colour = LABEL_COLOURS[label]
        assert ANNOTATOR[label].name() == SET_VIEW[label].name() == colour
        assert dict(CHARTS)[label.value].name() == REPORT_CHARTS[label.value] == colour
    assert f"--sim: {LABEL_COLOURS[Label.SIMILAR]};" in CSS
    assert len({LABEL_COLOURS[label] for label in Label}) == 3
