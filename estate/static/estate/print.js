// A print view (the programme dashboard's ?print=1) opens the print dialogue once loaded. A file of its own, not
// inline script: the Content-Security-Policy allows scripts from our own files only.
window.addEventListener("load", function () { window.print(); });
