"""bayflow: the scheduling backbone of a repair shop."""
