// Select-all checkbox for bulk actions, and "columns" chooser persistence is server-side.
document.addEventListener("change", function (event) {
  if (event.target.classList.contains("js-select-all")) {
    const table = event.target.closest("table");
    table.querySelectorAll('input[name="pk"]').forEach(function (box) { box.checked = event.target.checked; });
  }
});
// Bulk action buttons post the selected rows to their own URL.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-bulk-action]");
  if (!button) { return; }
  const form = document.getElementById("bulk-form");
  form.action = button.dataset.bulkAction;
});
