from flask_wtf.file import FileAllowed, FileField
from wtforms import IntegerField, URLField
from wtforms.validators import (
    URL,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from wedding.forms import Between, WeddingForm, stripped
from wedding.i18n import lazy_gettext as _l


class PresentationForm(WeddingForm):
    external_url = URLField(
        _l("Link to your AR app or scene (optional)"),
        validators=[
            Optional(),
            URL(require_tld=False, message=_l("Enter a full address starting with https://")),
            Length(max=500),
        ],
        filters=[stripped],
        description=_l("Guests also see this link on the viewer page."),
    )
    height_cm = IntegerField(
        _l("Height in AR (cm)"),
        validators=[
            InputRequired(message=_l("Give a height in centimetres.")),
            Between(min=30, max=300, message=_l("Between 30 and 300 cm.")),
        ],
    )

    def validate_external_url(self, field) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Enter a full address starting with https://"))


class ModelForm(WeddingForm):
    # A model is optional for the presentation (the standee stands in): the field carries no
    # "required" flag, but this upload needs a file.
    model = FileField(
        _l("3D model (GLB or VRM, up to 50 MB; optional)"),
    )

    def validate_model(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose a file."))


class CutoutForm(WeddingForm):
    cutout = FileField(
        _l("Your own cut-out (PNG or WebP with a transparent background)"),
        validators=[FileAllowed(["png", "webp"], _l("Choose a PNG or WebP picture."))],
    )

    def validate_cutout(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose a file."))
