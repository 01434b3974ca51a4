"""Vendor pages, and a ceremony's orders with their print files."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from wedding.accounts.access import editor_required, forbid_viewer_changes, get_owned_or_404
from wedding.ceremonies.models import Ceremony
from wedding.forms import ConfirmForm
from wedding.i18n import format_local_date
from wedding.i18n import lazy_gettext as _l
from wedding.models import db
from wedding.records import add_archive_routes
from wedding.tasks.services import org_today, tasks_of
from wedding.vendors.forms import KIND_CHOICES, STATUS_CHOICES, OrderForm, VendorForm
from wedding.vendors.models import Order, Vendor
from wedding.vendors.services import (
    MIN_PRINT_DPI,
    VendorError,
    change_order,
    orders_of,
    place_order,
    print_file_pdf,
    print_resolutions,
    remove_order,
    save_vendor,
    set_order_status,
    vendors_of,
)

bp = Blueprint("vendors", __name__, url_prefix="/vendors")
orders_bp = Blueprint("orders", __name__, url_prefix="/ceremonies/<int:ceremony_id>/orders")
# Archiving keeps a vendor's orders (and their vendor) as they are; it only leaves the pickers.
add_archive_routes(bp, Vendor, _l("Vendor"))
FIELDS = (
    "kind",
    "name",
    "contact",
    "email",
    "phone",
    "lead_time_days",
    "registration_number",
    "notes",
)


@bp.route("/", methods=["GET"])
@login_required
def index():
    archived = request.args.get("archived") == "1"
    return render_template(
        "vendors/index.html",
        vendors=vendors_of(current_user.org_id, archived=archived),
        archived=archived,
    )


def _edit(vendor: Vendor | None):
    forbid_viewer_changes()
    form = VendorForm(obj=vendor)
    adding = vendor is None
    if form.validate_on_submit():
        try:
            vendor = save_vendor(
                current_user.org_id,
                vendor,
                {name: form[name].data or "" for name in FIELDS}
                | {"lead_time_days": form.lead_time_days.data},
            )
        except VendorError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            done = _("Vendor %(name)s added.", name=vendor.name) if adding else _("Changes saved.")
            flash(done, "success")
            return redirect(url_for("vendors.edit", record_id=vendor.id))
    return render_template("vendors/form.html", form=form, vendor=vendor)


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    return _edit(None)


@bp.route("/<int:record_id>", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    return _edit(get_owned_or_404(Vendor, record_id))


# --- orders ------------------------------------------------------------------------------------


ORDER_FIELDS = (
    "vendor_id",
    "task_id",
    "what",
    "quantity",
    "cost_yen",
    "print_width_mm",
    "print_height_mm",
    "bleed_mm",
)


def _order_form(ceremony: Ceremony, order: Order | None = None) -> OrderForm:
    """The order form, filled from ``order`` when it corrects one: its vendor stays on offer
    after being archived."""
    form = OrderForm(obj=order)
    vendors = vendors_of(ceremony.org_id)
    if order is not None and order.vendor.archived:
        vendors.append(order.vendor)
    form.vendor_id.choices = [
        SelectChoice(v.id, f"{v.name} ({kind_label(v.kind)})") for v in vendors
    ]
    form.task_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(t.id, f"{format_local_date(t.due_on)} {t.title}")
        for t in tasks_of(ceremony.id)
    ]
    return form


def _order_or_404(ceremony: Ceremony, order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or order.ceremony_id != ceremony.id:
        abort(404)
    return order


def _saved_order(form: OrderForm, save) -> bool:
    """Save the form's order through ``save`` (fields -> order) and commit, or put the
    service's refusal on its field and keep nothing."""
    try:
        save({name: form[name].data for name in ORDER_FIELDS})
    except VendorError as error:
        db.session.rollback()
        form[error.field].errors.append(str(error))
        return False
    db.session.commit()
    flash(_("Order saved."), "success")
    return True


@orders_bp.route("/", methods=["GET", "POST"], endpoint="index")
@login_required
def order_list(ceremony_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    forbid_viewer_changes()
    form = _order_form(ceremony)
    if form.validate_on_submit() and _saved_order(
        form, lambda fields: place_order(ceremony, fields, org_today())
    ):
        return redirect(url_for("orders.index", ceremony_id=ceremony_id))
    orders = orders_of(ceremony.id)
    tasks = {t.id: t for t in tasks_of(ceremony.id)}
    return render_template(
        "vendors/orders.html",
        ceremony=ceremony,
        orders=orders,
        tasks=tasks,
        form=form,
        statuses=STATUS_CHOICES,
        total=sum(o.cost_yen for o in orders),
        resolutions=print_resolutions(orders, ceremony),
        min_dpi=MIN_PRINT_DPI,
    )


@orders_bp.route("/<int:order_id>/edit", methods=["GET", "POST"], endpoint="edit")
@editor_required
def edit_order(ceremony_id: int, order_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    order = _order_or_404(ceremony, order_id)
    form = _order_form(ceremony, order)
    if form.validate_on_submit() and _saved_order(
        form, lambda fields: change_order(order, ceremony, fields)
    ):
        return redirect(url_for("orders.index", ceremony_id=ceremony_id))
    return render_template("vendors/order_edit.html", ceremony=ceremony, order=order, form=form)


@orders_bp.post("/<int:order_id>/delete")
@editor_required
def remove(ceremony_id: int, order_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    order = _order_or_404(ceremony, order_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    what = order.what
    remove_order(order)
    db.session.commit()
    flash(_("Order removed: %(what)s.", what=what), "success")
    return redirect(url_for("orders.index", ceremony_id=ceremony_id))


@orders_bp.post("/<int:order_id>/status")
@editor_required
def status(ceremony_id: int, order_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    order = _order_or_404(ceremony, order_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        set_order_status(order, request.form.get("status", ""))
    except VendorError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            _("%(what)s: %(status)s.", what=order.what, status=order_status_label(order.status)),
            "success",
        )
    return redirect(url_for("orders.index", ceremony_id=ceremony_id))


@orders_bp.get("/<int:order_id>/print-file.pdf")
@login_required
def print_file(ceremony_id: int, order_id: int):
    ceremony = get_owned_or_404(Ceremony, ceremony_id)
    order = _order_or_404(ceremony, order_id)
    try:
        pdf, dpi = print_file_pdf(order, ceremony)
    except VendorError as error:
        flash(str(error), "error")
        return redirect(url_for("orders.index", ceremony_id=ceremony_id))
    name = f"print-{ceremony.id}-{order.id}-{order.print_width_mm}x{order.print_height_mm}mm.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Print-DPI": str(dpi),
            "X-Print-Sharp-Enough": "yes" if dpi >= MIN_PRINT_DPI else "no",
        },
    )


@bp.app_template_global()
def kind_label(kind: str) -> str:
    return next((str(c.label) for c in KIND_CHOICES if c.value == kind), kind)


@bp.app_template_global()
def order_status_label(status: str) -> str:
    return next((str(c.label) for c in STATUS_CHOICES if c.value == status), status)
