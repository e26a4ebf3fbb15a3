// Small progressive enhancements; every flow also works without JavaScript.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) {
    el.form.requestSubmit();
  }
});

// One-time submission tokens (kindred/security.py): mark each fresh token as changed, so the browser keeps it
// and puts it back if the user returns to this form with the back button; a restored token is left alone.
for (const input of document.querySelectorAll("input[data-submission-token]")) {
  if (input.value === input.defaultValue) {
    input.value = "b" + input.defaultValue;
  }
}
