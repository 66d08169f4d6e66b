"""Form bases: Bootstrap classes on every widget, and bulk-edit forms whose blank fields mean "leave as is"."""

from __future__ import annotations

from typing import Any

from django import forms


def style_fields(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"


class EstateModelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class EstateForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class BulkEditForm(EstateForm):
    """Every field optional; only filled fields change. `nullable_fields` can be cleared with a tick box."""

    nullable_fields: tuple[str, ...] = ()
    m2m_add_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        if self.nullable_fields:
            self.fields["_nullify"] = forms.MultipleChoiceField(
                required=False, label="Clear these fields",
                choices=[(n, self.fields[n].label or n.replace("_", " ")) for n in self.nullable_fields],
                widget=forms.CheckboxSelectMultiple,
            )

    def changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        changes: dict[str, Any] = {}
        m2m_add: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "_nullify":
                continue
            if name in self.m2m_add_fields:
                if value:
                    m2m_add[name] = list(value)
            elif value not in (None, "", [], ()):
                changes[name] = value
        for name in self.cleaned_data.get("_nullify") or []:
            field = self.fields[name]
            changes[name] = "" if isinstance(field, forms.CharField) else None
        return changes, m2m_add
