"""Test helpers."""

import time

from wegweiser.accounts.middleware import AUTH_AT, OTP_VERIFIED, REAUTH_AT


def login(client, user, *, second_factor: bool = True, reauthenticated: bool = False):
    """Log a user in as the log-in page would, with the second factor already given."""
    client.force_login(user)
    session = client.session
    session[AUTH_AT] = time.time()
    session[OTP_VERIFIED] = second_factor
    if reauthenticated:
        session[REAUTH_AT] = time.time()
    session.save()
    return client
