// SPID/CIE hand-offs without inline scripts (strict CSP): a form marked data-invio-automatico submits itself
// (the same-site re-post of a SAML response), an element with data-vai-a sends the browser there (single
// logout at the IdP, a navigation our CSP's form-action would block as a redirect). Without JavaScript the
// page's own button or link does the same.
document.addEventListener("DOMContentLoaded", function () {
  var modulo = document.querySelector("form[data-invio-automatico]");
  if (modulo) {
    modulo.submit();
    return;
  }
  var vai = document.querySelector("[data-vai-a]");
  if (vai) {
    window.location.assign(vai.getAttribute("data-vai-a"));
  }
});
