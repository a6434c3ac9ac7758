// Menus (<details data-menu>) close when the person clicks or tabs elsewhere, or presses Escape.
(() => {
  "use strict";
  const closeAll = except => {
    for (const menu of document.querySelectorAll("details[data-menu][open]")) {
      if (menu !== except) menu.open = false;
    }
  };
  document.addEventListener("click", e => closeAll(e.target.closest("details[data-menu]")));
  document.addEventListener("focusin", e => closeAll(e.target.closest("details[data-menu]")));
  document.addEventListener("keydown", e => {
    if (e.key !== "Escape") return;
    const open = e.target.closest?.("details[data-menu][open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
})();
