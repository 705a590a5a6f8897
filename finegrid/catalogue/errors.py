"""The catalogue's domain errors: an import refused with every problem found, located in its file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportProblem:
    """One reason a file was refused: where (file, row or feature, field) and why, in Chinese."""

    file: str
    # The spreadsheet row (the header is row 1), or for GeoJSON the 1-based feature index; None
    # when the problem is the file as a whole (unreadable, wrong type).
    row: int | None
    field: str
    reason: str
    is_feature: bool = False

    def __str__(self) -> str:
        head = self.file
        if self.row is not None:
            where = _("第%(n)d个要素") if self.is_feature else _("第%(n)d行")
            head = f"{head} {where % {'n': self.row}}"
        if self.field:
            return f"{head} {self.field}: {self.reason}"
        return f"{head}: {self.reason}"


class CatalogueImportError(Exception):
    """A file was refused and nothing was written; `problems` lists every reason found."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)
