"""Photos attached to cases: checked by their content (not their name), and stripped of where they
were taken when a citizen sent them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from finegrid.cases.errors import InvalidInput

IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
#: The EXIF pointer to the GPS block (tag 34853).
GPS_IFD = 0x8825


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes


def check_photo(photo: Photo) -> str:
    """The file extension for an acceptable image; InvalidInput for anything else."""
    limit = settings.FINEGRID_MAX_PHOTO_BYTES
    if len(photo.content) > limit:
        raise InvalidInput(
            "photos",
            _("照片“%(name)s”超过%(mb)d MB的上限")
            % {"name": photo.name, "mb": limit // (1024 * 1024)},
        )
    try:
        with Image.open(io.BytesIO(photo.content)) as image:
            image_format = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidInput(
            "photos", _("“%(name)s”不是有效的图片文件") % {"name": photo.name}
        ) from None
    if image_format not in IMAGE_FORMATS:
        raise InvalidInput(
            "photos",
            _("“%(name)s”的图片格式%(format)s不受支持")
            % {"name": photo.name, "format": image_format},
        )
    return image_format.lower().replace("jpeg", "jpg")


def check_photos(photos: Sequence[Photo]) -> list[tuple[Photo, str]]:
    return [(photo, check_photo(photo)) for photo in photos]


def strip_location(photo: Photo) -> Photo:
    """The photo without its EXIF GPS block; other metadata (orientation, time) is kept.

    JPEGs are re-saved with their own quantisation tables, so the picture is not degraded.
    """
    with Image.open(io.BytesIO(photo.content)) as image:
        exif = image.getexif()
        if GPS_IFD not in exif:
            return photo
        del exif[GPS_IFD]
        out = io.BytesIO()
        options: dict[str, object] = {"exif": exif.tobytes()}
        if image.format == "JPEG":
            options["quality"] = "keep"
        image.save(out, format=image.format, **options)
    return Photo(photo.name, out.getvalue())
