"""The picture around the signal: rate gaps, risk assets, Japan's long end, the size of the trade, hikes, what-ifs, levels, the day's moves."""
