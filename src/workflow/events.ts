/**
 * The events that can trigger a workflow (TRIG-01), as GitHub names them in `on:`; `stax run
 * --event` takes only these, so a typo is an error rather than a run no trigger would start.
 */
export const WORKFLOW_EVENTS: ReadonlySet<string> = new Set([
  "branch_protection_rule", "check_run", "check_suite", "create", "delete", "deployment", "deployment_status",
  "discussion", "discussion_comment", "fork", "gollum", "image_version", "issue_comment", "issues", "label",
  "merge_group", "milestone", "page_build", "project", "project_card", "project_column", "public",
  "pull_request", "pull_request_review", "pull_request_review_comment", "pull_request_target", "push",
  "registry_package", "release", "repository_dispatch", "schedule", "status", "watch", "workflow_call",
  "workflow_dispatch", "workflow_run",
]);
