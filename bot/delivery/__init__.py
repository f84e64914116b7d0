"""Briefings and alerts: the queue, the scheduler tick, the worker, pacing and the service.

Nothing here imports a chat platform: each adapter hands the service its own ``Sender``
(``bot.sending.sender``), and send failures come back as typed outcomes.
"""
