"""Termly targeting support meetings: one process per school per term."""
