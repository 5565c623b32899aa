import { rmSync } from "node:fs";
import { arch, platform } from "node:os";
import { basename, join } from "node:path";
import type { RunConclusion, WorkflowRun } from "../contract/index.js";
import type { RunHandle, RunOptions } from "./options.js";
import { Checkouts } from "./job/checkouts.js";
import { readGitInfo } from "./context/git.js";
import { displayTitle, firstLine } from "./context/display-title.js";
import { githubContext, refOf, synthesizePayload } from "./context/github-context.js";
import { runGraph } from "./plan/graph.js";
import { Masker } from "./io/mask.js";
import { writeEventFile } from "./context/event-file.js";
import { Reporter } from "./report.js";
import { jobServices, RunFlags, type RunRuntime } from "./runtime.js";
import { selectJobs } from "./plan/select.js";
import { machineNpmConfig } from "./tools/registry.js";

/**
 * The host's TLS trust and proxy settings: a machine behind a TLS-inspecting proxy names its CA
 * here, and a step without them cannot reach a registry (npm retries SELF_SIGNED_CERT_IN_CHAIN).
 */
const TRUST = [
  "NODE_EXTRA_CA_CERTS",
  "NODE_USE_SYSTEM_CA",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
  "AWS_CA_BUNDLE",
  "PIP_CERT",
  "CARGO_HTTP_CAINFO",
  "YARN_CA_FILE_PATH",
  "ALL_PROXY",
  "all_proxy",
  "YARN_HTTP_PROXY",
  "YARN_HTTPS_PROXY",
];

/**
 * The host variables a step inherits, as GitHub's runner passes its own machine's basics: where
 * programs and the user are, locale, terminal, temp folder, proxies, and the version managers'
 * homes the setup shims use. Nothing else — above all not stax's own configuration (STAX_TOKEN,
 * STAX_SECRETS_KEY) nor whatever secrets the shell that started stax holds.
 */
const INHERITED = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TERM",
  "TZ",
  "TMPDIR",
  "TEMP",
  "TMP",
  "HOSTNAME",
  "DISPLAY",
  "COLORTERM",
  "NO_COLOR",
  "FORCE_COLOR",
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "SSH_AUTH_SOCK",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "NVM_DIR",
  "FNM_DIR",
  "VOLTA_HOME",
  "ASDF_DIR",
  "ASDF_DATA_DIR",
  "PYENV_ROOT",
  "JAVA_HOME",
  "GOPATH",
  "GOROOT",
  "CARGO_HOME",
  "RUSTUP_HOME",
  "DOCKER_HOST",
  ...TRUST,
]);
/** Locale variables, and npm's configuration (its registry, proxy and auth, as the user's npm is set up). */
const inherited = (name: string): boolean =>
  INHERITED.has(name) || name.startsWith("LC_") || /^npm_config_/i.test(name);

/** The base `runner` context (CTX-03) of a machine; each job sets its own `temp`. */
export function runnerContext(
  name: string,
  tempDir: string,
  workspace: string,
  toolCache?: string,
): Record<string, string> {
  return {
    name,
    os: platform() === "darwin" ? "macOS" : platform() === "win32" ? "Windows" : "Linux",
    arch:
      ({ x64: "X64", arm64: "ARM64", arm: "ARM", ia32: "X86" } as Record<string, string>)[arch()] ??
      arch().toUpperCase(),
    temp: join(tempDir, "jobs"),
    tool_cache: toolCache ?? join(tempDir, "tool_cache"),
    environment: "self-hosted",
    workspace,
  };
}

/** The host environment steps inherit: the allow-list above, on the machine that runs the steps (a runner, `stax run`, a worker). */
export function inheritedEnv(hostEnv: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(hostEnv).filter((e): e is [string, string] => e[1] !== undefined && inherited(e[0])),
  );
}

/**
 * A run's runtime, the same for a whole run (`startRun`) and a single leg planned elsewhere
 * (`runLegSpec`): the secrets masked from the first line, the host variables steps inherit, the
 * job services, the run-wide flags, the kill grace.
 */
export function newRunRuntime(
  opts: RunOptions,
  parts: Pick<RunRuntime, "reporter" | "github" | "runner" | "checkouts">,
): RunRuntime {
  const masker = new Masker();
  for (const v of Object.values(opts.secrets ?? {})) masker.add(v);
  return {
    opts,
    services: jobServices(opts),
    workflow: opts.workflow,
    vars: opts.vars ?? {},
    masker,
    // The allow-list on every machine: a worker's STAX_DATABASE_URL or STAX_SECRETS_KEY never reach a step.
    hostEnv: inheritedEnv(opts.hostEnv),
    flags: new RunFlags(opts.notices),
    outputBytes: 0,
    grace: opts.killGraceSeconds ?? [7.5, 2.5],
    nodePath: process.execPath,
    ...parts,
  };
}

/**
 * Starts a run of a valid workflow and returns at once with the run `queued`; `done` resolves
 * with the completed run. Every state change goes to `opts.sink` as an event of the contract (docs/events.md).
 */
export function startRun(opts: RunOptions): RunHandle {
  if (!opts.workflow.definition) throw new Error(`workflow ${opts.workflow.relPath} has errors`);
  const now = opts.now ?? (() => new Date());
  const git = opts.git ? { ...opts.git } : readGitInfo(opts.workspace, basename(opts.workspace));
  if (opts.actor) git.actor = opts.actor;
  const inputs = opts.inputs ?? {};
  const payload = opts.eventPayload ?? synthesizePayload(opts.event, git, inputs);
  const ref = refOf(opts.event, payload, git);
  const eventPath = join(opts.tempDir, "_github_workflow", "event.json");
  const rerunOf = opts.rerunOf ?? opts.resume?.rerunOf;
  // GitHub's run_attempt: a re-run is the next attempt of the run it re-ran.
  const attempt = opts.rerunOf ? (opts.rerunOf.attempt ?? 1) + 1 : (opts.resume?.attempt ?? 1);
  const github = githubContext({
    runId: opts.runId,
    runNumber: opts.runNumber,
    runAttempt: attempt,
    event: opts.event,
    payload,
    eventPath,
    workspace: opts.workspace,
    workflowName: opts.workflow.name,
    workflowRelPath: opts.workflow.relPath,
    git,
    ref,
  });
  const subject = firstLine(git.commitMessage ?? "");
  const run: WorkflowRun = {
    id: opts.runId,
    number: opts.runNumber,
    workflow: opts.workflow.name,
    workflowFile: opts.workflow.relPath,
    status: opts.resume?.status ?? "queued",
    jobs: [],
    createdAt: opts.resume?.createdAt ?? now().toISOString(),
    ...(opts.resume?.startedAt ? { startedAt: opts.resume.startedAt } : {}),
    trigger: {
      event: opts.event,
      ref: ref.ref,
      sha: ref.sha,
      actor: git.actor,
      ...(subject ? { commitSubject: subject } : {}),
    },
    inputs,
    displayTitle: displayTitle({
      runName: opts.workflow.definition.runName,
      workflowName: opts.workflow.name,
      github,
      inputs,
      vars: opts.vars ?? {},
    }),
    ...(rerunOf ? { rerunOf: { runId: rerunOf.runId, runNumber: rerunOf.runNumber } } : {}),
    ...(attempt > 1 ? { attempt } : {}),
  };
  const reporter = new Reporter(run, opts.sink, now, opts.resume);
  const runtime = newRunRuntime(opts, {
    reporter,
    github,
    runner: runnerContext("stax", opts.tempDir, opts.workspace, opts.toolCache),
    checkouts:
      opts.checkouts?.mode === "isolated"
        ? new Checkouts(opts.workspace, opts.checkouts, opts.runId, inheritedEnv(opts.hostEnv))
        : undefined,
  });
  const done = (async (): Promise<WorkflowRun> => {
    await Promise.resolve();
    // npm's machine-wide configuration for every step's npm, whichever Node runs it.
    Object.assign(runtime.hostEnv, await machineNpmConfig(opts.hostEnv, opts.toolCache));
    writeEventFile(eventPath, payload);
    let conclusion: RunConclusion = "failure";
    try {
      const def = selectJobs(opts.workflow.definition!, opts.jobs);
      const results = await runGraph(runtime, {
        def,
        workflow: opts.workflow,
        inputs,
        secrets: opts.secrets ?? {},
        idPrefix: "",
        namePrefix: "",
        depth: 0,
      });
      const all = [...results.values()].map((r) => r.result);
      conclusion = runtime.flags.cancelled
        ? "cancelled"
        : all.includes("failure")
          ? "failure"
          : all.includes("cancelled")
            ? "cancelled"
            : "success";
    } finally {
      await runtime.checkouts?.close();
      reporter.runCompleted(conclusion);
      rmSync(opts.tempDir, { recursive: true, force: true });
    }
    return run;
  })();
  return {
    run,
    done,
    // A first cancel is graceful, a second stops at once.
    cancel: () => runtime.flags.cancel(),
  };
}
