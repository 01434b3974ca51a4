"""Checklist templates, a ceremony's tasks and each staff member's own list."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import SelectChoice

from wedding.accounts.access import editor_required, get_owned_or_404
from wedding.accounts.services import staff_of
from wedding.ceremonies.models import Ceremony
from wedding.forms import ConfirmForm
from wedding.i18n import current_lang
from wedding.models import db
from wedding.tasks.forms import (
    ROLE_CHOICES,
    ApplyChecklistForm,
    TaskForm,
    TemplateItemForm,
    TemplateNameForm,
)
from wedding.tasks.models import ChecklistTemplate, Task
from wedding.tasks.services import (
    TaskError,
    add_task,
    add_template_item,
    apply_checklist,
    assignee_names,
    close_task,
    create_standard_template,
    delete_task,
    my_tasks,
    org_today,
    remove_template_item,
    save_template,
    tasks_of,
    templates_of,
    venue_today,
)

bp = Blueprint("tasks", __name__, url_prefix="/ceremonies/<int:ceremony_id>/tasks")
checklists_bp = Blueprint("checklists", __name__, url_prefix="/checklists")
mine_bp = Blueprint("my_tasks", __name__)


def staff_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", _("— the role's person —")),
        *(SelectChoice(s.id, s.name) for s in staff_of(current_user.org_id) if s.assignable),
    ]


def task_card(ceremony: Ceremony) -> dict:
    """What the Tasks card on a ceremony's page needs."""
    apply_form, task_form = task_forms(ceremony)
    return {
        "tasks": tasks_of(ceremony.id),
        "apply_form": apply_form,
        "task_form": task_form,
        "staff_names": assignee_names(ceremony.org_id),
        "today": venue_today(ceremony),
    }


def task_forms(ceremony: Ceremony) -> tuple[ApplyChecklistForm, TaskForm]:
    """The forms of the Tasks card on a ceremony's page."""
    apply_form = ApplyChecklistForm()
    apply_form.template_id.choices = [
        SelectChoice(template_id, name)
        for template_id, name in db.session.execute(
            db.select(ChecklistTemplate.id, ChecklistTemplate.name)
            .where(
                ChecklistTemplate.org_id == ceremony.org_id,
                ChecklistTemplate.archived_at.is_(None),
            )
            .order_by(ChecklistTemplate.name, ChecklistTemplate.id)
        )
    ]
    task_form = TaskForm(prefix="task")
    task_form.assignee_id.choices = staff_choices()
    return apply_form, task_form


def _back(ceremony_id: int):
    return redirect(url_for("ceremonies.edit", record_id=ceremony_id) + "#tasks")


def _task_or_404(ceremony: Ceremony, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or task.ceremony_id != ceremony.id:
        abort(404)
    return task


@bp.post("/apply")
@editor_required
def apply(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    form, _unused = task_forms(ceremony)
    template = None
    if form.validate_on_submit() and form.template_id.data is not None:
        template = db.session.get(ChecklistTemplate, form.template_id.data)
    if template is None or template.org_id != ceremony.org_id or template.archived:
        flash(_("Choose a checklist from the list."), "error")
        return _back(ceremony_id)
    applied = apply_checklist(ceremony, template)
    db.session.commit()
    if applied.added:
        flash(
            ngettext("%(num)d task added.", "%(num)d tasks added.", len(applied.added)), "success"
        )
    else:
        flash(_("No new tasks: every task of this checklist is already there."), "success")
    if applied.late:
        flash(
            _(
                "%(count)d of them were already past their date: they are due today, "
                "marked as late.",
                count=applied.late,
            ),
            "warning",
        )
    return _back(ceremony_id)


@bp.post("/new")
@editor_required
def add(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    _unused, form = task_forms(ceremony)
    if form.validate_on_submit():
        try:
            add_task(
                ceremony,
                form.title.data,
                form.due_on.data,
                form.role.data,
                form.assignee_id.data,
            )
        except TaskError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Task added."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return _back(ceremony_id)


@bp.post("/<int:task_id>/status")
@editor_required
def set_status(ceremony_id: int, task_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    task = _task_or_404(ceremony, task_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        close_task(task, request.form.get("status", ""), current_user.id)
    except TaskError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
    if request.form.get("next") == "mine":
        return redirect(url_for("my_tasks.index"))
    return _back(ceremony_id)


@bp.post("/<int:task_id>/delete")
@editor_required
def remove(ceremony_id: int, task_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    task = _task_or_404(ceremony, task_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    delete_task(task)
    db.session.commit()
    flash(_("Task removed."), "success")
    return _back(ceremony_id)


@mine_bp.route("/my-tasks", endpoint="index")
@login_required
def mine():
    return render_template(
        "tasks/mine.html",
        rows=my_tasks(current_user.id, current_user.org_id),
        today=org_today(),
    )


# --- templates -------------------------------------------------------------------------------


@checklists_bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = TemplateNameForm()
    if request.method == "POST":
        if not current_user.can_edit:
            abort(403)
        if form.validate_on_submit():
            template = save_template(current_user.org_id, None, form.name.data)
            db.session.commit()
            return redirect(url_for("checklists.edit", record_id=template.id))
    return render_template(
        "tasks/checklists.html", templates=templates_of(current_user.org_id), form=form
    )


@checklists_bp.post("/standard")
@editor_required
def standard():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    template = create_standard_template(
        current_user.org_id, current_lang(), _("AR ceremony (standard)")
    )
    db.session.commit()
    flash(_("The standard checklist is ready; adjust it as you like."), "success")
    return redirect(url_for("checklists.edit", record_id=template.id))


def _item_form() -> TemplateItemForm:
    form = TemplateItemForm(prefix="item")
    form.assignee_id.choices = staff_choices()
    return form


@checklists_bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    template = get_owned_or_404(ChecklistTemplate, record_id)
    form = TemplateNameForm(obj=template)
    if request.method == "POST":
        if not current_user.can_edit:
            abort(403)
        if form.validate_on_submit():
            save_template(template.org_id, template, form.name.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("checklists.edit", record_id=record_id))
    staff = assignee_names(current_user.org_id)
    return render_template(
        "tasks/checklist.html",
        template=template,
        form=form,
        item_form=_item_form(),
        staff=staff,
        roles={c.value: c.label for c in ROLE_CHOICES},
    )


@checklists_bp.post("/<int:record_id>/items")
@editor_required
def add_item(record_id: int):
    template = get_owned_or_404(ChecklistTemplate, record_id)
    form = _item_form()
    if form.validate_on_submit():
        try:
            add_template_item(
                template,
                form.title.data,
                form.offset_days.data,
                form.role.data,
                form.assignee_id.data,
            )
        except TaskError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Line added."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("checklists.edit", record_id=record_id))


@checklists_bp.post("/<int:record_id>/items/<int:item_id>/delete")
@editor_required
def remove_item(record_id: int, item_id: int):
    template = get_owned_or_404(ChecklistTemplate, record_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        remove_template_item(template, item_id)
    except TaskError:
        abort(404)
    db.session.commit()
    return redirect(url_for("checklists.edit", record_id=record_id))


@bp.app_template_global()
def task_role_name(role: str) -> str:
    return next((str(c.label) for c in ROLE_CHOICES if c.value == role), role)
