"""Charts: the daily frame they draw (frames) and the matplotlib figures (figures)."""
