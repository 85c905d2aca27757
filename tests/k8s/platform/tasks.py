import os

from celery import Celery

celery = Celery("shop", broker=os.environ.get("REDIS_URL", "redis://redis:6379/0"))
celery.conf.beat_schedule = {
    "nightly-report": {"task": "tasks.report", "schedule": 86400.0},
}


@celery.task
def report():
    return "done"
