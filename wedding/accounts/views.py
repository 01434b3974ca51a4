"""Signing in and out (sessions that end for real), passwords, the language switch, and the
company's staff list."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from wedding.accounts.access import get_owned_or_404, owner_required
from wedding.accounts.forms import (
    ROLE_CHOICES,
    LanguageForm,
    LoginForm,
    PasswordForm,
    StaffForm,
)
from wedding.accounts.models import User
from wedding.accounts.services import (
    SESSION_KEY,
    AccountError,
    authenticate,
    change_password,
    clear_failures,
    create_user,
    end_all_sessions,
    end_session,
    find_user,
    locked_until,
    record_failure,
    set_active,
    start_session,
    throttle_keys,
)
from wedding.audit import audit
from wedding.forms import ConfirmForm
from wedding.inputs import safe_next
from wedding.models import db, utcnow

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
        secret = start_session(user, now, current_app.permanent_session_lifetime)
        db.session.commit()
        _sign_in(user, secret)
        return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")))
    return render_template("accounts/login.html", form=form)


def _sign_in(user: User, secret: str) -> None:
    """This browser's cookie: the user and the secret of its session row."""
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME (12 hours)
    login_user(user)
    session[SESSION_KEY] = secret
    if user.language:
        session["language"] = user.language


def _sign_out() -> None:
    logout_user()
    session.clear()


@bp.post("/logout")
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        end_session(session.get(SESSION_KEY), utcnow())
        db.session.commit()
        _sign_out()
        flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of this person: other browsers, copied cookies, this one too."""
    if ConfirmForm().validate_on_submit():
        end_all_sessions(current_user, utcnow())
        db.session.commit()
        _sign_out()
        flash(_("You have signed out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            change_password(current_user, form.current.data, form.new.data, now)
        except AccountError as error:
            form.current.errors.append(str(error))
        else:
            audit("change", "account", current_user.id, detail="password")
            user = current_user._get_current_object()
            # This browser stays signed in with a new session; every other one is ended.
            secret = start_session(user, now, current_app.permanent_session_lifetime)
            db.session.commit()
            _sign_in(user, secret)
            flash(_("Your password is changed. Other browsers are signed out."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/password.html", form=form)


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


@bp.post("/staff/<int:user_id>/deactivate", endpoint="deactivate")
@owner_required
def deactivate(user_id: int):
    return _set_active(user_id, active=False)


@bp.post("/staff/<int:user_id>/reactivate", endpoint="reactivate")
@owner_required
def reactivate(user_id: int):
    return _set_active(user_id, active=True)


def _set_active(user_id: int, active: bool):
    member = get_owned_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            set_active(member, active, current_user, utcnow())
        except AccountError as error:
            flash(str(error), "error")
        else:
            audit("change", "account", member.id, detail="active" if active else "deactivated")
            db.session.commit()
            message = (
                _("%(email)s can sign in again.", email=member.email)
                if active
                else _(
                    "%(email)s is deactivated and signed out everywhere; their own calendar feed "
                    "and calendar server get nothing more. Company, venue and client feed "
                    "addresses they knew still work: make new ones under Calendar feeds.",
                    email=member.email,
                )
            )
            flash(message, "success")
    return redirect(url_for("accounts.staff"))


@bp.app_template_global()
def role_label(role: str) -> str:
    return next((str(c.label) for c in ROLE_CHOICES if c.value == role), role)
