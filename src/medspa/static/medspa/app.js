// medspa's own behaviour; libraries come from node_modules.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("messages");
  if (!box) return;
  var alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.textContent = document.documentElement.lang.startsWith("zh")
    ? "操作未完成（" + event.detail.xhr.status + "），请重试。"
    : "The action did not complete (" + event.detail.xhr.status + "). Please try again.";
  box.appendChild(alert);
});
