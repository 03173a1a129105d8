"""QR codes as standalone SVG, generated locally (segno)."""

import io

import segno


def qr_svg(data: str, *, scale: int = 4, title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer, kind="svg", scale=scale, xmldecl=False, title=title, dark="#000", light="#fff"
    )
    return buffer.getvalue()
