# Read by gunicorn when started from this folder (make run, the tests' live servers).
logger_class = "wedding.logs.RedactingLogger"
