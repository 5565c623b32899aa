import type { ComponentChildren } from "preact";
import { onLinkClick } from "../router.js";

/** An in-app link (a real `<a href>`, so it opens in a new tab too). */
export function Link(props: {
  href: string;
  class?: string;
  children: ComponentChildren;
  "aria-current"?: "page" | undefined;
  title?: string;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={onLinkClick}
      aria-current={props["aria-current"]}
      title={props.title}
    >
      {props.children}
    </a>
  );
}
