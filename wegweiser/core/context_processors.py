from django.conf import settings

from wegweiser.accounts.middleware import membership_of


def wegweiser(request):
    """What every template may need: the current office membership (lazy) and the environment."""
    return {
        "membership": lambda: membership_of(request),
        "environment": settings.ENVIRONMENT,
    }
