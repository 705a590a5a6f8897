"""What each measure is called on the pages, and what it counts, in the words a leader reads.

The measures themselves are defined in `finegrid.evaluation.measures`; a test checks that every
one of them has a name and a meaning here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from finegrid.evaluation import contributed
from finegrid.evaluation.measures import Measure
from finegrid.evaluation.specs import measures_of

M = Measure

#: The name of each measure's count, as a bulletin writes it (按期结案数).
MEASURE_NAMES: Final[Mapping[Measure, Promise]] = {
    M.REPORTED: _("上报数"),
    M.VALID_REPORTED: _("有效上报数"),
    M.PUBLIC_VERIFIED: _("监督举报核实数"),
    M.ACCEPTED: _("受理数"),
    M.ACCEPTED_ON_TIME: _("按时受理数"),
    M.VERIFIED: _("核实数"),
    M.VERIFIED_ON_TIME: _("按时核实数"),
    M.FILED: _("立案数"),
    M.FILED_ON_TIME: _("按时立案数"),
    M.FILED_CANCELLED: _("立案后作废数"),
    M.AREA_FILED: _("立案数（不含挂账）"),
    M.DISPATCHED: _("派遣数"),
    M.DISPATCHED_ON_TIME: _("按时派遣数"),
    M.DISPATCH_RETURNED: _("派遣后回退数"),
    M.DISPATCH_REWORKED: _("派遣后返工数"),
    M.RETURNED: _("回退数"),
    M.DISPOSED: _("处置数"),
    M.DUE: _("应结案数"),
    M.CLOSED: _("结案数"),
    M.CLOSED_ON_TIME: _("按期结案数"),
    M.DISPOSED_ON_TIME: _("按期处置数"),
    M.OVERDUE: _("超期案卷数"),
    M.REWORKED: _("返工数"),
    M.EXTENDED: _("延期数"),
    M.SUSPENDED: _("挂账数"),
    M.CHECK_SENT: _("派发核查数"),
    M.CHECK_SENT_ON_TIME: _("按时派发核查数"),
    M.CHECKED: _("核查数"),
    M.CHECKED_ON_TIME: _("按时核查数"),
    M.RATED: _("评价数"),
    M.SATISFIED: _("满意数"),
    M.BASIC_SATISFIED: _("基本满意数"),
    M.CANCELLED: _("作废数"),
}

#: What a case must have done to count, as docs/evaluation.md and the fold (measures.py) say it.
MEASURE_MEANINGS: Final[Mapping[Measure, Promise]] = {
    M.REPORTED: _("本期内上报的问题"),
    M.VALID_REPORTED: _("本期内上报、并在期末前立案的问题"),
    M.PUBLIC_VERIFIED: _("本期内由市民、热线、暗访等非监督员渠道上报，并在期末前立案的问题"),
    M.ACCEPTED: _("本期内受理的上报"),
    M.ACCEPTED_ON_TIME: _("本期内在受理时限内受理的上报"),
    M.VERIFIED: _("本期内完成核实的问题"),
    M.VERIFIED_ON_TIME: _("本期内在核实时限内完成核实的问题"),
    M.FILED: _("本期内立案的案卷"),
    M.FILED_ON_TIME: _("本期内在立案时限内立案的案卷"),
    M.FILED_CANCELLED: _("本期内立案、在期末前又被作废的案卷"),
    M.AREA_FILED: _("本期内立案、期末时未处于挂账状态的案卷"),
    M.DISPATCHED: _("本期内派遣的案卷（同一案卷本期多次派遣只计第一次）"),
    M.DISPATCHED_ON_TIME: _("本期内在派遣时限内派遣的案卷"),
    M.DISPATCH_RETURNED: _("本期内派遣、在期末前被回退的案卷"),
    M.DISPATCH_REWORKED: _("本期内派遣、在期末前被返工的案卷"),
    M.RETURNED: _("本期内回退的案卷"),
    M.DISPOSED: _("本期内处置反馈的案卷"),
    M.DUE: _(
        "处置时限（含延期、返工、重新派遣后的时限）在本期内到期的案卷，"
        "以及此前到期、本期初仍未结案的案卷；期末时挂账或作废的除外"
    ),
    M.CLOSED: _("应结案、并在期末前结案的案卷"),
    M.CLOSED_ON_TIME: _("应结案、期末前结案，且在处置时限内处置（或超时申诉获批）的案卷"),
    M.DISPOSED_ON_TIME: _("应结案、且在处置时限内处置（或超时申诉获批）的案卷"),
    M.OVERDUE: _("应结案、但未在处置时限内处置的案卷"),
    M.REWORKED: _("应结案、且在期末前返工过的案卷"),
    M.EXTENDED: _("应结案、且在期末前延期过的案卷"),
    M.SUSPENDED: _("期末时处于挂账状态的案卷"),
    M.CHECK_SENT: _("本期内派发核查的案卷"),
    M.CHECK_SENT_ON_TIME: _("本期内在时限内派发核查的案卷"),
    M.CHECKED: _("本期内完成核查（通过或返工）的案卷"),
    M.CHECKED_ON_TIME: _("本期内在核查时限内完成核查的案卷"),
    M.RATED: _("本期内市民评价过的案卷"),
    M.SATISFIED: _("本期内市民评价为“满意”的案卷"),
    M.BASIC_SATISFIED: _("本期内市民评价为“基本满意”的案卷"),
    M.CANCELLED: _("本期内作废的案卷"),
}


def expression_name(expression: str) -> str:
    """`satisfied|basic_satisfied` → 满意数或基本满意数 (the expression must be valid)."""
    return _expression_name(expression, get_language() or "")


@lru_cache(maxsize=512)
def _expression_name(expression: str, language: str) -> str:
    outside = contributed.get(expression)
    if outside is not None:
        return str(outside.name)
    return str(_("或")).join(str(MEASURE_NAMES[m]) for m in measures_of(expression))


def expression_meaning(expression: str) -> str:
    outside = contributed.get(expression)
    if outside is not None:
        return str(outside.meaning)
    return str(_("；或")).join(str(MEASURE_MEANINGS[m]) for m in measures_of(expression))
