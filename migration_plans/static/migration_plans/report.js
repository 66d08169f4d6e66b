// The committee report's Print button (a script file, not an inline handler: the CSP allows only our own files).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
