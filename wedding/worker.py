"""What a server process does once, before it takes requests (gunicorn's post_worker_init)."""

import gc


def prepare() -> None:
    """Load the fonts, then leave everything the process holds for its whole life out of the
    garbage collector's full passes (gc.freeze). Measured: a full pass over a warmed-up worker
    took about 95 ms, paid by whichever request happened to trigger it (a big calendar feed
    triggers one every few requests)."""
    from wedding.documents.render import warm_up

    warm_up()
    gc.collect()
    gc.freeze()
