"""Briefings and alerts: the queue, the scheduler tick, the alert budget, the worker,
rendering once per version, the service and the report.

Nothing here imports a chat platform: each adapter hands the service its own ``Sender``
(``bot.sending.sender``), and send failures come back as typed outcomes.
"""
