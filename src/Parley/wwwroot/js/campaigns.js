// Choosing a template fills the variables box with one line per variable of that template (if it is empty or untouched).
for (const select of document.querySelectorAll("select[data-variables-target]")) {
    const box = document.getElementById(select.dataset.variablesTarget);
    let filled = box.value;
    const fill = () => {
        if (box.value === "" || box.value === filled) {
            box.value = filled = select.selectedOptions[0]?.dataset.variables ?? "";
        }
    };
    select.addEventListener("change", fill);
    fill();
}
