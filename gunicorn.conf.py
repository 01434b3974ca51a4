# Read by gunicorn when started from this folder (make run, the tests' live servers).
logger_class = "wedding.logs.RedactingLogger"


def post_worker_init(worker):
    """Fonts loaded and long-lived objects frozen before the worker takes requests: the first
    PDF renders as fast as the next, and no request pays for a full garbage collection pass."""
    from wedding.worker import prepare

    prepare()
