"""The catalogue's own fixtures (JSON) and the script that built them from the published standards."""
