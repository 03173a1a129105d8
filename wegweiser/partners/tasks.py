from django_tasks import task

from wegweiser.partners.review import send_reminders


@task()
def send_review_reminders():
    """The daily run of review reminders (queued by `manage.py send_review_reminders`)."""
    return send_reminders()
