"""Precise dispatch: which department a case goes to, and why."""
