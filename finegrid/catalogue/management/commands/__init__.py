"""Management commands of the catalogue: load the fixtures, import and export a city's files."""
