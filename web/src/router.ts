/** A tiny history router: the path as state, `navigate`, and links that don't reload. */
import { useEffect, useState } from "preact/hooks";

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  for (const l of listeners) l();
}

addEventListener("popstate", () => {
  for (const l of listeners) l();
});

/** The current location; re-renders on navigation. */
export function useLocation(): { path: string; hash: string; search: URLSearchParams } {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    addEventListener("hashchange", l);
    return () => {
      listeners.delete(l);
      removeEventListener("hashchange", l);
    };
  }, []);
  return { path: location.pathname, hash: location.hash, search: new URLSearchParams(location.search) };
}

/** Matches `/runs/:id/jobs/:job` style patterns; segments are decoded. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split("/");
  const s = path.replace(/\/$/, "").split("/");
  if (p.length !== s.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(":")) out[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return undefined;
  }
  return out;
}

/** An `<a>` that navigates in-app on a plain click and stays a real link otherwise. */
export function onLinkClick(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (
    e.defaultPrevented ||
    e.button !== 0 ||
    e.metaKey ||
    e.ctrlKey ||
    e.shiftKey ||
    e.altKey ||
    a.target ||
    a.hasAttribute("download")
  )
    return;
  e.preventDefault();
  navigate(a.getAttribute("href")!);
}

/** The page's `<title>`: what it shows, then "stax" (tabs and history tell pages apart). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · stax` : "stax";
  }, [title]);
}
