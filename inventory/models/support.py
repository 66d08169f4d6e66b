"""Where a device's OS, an installed software release or an application is in its vendor's support life.

Derived, denormalised columns: ``findings_evaluate()`` recomputes them set-based (writing only changes) so lists can
filter and sort on them; people never edit them (``editable=False`` keeps them out of forms and API writes).
"""

from __future__ import annotations

from django.db import models

from inventory.choices import SupportStatusChoices


class SupportStateFields(models.Model):
    support_status = models.CharField(max_length=20, choices=SupportStatusChoices, default=SupportStatusChoices.UNKNOWN,
                                      editable=False, help_text="Support phase today (recomputed by the evaluation)")
    support_phase_ends = models.DateField(null=True, blank=True, editable=False,
                                          help_text="Last day of the current support phase, when published")
    support_next_phase = models.CharField(max_length=20, choices=SupportStatusChoices, blank=True, editable=False,
                                          help_text="The phase that follows the current one")

    class Meta:
        abstract = True
