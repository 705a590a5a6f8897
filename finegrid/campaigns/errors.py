"""Domain errors of campaigns, each with a stable code and a message in the user's language.

Pages and the API show `message`; nothing was written when one is raised.
"""

from __future__ import annotations


class CampaignError(Exception):
    """Base of the errors a campaign action raises."""

    code = "campaign_error"

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message, self.field = message, field


class InvalidInput(CampaignError):
    """A value the action cannot take: a missing owner, a deadline after the plan's end..."""

    code = "invalid"


class NotAllowed(CampaignError):
    """The user's roles or relation to the task do not allow the action (e.g. accepting one's own)."""

    code = "not_permitted"


class WrongState(CampaignError):
    """The task or notice is not in a state that allows the action, or someone changed it first."""

    code = "conflict"


class ImportRefused(CampaignError):
    """A spreadsheet with problems: every problem, each naming its sheet and row; nothing imported."""

    code = "import_refused"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems[:20]))
        self.problems = problems
