"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

from email import message_from_bytes
from email.policy import default as email_policy

from aiosmtpd.controller import Controller

from tests.live import free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
        return "250 OK"


def start_smtp() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox
