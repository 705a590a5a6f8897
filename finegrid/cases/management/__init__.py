"""Management commands of the case workflow."""
