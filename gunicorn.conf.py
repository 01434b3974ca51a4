# Read by gunicorn when started from this folder (make run, the tests' live servers).
logger_class = "wedding.logs.RedactingLogger"


def post_worker_init(worker):
    """Load the fonts once per worker before it takes requests: the first PDF a planner asks
    for then renders as fast as the next one."""
    from wedding.documents.render import warm_up

    warm_up()
