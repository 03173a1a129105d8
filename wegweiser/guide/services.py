"""Editions: create and change drafts, publish (freeze the data), and render the brochures,
each rendering cached under the hash of its inputs."""

import hashlib
import logging
import traceback
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wegweiser.core.audit import audit_log
from wegweiser.core.content import content_changed
from wegweiser.guide import brochure, snapshot
from wegweiser.guide.models import Edition, Paper, Rendering

logger = logging.getLogger(__name__)


class EditionLocked(Exception):
    """A published edition is frozen: it cannot be changed."""


class EditionConflict(Exception):
    """Someone saved the edition after the form was loaded; nothing was written."""


def folder() -> Path:
    path = Path(settings.BROCHURE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(input_hash: str) -> Path:
    return folder() / f"{input_hash}.pdf"


@transaction.atomic
def edition_save(
    edition: Edition, *, actor, expected_version: int | None, categories=(), areas=()
) -> Edition:
    """Create a draft, or change one; a stale form (someone saved meanwhile) is refused."""
    if edition.pk:
        current = Edition.objects.select_for_update().get(pk=edition.pk)
        if current.is_published:
            raise EditionLocked
        if expected_version is not None and current.version != expected_version:
            raise EditionConflict
        edition.version = current.version + 1
        # A changed draft's previews no longer show it (their files stay in the cache).
        edition.snapshot = None
        edition.renderings.all().delete()
    edition.save()
    edition.categories.set(categories)
    edition.areas.set(areas)
    audit_log(action="guide.edition.saved", actor=actor, office=edition.office, obj=edition)
    return edition


@transaction.atomic
def edition_publish(edition: Edition, *, actor) -> Edition:
    """Freeze the selected data and queue the brochures of every language, A5 and A4."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.is_published:
        raise EditionLocked
    edition.snapshot = snapshot.build(edition)
    edition.status = Edition.Status.PUBLISHED
    edition.published_at = timezone.now()
    edition.published_by = actor
    edition.version += 1
    edition.save()
    audit_log(action="guide.edition.published", actor=actor, office=edition.office, obj=edition)
    for language in edition.snapshot["edition"]["languages"]:
        for paper in (Paper.A5, Paper.A4):
            rendering_request(edition, language, paper)
    transaction.on_commit(content_changed)
    return edition


def edition_preview(edition: Edition) -> Edition:
    """A draft's preview: its data as it is now, replaced on the next preview."""
    if edition.is_published:
        raise EditionLocked
    edition.snapshot = snapshot.build(edition)
    Edition.objects.filter(pk=edition.pk).update(snapshot=edition.snapshot)
    for language in edition.snapshot["edition"]["languages"]:
        rendering_request(edition, language, Paper.A5)
    return edition


def edition_changes(edition: Edition) -> dict | None:
    """What changed against the previous published edition (None without a snapshot)."""
    if edition.snapshot is None:
        return None
    previous = edition.previous()
    return snapshot.changes(previous.snapshot if previous else None, edition.snapshot)


def rendering_input_hash(edition: Edition, language: str, paper: str, print_ready: bool) -> str:
    """Everything the PDF depends on: the frozen data, the language, the paper, the print
    marks, the logo, the previous edition's data (its change list) and the template."""
    parts = [
        _edition_digest(edition),
        language,
        paper,
        "print" if print_ready else "screen",
        brochure.template_digest(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _edition_digest(edition: Edition) -> str:
    """The edition's part of the input hash, computed once for all its renderings (a
    publication asks for sixteen): kept on the instance for the snapshot it was made from."""
    memo = getattr(edition, "_inputs_digest", None)
    if memo is not None and memo[0] is edition.snapshot:
        return memo[1]
    previous = edition.previous()
    digest = "|".join(
        [
            snapshot.digest(edition.snapshot),
            snapshot.digest(previous.snapshot) if previous else "-",
            _logo_digest(edition),
        ]
    )
    edition._inputs_digest = (edition.snapshot, digest)
    return digest


def _logo_digest(edition: Edition) -> str:
    if not edition.logo:
        return "-"
    try:
        with edition.logo.open("rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return "missing"


def rendering_request(edition: Edition, language: str, paper: str, print_ready=False):
    """Queue a rendering; when a PDF of exactly these inputs exists, use it at once."""
    digest = rendering_input_hash(edition, language, paper, print_ready)
    rendering, _created = Rendering.objects.get_or_create(
        edition=edition, language=language, paper=paper, print_ready=print_ready
    )
    if rendering.input_hash == digest and (
        rendering.status in (Rendering.Status.QUEUED, Rendering.Status.RUNNING)
        or (rendering.status == Rendering.Status.DONE and file_path(digest).exists())
    ):
        return rendering
    rendering.input_hash = digest
    rendering.error = ""
    rendering.requested_at = timezone.now()
    rendering.finished_at = None
    if file_path(digest).exists():
        _finish_reused(rendering)
        return rendering
    rendering.status = Rendering.Status.QUEUED
    rendering.stage = ""
    rendering.save()
    from wegweiser.guide.tasks import render_brochure

    transaction.on_commit(lambda: render_brochure.enqueue(rendering_id=rendering.pk))
    return rendering


def _finish_reused(rendering: Rendering) -> None:
    same = (
        Rendering.objects.filter(input_hash=rendering.input_hash, status=Rendering.Status.DONE)
        .exclude(pk=rendering.pk)
        .first()
    )
    rendering.status = Rendering.Status.DONE
    rendering.reused = True
    rendering.size = file_path(rendering.input_hash).stat().st_size
    rendering.pages = same.pages if same else rendering.pages
    rendering.finished_at = timezone.now()
    rendering.save()
    _public_list_changed(rendering.edition)


def _public_list_changed(edition: Edition) -> None:
    """A published edition's new file shows on the public list of editions."""
    if edition.is_published:
        content_changed()


def _same_request(rendering: Rendering):
    """The rendering's row while it still asks for these inputs: a newer request (a new
    preview meanwhile) is left to its own task."""
    return Rendering.objects.filter(pk=rendering.pk, input_hash=rendering.input_hash)


def _stage(rendering: Rendering, status: str, stage: str) -> None:
    rendering.status, rendering.stage = status, stage
    _same_request(rendering).update(status=status, stage=stage)


def rendering_run(rendering_id: int) -> str:
    """The background task's work: typeset one brochure unless its file exists already.
    A failure is kept on the rendering with its message, for the coordinator to see."""
    rendering = Rendering.objects.select_related("edition__office").filter(pk=rendering_id).first()
    if rendering is None or rendering.status == Rendering.Status.DONE:
        return "nothing to do"
    edition = rendering.edition
    target = file_path(rendering.input_hash)
    if target.exists():
        _finish_reused(rendering)
        return "reused"
    _stage(rendering, Rendering.Status.RUNNING, "preparing")
    try:
        with translation.override(rendering.language):
            doc = brochure.document(
                edition.snapshot,
                rendering.language,
                paper=rendering.paper,
                print_ready=rendering.print_ready,
                changes=edition_changes(edition),
            )
        logo, suffix = _logo(edition)
        _stage(rendering, Rendering.Status.RUNNING, "typesetting")
        result = brochure.render(doc, logo=logo, logo_suffix=suffix, stand=edition.stand)
    except brochure.RenderError as error:
        return _failed(rendering, str(error))
    except Exception:  # noqa: BLE001 - any failure is kept for staff to see and retry
        logger.exception("rendering %s failed", rendering.pk)
        return _failed(rendering, traceback.format_exc(limit=3))
    partial = target.with_suffix(f".{rendering.pk}.part")
    partial.write_bytes(result.pdf)
    partial.replace(target)
    _same_request(rendering).update(
        status=Rendering.Status.DONE,
        stage="",
        size=len(result.pdf),
        pages=result.pages,
        seconds=round(result.seconds, 3),
        reused=False,
        error="",
        finished_at=timezone.now(),
    )
    _public_list_changed(edition)
    return "rendered"


def _failed(rendering: Rendering, message: str) -> str:
    _same_request(rendering).update(
        status=Rendering.Status.FAILED, stage="", error=message[:4000], finished_at=timezone.now()
    )
    return "failed"


def _logo(edition: Edition) -> tuple[bytes | None, str]:
    if not edition.logo:
        return None, ""
    try:
        with edition.logo.open("rb") as f:
            data = f.read()
    except OSError as error:
        raise brochure.RenderError(_("The logo file cannot be read.")) from error
    return data, Path(edition.logo.name).suffix.lower() or ".png"


def rendering_retry(rendering: Rendering) -> Rendering:
    """Queue a failed rendering (or one whose file is gone) again."""
    rendering.input_hash = ""
    rendering.save(update_fields=["input_hash"])
    return rendering_request(
        rendering.edition, rendering.language, rendering.paper, rendering.print_ready
    )
