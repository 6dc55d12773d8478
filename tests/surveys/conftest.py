"""The mail tests' SMTP server and app: surveys arrive by the Resolved mail."""

from tests.mail.conftest import mail, smtp_server

__all__ = ["mail", "smtp_server"]
