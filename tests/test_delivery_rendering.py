"""A briefing's delivery reads one snapshot: its text, its chart and its cache key agree."""

from __future__ import annotations

from pathlib import Path

from bot.delivery.rendering import DeliveryRenderer
from commands.handlers.charts import make_chart
from commands.handlers.snapshot import briefing_of
from commands.presentation.render import render
from commands.services import Current, Services, SnapshotProvider
from tests.support.chat import make_services
from tests.support.snapshots import computed, provider


class RefreshLandsAfterFirstRead(SnapshotProvider):
    """The data changes right after the first read, as when the refresh loop stores new
    observations and invalidates the snapshot while a fan-out is rendering."""

    def __init__(self) -> None:
        self.kinds = ["stressed", "sparse"]
        super().__init__(lambda: computed(self.kinds[0]), make_chart)

    def current(self) -> Current:
        found = super().current()
        if len(self.kinds) > 1:
            self.kinds.pop(0)
            self.invalidate()
        return found


def test_a_refresh_mid_delivery_cannot_cache_one_versions_text_under_anothers(
    tmp_path: Path,
) -> None:
    racing = RefreshLandsAfterFirstRead()
    services = Services(make_services(f"sqlite:///{tmp_path / 'c.sqlite3'}").settings, racing)
    before = provider("stressed").current()

    rendered = DeliveryRenderer(services, chart=("gap", "1y")).rendered(
        "briefing", "text", "en", {}
    )

    assert rendered.version == before.version
    expected = render(briefing_of(before.snapshot, "en"), "text")
    assert [m.text for m in rendered.messages] == [m.text for m in expected]
    assert racing.current().version != before.version  # the refresh did land
