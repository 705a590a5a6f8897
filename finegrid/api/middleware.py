"""Guards in front of every view: refuse an oversized request from its Content-Length, before any
of its body is read; refuse API input with NUL characters, which PostgreSQL cannot store."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from finegrid.api.errors import body, too_large


def _has_nul(request: HttpRequest) -> bool:
    """A NUL character anywhere a string of the API could come from: path, query or JSON body.

    PostgreSQL cannot store one, and no field of ours has a use for it (forms reject it too).
    """
    if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
        return True
    if request.content_type == "application/json":
        raw = request.body
        return b"\x00" in raw or b"\\u0000" in raw
    return False


def request_size_limit(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        # Before LocaleMiddleware: answer in the caller's language all the same.
        with translation.override(translation.get_language_from_request(request)):
            refused = guard(request)
        return refused if refused is not None else get_response(request)

    def guard(request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.FINEGRID_MAX_REQUEST_BYTES
        if length > limit:
            error = too_large(limit / (1024 * 1024))
            if request.path.endswith(".xml"):  # Open311's XML shape
                xml = (
                    '<?xml version="1.0" encoding="utf-8"?>\n<errors><error>'
                    f"<code>{error.status}</code><description>{escape(error.message)}</description>"
                    "</error></errors>"
                )
                return HttpResponse(xml, status=413, content_type="text/xml; charset=utf-8")
            if request.path.startswith("/api/"):
                return JsonResponse(body(error.code, error.message), status=413)
            return render(request, "413.html", {"message": error.message}, status=413)
        if request.path.startswith("/api/") and _has_nul(request):
            return JsonResponse(
                body("bad_request", _("请求中含有空字符（\\u0000），请去掉后重试"), None),
                status=400,
            )
        return None

    return middleware
