// A menu item that Go marks available but this frontend has no screen for (a newer backend).

import { h, mount } from "../h";
import { t } from "../i18n";
import type { App } from "../app";
import type { MenuItem } from "../contract.gen";
import { screenHead } from "../ui/layout";

export function renderNotBuilt(_app: App, item: MenuItem | undefined, content: HTMLElement): void {
  mount(content, screenHead(item, ""), h("div", { class: "banner info", testid: "not-built" }, t("notBuilt")));
}
