"""Validators for uploads and values the database cannot check by itself."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

ALLOWED_LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


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
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("The logo must be a PNG, JPEG, WebP or GIF image."), code="logo_not_image"
        ) from exc
    finally:
        file.seek(0)
    if image_format not in ALLOWED_LOGO_FORMATS:
        raise ValidationError(
            _("The logo must be a PNG, JPEG, WebP or GIF image."), code="logo_not_image"
        )
