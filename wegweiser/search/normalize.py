"""One normalisation for indexing and for queries: case-folded, without diacritics
("Öffnungszeiten" → "offnungszeiten", "tư vấn" → "tu van"), Arabic-script letter variants
unified, everything that is not a letter or digit a separator."""

import re
import unicodedata

_ARABIC = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ی",
        "ي": "ی",
        "ك": "ک",
        "ـ": "",
    }
)
_SEPARATORS = re.compile(r"[^\w]+|_", re.UNICODE)
MAX_TERM = 80


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # "đ" has no decomposition; Vietnamese readers type "d" for it.
    stripped = stripped.replace("đ", "d").replace("ı", "i").translate(_ARABIC)
    return " ".join(t[:MAX_TERM] for t in _SEPARATORS.split(stripped) if t)


def tokens(text: str) -> list[str]:
    return normalize(text).split()
