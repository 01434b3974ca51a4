"""The client's export zip, built by a background job (it renders every PDF and card) and
kept as a stored file until it is downloaded or the client is erased."""

import uuid

from wedding.clients.models import Client
from wedding.erasure import ClientScope, eraser
from wedding.jobs import Job, enqueue, report_progress, task
from wedding.models import db
from wedding.storage.services import store

KEY = "client-export:{client_id}:"


def queue_export(client: Client) -> Job:
    key = KEY.format(client_id=client.id) + uuid.uuid4().hex[:12]
    return enqueue(build_export, client.id, org_id=client.org_id, key=key)


def export_job(client: Client, job_id: str) -> Job | None:
    """One of this client's export jobs, or None."""
    job = db.session.get(Job, job_id) if isinstance(job_id, str) and len(job_id) == 32 else None
    prefix = KEY.format(client_id=client.id)
    if job is None or job.org_id != client.org_id or not (job.key or "").startswith(prefix):
        return None
    return job


@task(retries=2, lease=300)
def build_export(client_id: int) -> dict:
    """Background job: the zip of everything held about the client, stored for download."""
    from wedding.privacy.services import export_client

    client = db.session.get(Client, client_id)
    if client is None:
        return {}
    report_progress(5)
    data = export_client(client)
    stored = store(client.org_id, data, "application/zip", f"client-{client.id}.zip")
    return {"file_id": stored.id, "size": len(data)}


@eraser(order=10)
def forget_exports(scope: ClientScope) -> dict[str, int]:
    """Erasure: the client's prepared export files and their jobs go too."""
    prefix = KEY.format(client_id=scope.client_id)
    jobs = db.session.scalars(db.select(Job).where(Job.key.startswith(prefix))).all()
    scope.files |= {
        job.result["file_id"] for job in jobs if job.result and job.result.get("file_id")
    }
    for job in jobs:
        db.session.delete(job)
    return {"exports": len(jobs)}
