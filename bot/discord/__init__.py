"""Discord: the adapter, the /carry group, message packing, permissions and its send path."""
