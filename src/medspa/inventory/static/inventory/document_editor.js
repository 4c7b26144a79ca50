// The stock document editor.
// - The scan box (a keyboard-wedge scanner types the code and Enter) submits #scan-form: the code
//   is taken and the box cleared at once, so the next scan can follow while the first is still
//   being resolved; every scan is sent (queued in order), none is lost or mixed with the next.
// - Scanning what is already a line adds one to that line's quantity instead of adding another
//   line (same item, unit, batch, expiry and lot; never for a serial).
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "scan-form") return;
    event.preventDefault();
    var input = document.getElementById("scan-code");
    var values = { code: input.value, doc_type: form.dataset.docType };
    ["warehouse", "to_warehouse"].forEach(function (name) {
      var select = document.getElementById("id_" + name);
      if (select) values[name] = select.value;
    });
    input.value = "";
    input.focus();
    htmx.ajax("POST", form.action, { source: form, target: "#doc-lines", swap: "beforeend", values: values });
  });

  var KEY_FIELDS = ["item", "pack_unit", "batch_no", "expiry_date", "lot", "serial_no"];

  function value(row, name) {
    var input = row.querySelector("[name$='-" + name + "']");
    return input ? input.value.trim() : "";
  }

  function key(row) {
    if (value(row, "serial_no")) return null;
    return KEY_FIELDS.map(function (name) { return value(row, name); }).join("|");
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "doc-lines" || !event.detail.xhr) return;
    if (!event.detail.requestConfig || !event.detail.requestConfig.elt || event.detail.requestConfig.elt.id !== "scan-form") return;
    var holder = document.createElement("template");
    holder.innerHTML = event.detail.serverResponse;
    var scanned = holder.content.querySelector(".doc-line");
    var wanted = scanned && key(scanned);
    if (!wanted) return;
    var rows = target.querySelectorAll(".doc-line");
    for (var i = 0; i < rows.length; i++) {
      if (key(rows[i]) !== wanted) continue;
      var quantity = rows[i].querySelector("input[name$='-quantity']");
      if (!quantity || !/^\d+$/.test(quantity.value.trim())) return;
      quantity.value = String(parseInt(quantity.value.trim(), 10) + 1);
      event.detail.shouldSwap = false;
      var feedback = document.getElementById("scan-feedback");
      if (feedback) feedback.innerHTML = "";
      var row = rows[i];
      row.classList.add("doc-line-bumped");
      setTimeout(function () { row.classList.remove("doc-line-bumped"); }, 800);
      return;
    }
  });
})();
