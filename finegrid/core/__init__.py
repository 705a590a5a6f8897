"""Shared base of finegrid: system checks, errors and helpers every domain app uses."""
