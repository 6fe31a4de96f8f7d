"""A job's page (progress, then the result), its status for the page's script, restart and file.

The views only read rows and put ids on the queue: nothing here waits for a job.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.extensions import db
from app.tasks import service
from app.tasks.models import Task

bp = Blueprint("tasks", __name__, url_prefix="/jobb")
STAFF = ("admin", "finance", "management", "case_worker")


def _task_or_404(task_id: int) -> Task:
    """The job, if its kind is one the signed-in role may see."""
    task = db.session.get(Task, task_id)
    kind = service.KINDS.get(task.kind) if task else None
    if task is None or kind is None or current_user.role not in kind.roles:
        abort(404)
    return task


@bp.route("/")
@roles_required(*STAFF)
def index():
    kinds = tuple(k.name for k in service.KINDS.values() if current_user.role in k.roles)
    return render_template("tasks/index.html", tasks=service.recent(db.session, kinds, 50),
                           kinds=service.KINDS)


@bp.route("/<int:task_id>")
@roles_required(*STAFF)
def show(task_id: int):
    task = _task_or_404(task_id)
    kind = service.KINDS[task.kind]
    result = kind.present(task.result) if task.status == "done" and task.result is not None else None
    return render_template("tasks/show.html", status=service.status(task), kind=kind, result=result)


@bp.route("/<int:task_id>/status")
@roles_required(*STAFF)
def status(task_id: int):
    """For the page's script: how far the job is (it reloads the page when the job ends)."""
    found = service.status(_task_or_404(task_id))
    return jsonify({"status": found.task.status, "done": found.done, "total": found.total,
                    "stalled": found.stalled, "waiting": found.waiting})


@bp.route("/<int:task_id>/igen", methods=["POST"])
@roles_required(*STAFF)
def restart(task_id: int):
    task = _task_or_404(task_id)
    if service.restart(db.session, task):
        flash(_("Jobbet är lagt i kön igen."), "success")
    else:
        flash(_("Jobbet körs fortfarande och kan inte startas om."), "error")
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.route("/<int:task_id>/fil")
@roles_required(*STAFF)
def download(task_id: int):
    task = _task_or_404(task_id)
    if task.status != "done" or task.result_file is None:
        abort(404)
    return Response(task.result_file, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={task.result_filename}"})
