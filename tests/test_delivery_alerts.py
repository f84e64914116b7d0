"""The per-chat alert budget: one a day, three a week, a regime change or a 15-point move."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.alerts import AlertBudget, SentAlert

NOW = datetime(2024, 8, 5, 9, 0)


def test_at_most_one_alert_a_day() -> None:
    budget = AlertBudget()
    sent = [SentAlert(NOW - timedelta(hours=2), "regime", 60.0)]
    assert budget.decide([], NOW, regime_changed=True, c=70.0).post
    assert not budget.decide(sent, NOW, regime_changed=True, c=70.0).post


def test_at_most_three_alerts_in_seven_days() -> None:
    budget = AlertBudget()
    sent = [SentAlert(NOW - timedelta(days=d), "regime", 50.0) for d in (1, 3, 5)]
    assert not budget.decide(sent, NOW, regime_changed=True, c=80.0).post
    older = [SentAlert(NOW - timedelta(days=d), "regime", 50.0) for d in (1, 3, 8)]
    assert budget.decide(older, NOW, regime_changed=True, c=80.0).post


def test_without_a_regime_change_only_a_15_point_move_posts() -> None:
    budget = AlertBudget()
    sent = [SentAlert(NOW - timedelta(days=2), "regime", 50.0)]
    small = budget.decide(sent, NOW, regime_changed=False, c=64.0)
    large = budget.decide(sent, NOW, regime_changed=False, c=65.0)
    assert not small.post
    assert large.post and large.kind == "move"
    assert not budget.decide([], NOW, regime_changed=False, c=90.0).post
