// The portal's only script of its own (strict CSP: no inline scripts). After a submission with errors the
// error summary takes the focus, so a screen reader announces it and the keyboard starts from its links.
// A page still being prepared (data-aggiorna-ogni="N") reloads itself every N seconds; it says so and links
// to a version that does not (WCAG 2.2.1). Without JavaScript its "Aggiorna ora" link does the same job.
// A script rather than <meta http-equiv="refresh">, which axe rightly counts as a critical violation.
document.addEventListener("DOMContentLoaded", function () {
  var riepilogo = document.getElementById("riepilogo-errori");
  if (riepilogo) {
    riepilogo.focus();
  }
  var inCorso = document.querySelector("[data-aggiorna-ogni]");
  if (inCorso) {
    var secondi = parseInt(inCorso.getAttribute("data-aggiorna-ogni"), 10);
    if (secondi > 0) {
      window.setTimeout(function () { window.location.reload(); }, secondi * 1000);
    }
  }
});
