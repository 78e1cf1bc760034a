"""The form that attaches a document to a plan version."""

from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from tracker.forms import Form
from tracker.once import SubmitOnceForm
from tracker.plans.attachment_models import ATTACHMENT_KINDS
from tracker.plans.attachments import TITLE_MAX, allowed_names


class AttachmentForm(SubmitOnceForm, Form):
    kind = SelectField("Kind of document", choices=list(ATTACHMENT_KINDS.items()),
                       validators=[DataRequired("Choose what kind of document this is.")])
    title = StringField("What it is", validators=[
        DataRequired("Say what the document is."), Length(max=TITLE_MAX)],
        description="For example: City parade permit 2026-114.")
    file = FileField("File", description=f"{allowed_names()}. The type is checked from the "
                                         "file's content.")

    def read_file(self) -> bytes:
        upload = self.file.data
        return upload.read() if upload and hasattr(upload, "read") else b""
