from wedding.clients.views import bp

__all__ = ["bp"]
