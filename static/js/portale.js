// The portal's only script of its own (strict CSP: no inline scripts). After a submission with errors the
// error summary takes the focus, so a screen reader announces it and the keyboard starts from its links.
document.addEventListener("DOMContentLoaded", function () {
  var riepilogo = document.getElementById("riepilogo-errori");
  if (riepilogo) {
    riepilogo.focus();
  }
});
