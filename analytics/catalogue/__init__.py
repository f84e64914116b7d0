"""What the data is: the series catalogue, the observation frame, calendar horizons, notes as codes, the package's CSV tables, point-in-time alignment, value helpers."""
