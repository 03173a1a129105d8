"""Validators for uploads and values the database cannot check by itself."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

ALLOWED_LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
# What Pillow raises for content that is not a (sane) image.
IMAGE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)
NOT_AN_IMAGE = _("The logo must be a PNG, JPEG, WebP or GIF image.")


def validate_logo(file) -> None:
    """A logo is a real raster image (checked by content, not name) of limited size."""
    size = getattr(file, "size", 0) or 0
    if size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is too large (%(size)s MB); at most %(limit)s MB are allowed."),
            params={
                "size": f"{size / 1048576:.1f}",
                "limit": f"{settings.LOGO_MAX_BYTES / 1048576:.0f}",
            },
            code="logo_too_large",
        )
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except IMAGE_ERRORS as exc:
        raise ValidationError(NOT_AN_IMAGE, code="logo_not_image") from exc
    finally:
        file.seek(0)
    if image_format not in ALLOWED_LOGO_FORMATS:
        raise ValidationError(NOT_AN_IMAGE, code="logo_not_image")


MAX_LOGO_PIXELS = 4096 * 4096


def reencode_logo(upload) -> ContentFile:
    """Decode and re-encode an uploaded logo: drops metadata and anything hidden after the
    image data, and gives it a random name with the extension of its real format."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_LOGO_PIXELS:
                raise ValidationError(_("The logo has too many pixels (at most 4096 × 4096)."))
            image_format = "JPEG" if image.format == "JPEG" else "PNG"
            converted = image.convert("RGB" if image_format == "JPEG" else "RGBA")
            buffer = io.BytesIO()
            converted.save(buffer, format=image_format, optimize=True)
    except IMAGE_ERRORS as exc:
        raise ValidationError(NOT_AN_IMAGE) from exc
    extension = "jpg" if image_format == "JPEG" else "png"
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")
