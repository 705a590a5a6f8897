"""Photos uploaded ahead of the report or action that carries them.

An upload is checked by its content when it arrives (a renamed executable is refused there and
then), belongs to whoever uploaded it, and is used once: the action that carries it deletes it in
the same transaction. `sweep_uploads` removes the ones never used.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.api.auth import Principal
from finegrid.api.models import Upload
from finegrid.cases.errors import InvalidInput
from finegrid.cases.photos import Photo, check_photo

KEEP_UNUSED = dt.timedelta(days=1)


def store_upload(caller: Principal, *, name: str, content: bytes) -> Upload:
    photo = Photo(name[:200] or "photo", content)
    extension = check_photo(photo)
    digest = hashlib.sha256(content).hexdigest()
    upload = Upload(
        owner=caller.owner,
        name=photo.name,
        content_type=f"image/{'jpeg' if extension == 'jpg' else extension}",
        size=len(content),
        sha256=digest,
    )
    upload.file.save(f"{digest[:16]}.{extension}", ContentFile(content), save=False)
    upload.save()
    return upload


def consume_uploads(caller: Principal, ids: list[int]) -> list[Photo]:
    """The photos of these uploads, deleted when the surrounding transaction commits."""
    if not ids:
        return []
    if len(set(ids)) != len(ids):
        raise InvalidInput("photos", _("同一张照片不能重复提交"))
    uploads = {u.pk: u for u in Upload.objects.filter(owner=caller.owner, pk__in=ids)}
    missing = [i for i in ids if i not in uploads]
    if missing:
        raise InvalidInput(
            "photos", _("照片%(ids)s不存在或已被使用") % {"ids": ", ".join(map(str, missing))}
        )
    photos = []
    for upload_id in ids:
        upload = uploads[upload_id]
        with upload.file.open("rb") as handle:
            photos.append(Photo(upload.name, handle.read()))
    files = [uploads[i].file for i in ids]
    Upload.objects.filter(pk__in=ids).delete()

    def remove_files() -> None:
        for file in files:
            file.delete(save=False)

    transaction.on_commit(remove_files)
    return photos


def sweep_uploads(*, now: dt.datetime | None = None) -> int:
    """Delete uploads nobody used within a day; returns how many."""
    cutoff = (now or timezone.now()) - KEEP_UNUSED
    stale = list(Upload.objects.filter(created_at__lt=cutoff))
    for upload in stale:
        upload.file.delete(save=False)
    Upload.objects.filter(pk__in=[u.pk for u in stale]).delete()
    return len(stale)
