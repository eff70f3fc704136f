"""Reports and exports as jobs: one way to queue, run, fail, finish and resume them.

A job row (surveys.models.analytics.AnalysisJob) is queued by a request and built by a Celery
task, which is named here, not imported, so the services that queue jobs and the tasks that run
them do not import each other. A run first claims its job (queued -> running, in one UPDATE), so
a message delivered twice, or a resumed job whose old run woke up, builds nothing twice and
never rewrites a finished job. The build reports progress on the row, so the job's page can show
it; it fails by recording why and raising (the task's retry decides what happens next); it
finishes only if it still holds the job, so of two runs the first to finish keeps its output.
Beat's `jobs_resume` queues again what stopped moving: a worker killed in the middle of a build
leaves its job running, and a message lost with Redis leaves one queued.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from operations.outbox import task_enqueue_on_commit
from surveys.models.analytics import AnalysisExport, AnalysisJob, AnalysisReport, MunicipalReport

# A build reports progress at least this often (the longest step, laying out a national PDF
# of over a hundred pages, takes well under a minute); a queued or running job that has not
# moved for this long lost its worker or its message.
JOB_STALE_AFTER = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its model, the task that builds one (by name) and that task's argument."""

    name: str
    model: type[AnalysisJob]
    task: str
    argument: str


KINDS = {
    "report": JobKind("report", AnalysisReport, "surveys.analytics.report_build", "report_id"),
    "export": JobKind("export", AnalysisExport, "surveys.analytics.export_build", "export_id"),
    "municipal": JobKind("municipal", MunicipalReport, "surveys.analytics.municipal_report_build", "report_id"),
}


def job_kind(job: AnalysisJob) -> JobKind:
    return next(kind for kind in KINDS.values() if isinstance(job, kind.model))


@dataclass
class JobOutput:
    """What a finished build stores on its row, and how to throw it away when another run of the
    same job finished first (a file written to storage)."""

    fields: dict
    discard: Callable[[], None] = field(default=lambda: None)


def job_request(model: type[AnalysisJob], *, same: dict, **fields) -> AnalysisJob:
    """Queues a job, or gives back the unfinished one that `same` describes."""
    kind = next(kind for kind in KINDS.values() if kind.model is model)
    with transaction.atomic():
        unfinished = model.objects.filter(status__in=[model.Status.QUEUED, model.Status.RUNNING], **same)
        job = unfinished.first()
        if job is not None:
            return job
        job = model(**same, **fields)
        job.full_clean()
        job.save()
        task_enqueue_on_commit(kind.task, **{kind.argument: job.pk})
    return job


def _claim(job: AnalysisJob) -> bool:
    model = type(job)
    return bool(
        model.objects.filter(pk=job.pk, status=model.Status.QUEUED).update(
            status=model.Status.RUNNING, progress=5, updated_at=timezone.now()
        )
    )


def job_run(job: AnalysisJob, *, build: Callable[[Callable[[int], None]], JobOutput]) -> AnalysisJob:
    """Runs `build(progress)` for a queued job and records how it went on the row. A job that is
    not queued (done, failed, or being built by another run) is left as it is."""
    model = type(job)
    if not _claim(job):
        job.refresh_from_db()
        return job
    job.status, job.progress = model.Status.RUNNING, 5
    running = model.objects.filter(pk=job.pk, status=model.Status.RUNNING)

    def progress(percent: int) -> None:
        job.progress = percent
        running.update(progress=percent, updated_at=timezone.now())

    try:
        output = build(progress)
    except (OperationalError, InterfaceError):
        # A database that did not answer: back to the queue for the task's retry, not failed.
        try:
            running.update(status=model.Status.QUEUED, progress=0, updated_at=timezone.now())
        except (OperationalError, InterfaceError):
            pass  # still away: beat's jobs_resume queues it again once it is back
        raise
    except Exception as error:
        job.status, job.failure_message, job.finished_at = model.Status.FAILED, str(error)[:2000], timezone.now()
        running.update(
            status=job.status,
            failure_message=job.failure_message,
            finished_at=job.finished_at,
            updated_at=job.finished_at,
        )
        raise
    finished = timezone.now()
    done = {**output.fields, "status": model.Status.DONE, "progress": 100, "finished_at": finished}
    if not running.update(**done, updated_at=finished):
        output.discard()  # another run finished first and keeps its output
        job.refresh_from_db()
        return job
    for name, value in done.items():
        setattr(job, name, value)
    return job


def jobs_resume(*, now: datetime.datetime) -> list[tuple[str, int]]:
    """Queues again the jobs that stopped moving (run by beat every five minutes). Returns the
    (kind, id) of the jobs queued again."""
    resumed = []
    for kind in KINDS.values():
        model = kind.model
        stale = model.objects.filter(
            status__in=[model.Status.QUEUED, model.Status.RUNNING], updated_at__lt=now - JOB_STALE_AFTER
        )
        for pk in list(stale.values_list("pk", flat=True)):
            # Back to queued only if it is still stale: a run that moved meanwhile keeps it.
            if stale.filter(pk=pk).update(status=model.Status.QUEUED, progress=0, updated_at=now):
                task_enqueue_on_commit(kind.task, **{kind.argument: pk})
                resumed.append((kind.name, pk))
    return resumed
