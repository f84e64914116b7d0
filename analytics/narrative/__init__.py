"""What a reply says, as codes and numbers: the snapshot of one day, the lede's claims, the thesis line."""
