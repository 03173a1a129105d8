"""Test helpers."""

import socket
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what a real SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(envelope)
        return "250 OK"
