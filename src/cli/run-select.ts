import { basename, resolve } from "node:path";
import { StaxError } from "../contract/index.js";
import {
  defaultBranch,
  detachedTag,
  mergeBase,
  pullRequestChanges,
  pushChanges,
  readGitInfo,
  synthesizePayload,
} from "../engine/index.js";
import { listWorkflows, triggerDecision, type TriggerFacts } from "../workflow/index.js";
import { checkedEvent, commonPlan, planFor, type CommonPlan, type RunFlags, type RunPlan } from "./run-plan.js";

/** What `stax run` with no workflow will do: the plans to run and one line per workflow left out. */
export interface EventSelection {
  event: string;
  plans: RunPlan[];
  leftOut: string[];
  /** Files of workflows the event triggers that have errors: they count as failed runs. */
  invalid: string[];
  /** What the filters were checked against, for the user. */
  facts: string;
}

/** What the trigger filters look at, and the payload that matches it when the user gave none. */
export interface EventFacts {
  facts: TriggerFacts;
  payload?: Record<string, unknown>;
  described: string;
}

const PULL_REQUEST = new Set(["pull_request", "pull_request_target"]);

/**
 * The repository's state as the event sees it. push: the branch (or the tag a detached HEAD is
 * at, a tag push) and the files changed since the upstream or previous commit, uncommitted ones
 * included. pull_request: the base branch (`--base`, else the default branch) and the files
 * changed since the merge base. A payload given with `--event-file` wins for ref and action.
 */
export function eventFacts(workspace: string, event: string, common: CommonPlan, base: string | undefined): EventFacts {
  const given = common.eventPayload;
  const action = typeof given?.action === "string" ? given.action : PULL_REQUEST.has(event) ? "opened" : undefined;
  const git = readGitInfo(workspace, basename(workspace));
  if (common.actor) git.actor = common.actor;
  if (PULL_REQUEST.has(event)) {
    const fromPayload = (given?.pull_request as { base?: { ref?: string } } | undefined)?.base?.ref;
    const branch = base ?? fromPayload ?? defaultBranch(workspace);
    const changed = pullRequestChanges(workspace, branch);
    if (!changed && base)
      throw new StaxError("BAD_REQUEST", `--base: '${base}' is not a branch or commit of ${workspace}`);
    let payload = given;
    if (!payload) {
      payload = synthesizePayload(event, git, {});
      const pr = payload.pull_request as { base: { ref: string; sha: string } };
      pr.base.ref = branch;
      pr.base.sha = mergeBase(workspace, branch) ?? pr.base.sha;
    }
    const files = changed
      ? `${changed.files.length} changed file(s) (${changed.range})`
      : `changed files unknown (no '${branch}' to compare with)`;
    return {
      facts: { event, ref: { type: "branch", name: branch }, changedFiles: changed?.files, action },
      payload,
      described: `${event} into '${branch}' · ${files}`,
    };
  }
  if (event === "workflow_run") {
    // The branch filters of workflow_run match the triggering run's head branch.
    const run = given?.workflow_run as { name?: string; head_branch?: string } | undefined;
    const ref = run?.head_branch ? { type: "branch" as const, name: run.head_branch } : undefined;
    return {
      facts: { event, action, ref, workflow: run?.name },
      payload: given,
      described: run?.name ? `workflow_run of '${run.name}'` : event,
    };
  }
  if (event !== "push") return { facts: { event, action }, payload: given, described: event };
  const ref = typeof given?.ref === "string" ? given.ref : undefined;
  const tag = ref ? (ref.startsWith("refs/tags/") ? ref.slice(10) : undefined) : detachedTag(workspace);
  const branch = ref ? ref.replace(/^refs\/heads\//, "") : (git.branch ?? "main");
  let payload = given;
  if (!payload && tag) payload = { ...synthesizePayload(event, git, {}), ref: `refs/tags/${tag}` };
  if (tag)
    return { facts: { event, ref: { type: "tag", name: tag }, action }, payload, described: `push of tag '${tag}'` };
  const changed = pushChanges(workspace);
  const files = changed
    ? `${changed.files.length} changed file(s) (${changed.range})`
    : "changed files unknown (not a git repository)";
  return {
    facts: { event, ref: { type: "branch", name: branch }, changedFiles: changed?.files, action },
    payload,
    described: `push to branch '${branch}' · ${files}`,
  };
}

/**
 * `stax run` with no workflow (act's default): every workflow of the workspace (or of `dir`: `-W
 * DIR`) that the event (`-e`, default push) triggers, with its filters checked against the
 * repository (TRIG-03…07).
 */
export async function planByEvent(
  flags: RunFlags,
  cwd: string,
  defaultWorkspace: string,
  dir?: string,
): Promise<EventSelection> {
  const workspace = resolve(flags.workspace ?? defaultWorkspace);
  const event = checkedEvent(flags.event) ?? "push";
  const common = commonPlan(flags, cwd);
  const { facts, payload, described } = eventFacts(workspace, event, common, flags.base);
  const shared = { ...common, eventPayload: payload };
  const selection: EventSelection = { event, plans: [], leftOut: [], invalid: [], facts: described };
  const workflows = await listWorkflows(workspace, dir);
  const anyJob = new Set(workflows.flatMap((w) => w.definition?.jobs.map((j) => j.id.toLowerCase()) ?? []));
  const unknownJobs = (flags.job ?? []).filter((j) => !anyJob.has(j.toLowerCase()));
  if (unknownJobs.length)
    throw new StaxError(
      "BAD_REQUEST",
      `--job: no workflow of ${workspace} has a job ${unknownJobs.map((j) => `'${j}'`).join(", ")}`,
    );
  for (const w of workflows) {
    if (w.errors.length) {
      if (w.info.triggers.includes(event)) selection.invalid.push(w.relPath);
      else selection.leftOut.push(`${w.relPath}: not triggered by ${event}`);
      continue;
    }
    const decision = triggerDecision(w.definition!.on, facts);
    if (!decision.runs) {
      selection.leftOut.push(`${w.relPath}: ${decision.reason}`);
      continue;
    }
    // --job names jobs of any of the workflows: each runs those it has.
    const ids = new Set(w.definition!.jobs.map((j) => j.id.toLowerCase()));
    const jobs = flags.job?.filter((j) => ids.has(j.toLowerCase()));
    if (flags.job?.length && !jobs?.length) {
      selection.leftOut.push(`${w.relPath}: has none of the jobs ${flags.job.join(", ")}`);
      continue;
    }
    selection.plans.push(planFor(workspace, w, event, shared, jobs));
  }
  return selection;
}

/**
 * The payload for `stax run WORKFLOW` when none was given and the repository says more than the
 * engine's default: a detached HEAD at a tag is a tag push; a pull request's base is `--base` or
 * the default branch. Undefined: the engine synthesises its own.
 */
export function namedRunPayload(
  workspace: string,
  event: string,
  common: CommonPlan,
  base: string | undefined,
): Record<string, unknown> | undefined {
  if (common.eventPayload) return common.eventPayload;
  if (PULL_REQUEST.has(event)) return eventFacts(workspace, event, common, base).payload;
  if (event !== "push") return undefined;
  const tag = detachedTag(workspace);
  if (!tag) return undefined;
  const git = readGitInfo(workspace, basename(workspace));
  if (common.actor) git.actor = common.actor;
  return { ...synthesizePayload(event, git, {}), ref: `refs/tags/${tag}` };
}
