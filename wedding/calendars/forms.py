from wtforms import PasswordField, StringField, URLField
from wtforms.validators import URL, DataRequired, Length

from wedding.forms import WeddingForm
from wedding.i18n import lazy_gettext as _l


class CalDAVForm(WeddingForm):
    url = URLField(
        _l("Calendar address (CalDAV)"),
        validators=[DataRequired(), URL(require_tld=False), Length(max=500)],
        description=_l(
            "The address of one calendar, e.g. https://cloud.example.com/remote.php/dav/calendars/me/weddings/"
        ),
    )
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("App password"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Make an app password in your calendar service; it is stored encrypted."),
    )
