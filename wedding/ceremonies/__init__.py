from wedding.ceremonies.views import bp, dashboard_bp

__all__ = ["bp", "dashboard_bp"]
