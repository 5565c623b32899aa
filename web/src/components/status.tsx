/** Status icons with the words as their accessible name. */
import type { Status } from "../../../src/contract/index.js";

const ICONS: Record<string, string> = {
  success: "✓",
  failure: "✕",
  cancelled: "⊘",
  skipped: "↷",
  in_progress: "◌",
  queued: "○",
};

export function statusKey(status: Status, conclusion?: string): string {
  return status === "completed" ? (conclusion ?? "success") : status;
}

export function StatusIcon(props: { status: Status; conclusion?: string }) {
  const key = statusKey(props.status, props.conclusion);
  const label = key.replace("_", " ");
  return (
    <span class={`status status-${key}`} role="img" aria-label={label} title={label}>
      {ICONS[key] ?? "?"}
    </span>
  );
}
