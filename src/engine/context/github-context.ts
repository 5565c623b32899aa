import { isCommitSha, type GitInfo } from "./git.js";

/** The parts of the `github` context fixed for a whole run (CTX-01); jobs and steps add theirs. */
export type GithubContext = Record<string, unknown>;

/**
 * A realistic webhook payload when the user gave none (CTX-02): what GitHub would send for a
 * push of the current commit, a pull request from the current branch, or a dispatch.
 */
export function synthesizePayload(
  event: string,
  git: GitInfo,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const [owner, name] = git.repository.split("/");
  const repository = {
    name,
    full_name: git.repository,
    owner: { login: owner, name: owner },
    default_branch: git.defaultBranch ?? git.branch ?? "main",
    html_url: `https://github.com/${git.repository}`,
  };
  const sender = { login: git.actor, type: "User" };
  const ref = refOfGit(git);
  const commit = {
    id: git.sha,
    message: git.commitMessage,
    timestamp: git.commitTime,
    author: { name: git.authorName, email: git.authorEmail },
    committer: { name: git.authorName, email: git.authorEmail },
  };
  switch (event) {
    case "push":
      return {
        ref,
        before: "0000000000000000000000000000000000000000",
        after: git.sha,
        created: false,
        deleted: false,
        forced: false,
        head_commit: commit,
        commits: [commit],
        pusher: { name: git.actor },
        repository,
        sender,
      };
    case "pull_request":
    case "pull_request_target":
      return {
        action: "opened",
        number: 1,
        pull_request: {
          number: 1,
          title: git.commitMessage,
          head: { ref: git.branch ?? "HEAD", sha: git.sha, repo: repository },
          base: { ref: repository.default_branch, sha: git.sha, repo: repository },
        },
        repository,
        sender,
      };
    case "workflow_dispatch":
      return {
        inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])),
        ref,
        repository,
        sender,
        workflow: "",
      };
    default:
      return { repository, sender };
  }
}

export interface RefInfo {
  ref: string;
  refName: string;
  refType: "branch" | "tag";
  headRef: string;
  baseRef: string;
  sha: string;
}

/** The ref the workspace's git facts name: a tag's, a branch's, else main's. */
const refOfGit = (git: GitInfo): string =>
  git.tag ? `refs/tags/${git.tag}` : git.branch ? `refs/heads/${git.branch}` : "refs/heads/main";

/** GITHUB_REF and friends from the event and payload (TRIG-02, TRIG-07, VAR-03). */
export function refOf(event: string, payload: Record<string, unknown>, git: GitInfo): RefInfo {
  const pr = payload.pull_request as
    { number?: number; head?: { ref?: string; sha?: string }; base?: { ref?: string } } | undefined;
  if ((event === "pull_request" || event === "pull_request_target") && pr) {
    const n = (payload.number as number | undefined) ?? pr.number ?? 1;
    const ref = event === "pull_request" ? `refs/pull/${n}/merge` : `refs/heads/${pr.base?.ref ?? "main"}`;
    return {
      ref,
      refName: ref.replace(/^refs\/(heads|tags|pull)\//, ""),
      refType: "branch",
      headRef: pr.head?.ref ?? "",
      baseRef: pr.base?.ref ?? "",
      sha: pr.head?.sha ?? git.sha,
    };
  }
  const ref =
    typeof payload.ref === "string" && payload.ref
      ? payload.ref.startsWith("refs/")
        ? payload.ref
        : `refs/heads/${payload.ref}`
      : refOfGit(git);
  const sha = isCommitSha(payload.after) ? payload.after : git.sha;
  return {
    ref,
    refName: ref.replace(/^refs\/(heads|tags)\//, ""),
    refType: ref.startsWith("refs/tags/") ? "tag" : "branch",
    headRef: "",
    baseRef: "",
    sha,
  };
}

export interface GithubBase {
  runId: string;
  runNumber: number;
  /** `run_attempt` (default 1). */
  runAttempt?: number;
  event: string;
  payload: Record<string, unknown>;
  eventPath: string;
  workspace: string;
  workflowName: string;
  workflowRelPath: string;
  git: GitInfo;
  ref: RefInfo;
}

/** The run-wide `github` context. */
export function githubContext(b: GithubBase): GithubContext {
  const workflowRef = `${b.git.repository}/${b.workflowRelPath}@${b.ref.ref}`;
  return {
    action: "",
    action_path: "",
    action_ref: "",
    action_repository: "",
    actor: b.git.actor,
    actor_id: "1",
    api_url: "https://api.github.com",
    base_ref: b.ref.baseRef,
    event: b.payload,
    event_name: b.event,
    event_path: b.eventPath,
    graphql_url: "https://api.github.com/graphql",
    head_ref: b.ref.headRef,
    job: "",
    ref: b.ref.ref,
    ref_name: b.ref.refName,
    ref_protected: false,
    ref_type: b.ref.refType,
    repository: b.git.repository,
    repository_id: "1",
    repository_owner: b.git.owner,
    repository_owner_id: "1",
    repositoryUrl: `git://github.com/${b.git.repository}.git`,
    retention_days: "90",
    run_id: numericRunId(b.runId),
    run_number: String(b.runNumber),
    run_attempt: String(b.runAttempt ?? 1),
    secret_source: "Actions",
    server_url: "https://github.com",
    sha: b.ref.sha,
    token: "",
    triggering_actor: b.git.actor,
    workflow: b.workflowName,
    workflow_ref: workflowRef,
    workflow_sha: b.ref.sha,
    workspace: b.workspace,
  };
}

/**
 * `github.run_id` as GitHub gives it: digits only (tools parse it as a number). stax's run ids
 * are hex, so they are read as the number they spell; any other id maps to a stable number.
 */
export function numericRunId(runId: string): string {
  if (/^[0-9a-f]{1,12}$/i.test(runId)) return String(parseInt(runId, 16));
  let h = 0;
  for (const c of runId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return String(h);
}

/** VAR-02: GITHUB_* variables from the github context (skipping event, token and the rest GitHub skips). */
export function githubEnv(github: GithubContext): Record<string, string> {
  const skip = new Set(["event", "token", "action_status", "repositoryUrl", "secret_source"]);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(github)) {
    if (skip.has(k) || v === undefined || v === null || v === "" || typeof v === "object") continue;
    env[`GITHUB_${k.toUpperCase()}`] = String(v);
  }
  return env;
}
