from wtforms import EmailField, TextAreaField
from wtforms.validators import Email, InputRequired, Length

from wedding.forms import WeddingForm, stripped
from wedding.i18n import lazy_gettext as _l
from wedding.portal.services import MAX_COMMENT


class RequestForm(WeddingForm):
    email = EmailField(
        _l("Your e-mail address"),
        validators=[
            InputRequired(message=_l("Enter your e-mail address.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[stripped],
    )


class CommentForm(WeddingForm):
    text = TextAreaField(
        _l("What would you like to change?"),
        validators=[
            InputRequired(message=_l("Write what you would like to change.")),
            Length(max=MAX_COMMENT, message=_l("The comment is too long.")),
        ],
        render_kw={"rows": 3},
    )
