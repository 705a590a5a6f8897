"""Refuse an oversized request from its Content-Length, before any of its body is read."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from finegrid.api.errors import body, too_large


def request_size_limit(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
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
        return get_response(request)

    return middleware
