// Copy buttons on the feed link page: <button data-copy="input-id">.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) { return; }
  var source = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById("copy-status");
  source.select();
  navigator.clipboard.writeText(source.value).then(function () {
    if (status) { status.textContent = "Copied to the clipboard."; }
  }, function () {
    if (status) { status.textContent = "Select the text and copy it with Ctrl+C (Cmd+C on a Mac)."; }
  });
});
