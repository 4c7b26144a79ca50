"""Run a background worker: django-tasks-db's worker plus a heartbeat for /healthz."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from medspa.core import health

logger = logging.getLogger("medspa.worker")


class Command(BaseCommand):
    help = "Run a background task worker (django.tasks with the database backend)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue-name", default="default", help="Queues, comma separated; * for all.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--batch", action="store_true", help="Run the queued tasks, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = f"medspa-{get_random_string(12)}"
        started_at = timezone.now()
        stop = threading.Event()

        def beat() -> None:
            while not stop.is_set():
                try:
                    health.heartbeat(worker_id, started_at)
                except DatabaseError:
                    logger.warning("worker heartbeat could not be written", exc_info=True)
                finally:
                    connection.close()
                stop.wait(settings.WORKER_HEARTBEAT_INTERVAL)

        thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
        thread.start()
        kwargs: dict[str, Any] = {
            "queue_name": options["queue_name"],
            "interval": options["interval"],
            "reload": False,
            "worker_id": worker_id,
            "verbosity": options["verbosity"],
        }
        if options["batch"]:
            kwargs["batch"] = True
        if options["max_tasks"]:
            kwargs["max_tasks"] = options["max_tasks"]
        try:
            call_command("db_worker", **kwargs)
        finally:
            stop.set()
            thread.join(timeout=5)
            try:
                health.heartbeat_stop(worker_id)
            except DatabaseError:
                logger.warning("worker heartbeat could not be removed", exc_info=True)
