"""The carry-unwind signal: the point-in-time panel, component scores and pillars, regimes, the pipeline, the backtest."""
