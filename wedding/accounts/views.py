"""Signing in and out, the language switch, and the company's staff list."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from wedding.accounts.access import owner_required
from wedding.accounts.forms import ROLE_CHOICES, LanguageForm, LoginForm, StaffForm
from wedding.accounts.models import User
from wedding.accounts.services import (
    AccountError,
    authenticate,
    clear_failures,
    create_user,
    find_user,
    locked_until,
    record_failure,
    throttle_keys,
)
from wedding.inputs import safe_next
from wedding.models import db, utcnow
from wedding.privacy.audit import audit

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        keys = throttle_keys(form.email.data, request.remote_addr)
        if locked_until(keys, now):
            form.password.errors.append(_("Too many attempts. Wait a few minutes, then try again."))
            return render_template("accounts/login.html", form=form), 429
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            record_failure(keys, now)
            known = find_user(form.email.data)  # for the owner's trail only, never the answer
            audit(
                "login_failed",
                "account",
                known.id if known else None,
                org_id=known.org_id if known else None,
                actor="anonymous",
            )
            db.session.commit()
            form.password.errors.append(_("The e-mail or the password is not right."))
            return render_template("accounts/login.html", form=form)
        clear_failures(keys)
        audit("login", "account", user.id, org_id=user.org_id, actor=f"user:{user.id}")
        db.session.commit()
        session.clear()
        session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME (12 hours)
        login_user(user)
        if user.language:
            session["language"] = user.language
        return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(safe_next(form.next.data, url_for("dashboard.index")))


@bp.route("/staff")
@owner_required
def staff():
    members = db.session.scalars(
        db.select(User).where(User.org_id == current_user.org_id).order_by(User.email)
    ).all()
    return render_template("accounts/staff.html", members=members)


@bp.route("/staff/new", methods=["GET", "POST"])
@owner_required
def add_staff():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            create_user(
                current_user.org,
                form.email.data,
                form.password.data,
                role=form.role.data,
                name=form.name.data or "",
            )
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(email)s can now sign in.", email=form.email.data), "success")
            return redirect(url_for("accounts.staff"))
    return render_template("accounts/staff_form.html", form=form)


@bp.app_template_global()
def role_label(role: str) -> str:
    return next((str(c.label) for c in ROLE_CHOICES if c.value == role), role)
