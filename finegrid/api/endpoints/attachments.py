"""Photo uploads (multipart). Upload first, then name the ids in a report's or action's `photos`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from finegrid.api import schemas as s
from finegrid.api.auth import principal
from finegrid.api.uploads import store_upload

router = Router(tags=["attachments"])


@router.post("", response={201: s.UploadOut}, summary="上传照片 Upload a photo")
def upload(request: HttpRequest, file: File[UploadedFile]) -> Reply[dict[str, Any]]:
    stored = store_upload(principal(request), name=file.name or "photo", content=file.read())
    return Reply(
        201,
        {
            "id": stored.pk,
            "name": stored.name,
            "content_type": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
        },
    )
