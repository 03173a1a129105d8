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


def form_data(form) -> dict:
    """What a browser posts for a page's form left as it is."""
    from django import forms

    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    return data


class Inbox:
    """An aiosmtpd handler that keeps what a real SMTP server received; addresses in
    `refuse` are answered like a mailbox that does not exist."""

    def __init__(self, refuse=()):
        self.messages = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(envelope)
        return "250 OK"
