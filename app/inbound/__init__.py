"""Mail that comes in: POST /api/inbound/email/ and the SMTP receiver, one path (service.receive)."""
