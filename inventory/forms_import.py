"""Forms for spreadsheet import: the upload step (the mapping selects are built per column in the preview)."""

from __future__ import annotations

from django import forms

from estate.forms import EstateForm
from inventory.importing import MAX_BYTES, MODEL_LABELS


class ImportUploadForm(EstateForm):
    file = forms.FileField(
        label="Spreadsheet", help_text=f"A .csv or .xlsx file, up to {MAX_BYTES // (1024 * 1024)} MB. The first row "
                                       "with column names is the header; columns are matched by their names.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    model = forms.ChoiceField(label="What the rows are", choices=list(MODEL_LABELS.items()), initial="devices")
    on_existing = forms.ChoiceField(
        label="When a row matches an existing record",
        choices=[("update", "Update it with the file's values"), ("skip", "Leave it alone (skip the row)")],
        initial="update", widget=forms.RadioSelect,
    )
    create_missing_sites = forms.BooleanField(
        label="Create missing sites", required=False,
        help_text="Otherwise a row naming a site that does not exist is an error.",
    )

    def __init__(self, *args, models: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if models is not None:
            self.fields["model"].choices = [(k, v) for k, v in MODEL_LABELS.items() if k in models]
        self.fields["on_existing"].widget.attrs["class"] = "form-check-input"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is too large: the limit is {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
        return upload
