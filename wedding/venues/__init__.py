from wedding.venues.views import bp

__all__ = ["bp"]
