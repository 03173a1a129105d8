"""Use cases of the public guide that write."""

from wegweiser.core.audit import audit_log
from wegweiser.site.models import Feedback


def feedback_record(*, kind: str, offer, language: str, message: str, contact: str) -> Feedback:
    """Keep a resident's message for the office's inbox."""
    feedback = Feedback.objects.create(
        kind=kind, offer=offer, language=language, message=message, contact=contact
    )
    audit_log(action=f"site.feedback.{kind}", obj=offer, changes={})
    return feedback
