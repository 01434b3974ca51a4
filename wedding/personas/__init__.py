from wedding.personas.views import bp

__all__ = ["bp"]
