"""The ceremony's photos: upload, compositing by a studio, the client's gallery, family links."""
